"""CLI test parts: the commands run in this process (``worker.cli.main``) against the ``engine``
fixture's database, or as subprocesses where the command is a daemon."""

from __future__ import annotations

import uuid

import pytest


@pytest.fixture
def cli_env(engine, tmp_path, monkeypatch):
    """MYPAGE_* for a command run here: the test database, no Redis, files under tmp_path."""
    for name in ("MYPAGE_REDIS_URL", "MYPAGE_SMTP_HOST"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MYPAGE_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("MYPAGE_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("MYPAGE_SECRET_KEY", "test-secret-of-32-characters-256")
    monkeypatch.setenv("MYPAGE_REDIS_NAMESPACE", f"test-{uuid.uuid4().hex[:8]}")
    monkeypatch.setenv("COLUMNS", "200")  # rich wraps no label of the summary tables
    return monkeypatch

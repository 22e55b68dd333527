"""Outbox test parts: settings with the file outbox, the sample world in the database, and rows
queued as their producers would."""

from __future__ import annotations

import pytest

from tests.outbox.rows import enqueue, outbox_row, outbox_rows  # noqa: F401 - shared with the tests here
from worker.config import Settings, load_settings
from worker.mail.samples import store_sample_world


@pytest.fixture
def settings(tmp_path) -> Settings:
    return load_settings(var_dir=tmp_path, secret_key="test-secret-of-32-characters-256", database_url=None, smtp_host=None)


@pytest.fixture
def sample_world(engine, settings):
    store_sample_world(engine, settings)
    return engine


def eml_files(settings):
    return sorted(settings.outbox_dir.glob("*.eml")) if settings.outbox_dir.exists() else []

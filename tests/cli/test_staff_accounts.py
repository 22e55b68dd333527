"""``mypage-worker staff add|list|disable``: the password comes from a prompt or stdin, never
from an argument; mistakes are one line on stderr with exit status 1."""

from __future__ import annotations

import io
import sys

import pytest

from worker.cli import build_parser, main
from worker.db import session_scope
from worker.services.staff import authenticate


@pytest.fixture
def stdin(monkeypatch):
    def feed(text: str) -> None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(text))

    return feed


def test_a_staff_account_is_added_with_the_password_from_stdin(engine, cli_env, stdin, capsys):
    stdin("a-long-password\n")
    assert main(["staff", "add", "tanaka", "--role", "operator"]) == 0
    assert "tanaka added (operator)" in capsys.readouterr().out
    with session_scope(engine) as session:
        assert authenticate(session, name="tanaka", password="a-long-password", now=_now()) is not None


def test_a_password_cannot_be_given_as_an_argument():
    with pytest.raises(SystemExit):
        build_parser().parse_args(["staff", "add", "tanaka", "--role", "viewer", "--password", "x"])


def test_a_short_password_or_a_taken_name_is_one_line_on_stderr(engine, cli_env, stdin, capsys):
    stdin("short\n")
    assert main(["staff", "add", "tanaka", "--role", "viewer"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("password: パスワードは10") and "Traceback" not in err and "short" not in err
    stdin("a-long-password\n")
    main(["staff", "add", "tanaka", "--role", "viewer"])
    stdin("a-long-password\n")
    assert main(["staff", "add", "tanaka", "--role", "viewer"]) == 1
    assert "既に登録" in capsys.readouterr().err


def test_a_bad_name_is_refused_before_the_password_is_read(engine, cli_env, stdin, capsys):
    stdin("")
    assert main(["staff", "add", "田中", "--role", "viewer"]) == 1
    assert capsys.readouterr().err.startswith("name: ")


def test_list_shows_the_accounts_and_disable_disables_one(engine, cli_env, stdin, capsys):
    stdin("a-long-password\n")
    main(["staff", "add", "tanaka", "--role", "admin"])
    assert main(["staff", "disable", "tanaka"]) == 0
    assert main(["staff", "list"]) == 0
    out = capsys.readouterr().out
    assert "tanaka" in out and "admin" in out and "disabled" in out
    assert main(["staff", "disable", "nobody"]) == 1
    assert "ありません" in capsys.readouterr().err


def test_a_configured_database_without_the_console_tables_says_what_to_run(tmp_path, monkeypatch, capsys):
    from worker.db import make_engine
    from worker.domain.models import Seeker

    url = f"sqlite:///{tmp_path / 'old.db'}"
    Seeker.__table__.create(make_engine(url))  # an old schema: no staff tables
    monkeypatch.setenv("MYPAGE_DATABASE_URL", url)
    monkeypatch.setenv("MYPAGE_VAR_DIR", str(tmp_path / "var"))
    assert main(["staff", "list"]) == 1
    assert "mypage-worker db upgrade" in capsys.readouterr().err


def test_on_embedded_defaults_the_database_is_migrated_first(tmp_path, monkeypatch, stdin, capsys):
    monkeypatch.delenv("MYPAGE_DATABASE_URL", raising=False)
    monkeypatch.setenv("MYPAGE_VAR_DIR", str(tmp_path / "var"))
    stdin("a-long-password\n")
    assert main(["staff", "add", "tanaka", "--role", "viewer"]) == 0
    assert (tmp_path / "var" / "mypage.db").exists()


def _now():
    from worker.domain.models import utcnow

    return utcnow()


def test_an_unreachable_database_is_one_line_on_stderr(cli_env, stdin, capsys):
    cli_env.setenv("MYPAGE_DATABASE_URL", "postgresql://postgres:hunter2-secret@127.0.0.1:1/console_down")
    stdin("a-long-password\n")
    assert main(["staff", "add", "tanaka", "--role", "viewer"]) == 1
    assert main(["console", "--port", "1"]) == 1
    err = capsys.readouterr().err
    assert err.count("に接続できません") == 2 and "Traceback" not in err and "hunter2" not in err

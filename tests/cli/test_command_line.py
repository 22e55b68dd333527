"""The command line explains itself, tried as a new user would: on a fresh directory, on a
database that is not there or not migrated, without the test extras; every option says what it
is for; and a staff member learns when the quiet hours hold mails."""

from __future__ import annotations

import argparse
import json
import logging
import os
import stat
import subprocess
import sys
import time
import traceback
import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from tests.postgres_faults import terminate_while_inserting
from worker.cli import build_parser, main
from worker.db import make_engine
from worker.domain import clock

from .test_staff_commands import small_world, table_rows

CLI = [sys.executable, "-c", "import sys; from worker.cli import main; sys.exit(main())"]
JOB = {"job_number": "13010-00000001", "title": "介護職員", "prefecture_code": "13"}


def parsers(parser: argparse.ArgumentParser, path: str = "mypage-worker"):
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from parsers(child, f"{path} {name}")


def test_every_option_and_argument_of_every_command_has_a_help_text():
    missing = [f"{path} {action.option_strings or action.dest}"
               for path, parser in parsers(build_parser()) for action in parser._actions
               if not isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)) and not action.help]
    assert missing == []


def test_the_walk_reaches_the_nested_commands():
    assert {"mypage-worker mail bench", "mypage-worker db upgrade"} <= {path for path, _ in parsers(build_parser())}


@pytest.fixture
def fresh_directory(tmp_path, monkeypatch):
    """A new user's empty directory and no MYPAGE_* settings at all."""
    for name in [n for n in os.environ if n.startswith("MYPAGE_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")  # rich wraps no label of the summary tables
    return tmp_path


def test_staff_commands_on_a_fresh_directory_migrate_and_answer(fresh_directory, capsys):
    jobs = fresh_directory / "jobs.jsonl"
    jobs.write_text(json.dumps(JOB) + "\n", encoding="utf-8")
    body = fresh_directory / "body.txt"
    body.write_text("窓口の受付時間が変わります。", encoding="utf-8")

    assert main(["status"]) == 0
    assert main(["recommend", "--since", "2000-01-01", "--dry-run"]) == 0
    assert main(["notice", "--title", "受付時間", "--body-file", str(body)]) == 0
    assert main(["import-jobs", str(jobs)]) == 0

    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "no such table" not in captured.err
    assert table_rows(captured.out)["offers imported"] == "1"
    var = fresh_directory / "var"
    assert stat.S_IMODE(var.stat().st_mode) == 0o700
    assert stat.S_IMODE((var / "mypage.db").stat().st_mode) == 0o600


def test_import_jobs_without_a_broker_promises_no_sweeper_it_cannot_see(fresh_directory, capsys):
    jobs = fresh_directory / "jobs.jsonl"
    jobs.write_text(json.dumps(JOB) + "\n", encoding="utf-8")
    assert main(["import-jobs", str(jobs)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "within a minute" not in out and "mypage-worker run" in out


def test_an_unreachable_database_is_one_line_naming_the_url_without_its_password(fresh_directory, monkeypatch,
                                                                                 capsys):
    monkeypatch.setenv("MYPAGE_DATABASE_URL", "postgresql://staff:s3cret-pw@127.0.0.1:1/mypage")
    jobs = fresh_directory / "jobs.jsonl"
    jobs.write_text(json.dumps(JOB) + "\n", encoding="utf-8")
    for command in (["status"], ["notice", "--title", "t", "--body-file", __file__], ["import-jobs", str(jobs)],
                    ["run"], ["scheduler"],
                    ["recommend", "--since", "2000-01-01", "--dry-run"], ["db", "upgrade"]):
        assert main(command) == 2, command
        err = capsys.readouterr().err
        assert err.count("\n") == 1, err
        assert "postgresql://staff:***@127.0.0.1:1/mypage" in err and "does not answer" in err
        assert "s3cret-pw" not in err and "Traceback" not in err


def test_an_unreachable_broker_is_one_line_without_its_password(engine, cli_env, capsys):
    cli_env.setenv("MYPAGE_REDIS_URL", "redis://:broker-pw@127.0.0.1:1/0")
    assert main(["status"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "the broker redis://:***@127.0.0.1:1/0 does not answer" in err
    assert "broker-pw" not in err


@pytest.mark.parametrize("url", ["postgres-ish://u:pw-1234@host/db", "not a url with pw-1234"])
def test_a_database_url_that_is_no_url_is_one_line_without_the_value(fresh_directory, monkeypatch, capsys, url):
    monkeypatch.setenv("MYPAGE_DATABASE_URL", url)
    assert main(["status"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "MYPAGE_DATABASE_URL: not a database URL" in err and "pw-1234" not in err


@pytest.mark.parametrize("url", [
    "postgresql+psycopg2://u:pw-1234@127.0.0.1/db",  # a driver that is not installed
    "mysql://u:pw-1234@127.0.0.1/db",  # a database this worker does not use
    "postgresql://u:pw-1234@127.0.0.1:port/db",  # a port that is no number
    "postgresql://u:pw-1234@[::1/db",  # an address cut short
])
def test_a_database_url_this_worker_cannot_use_is_one_line_without_the_value(fresh_directory, monkeypatch, capsys,
                                                                            url):
    monkeypatch.setenv("MYPAGE_DATABASE_URL", url)
    for command in (["status"], ["db", "upgrade"]):
        assert main(command) == 2, (url, command)
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "MYPAGE_DATABASE_URL: " in err, err
        assert "pw-1234" not in err and "Traceback" not in err


@pytest.mark.parametrize("url", ["redis://:pw-1234@127.0.0.1:port/0", "http://pw-1234@127.0.0.1/"])
def test_a_broker_url_this_worker_cannot_use_is_one_line_without_the_value(fresh_directory, monkeypatch, capsys,
                                                                          url):
    monkeypatch.setenv("MYPAGE_REDIS_URL", url)
    assert main(["status"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "MYPAGE_REDIS_URL: " in err, err
    assert "pw-1234" not in err and "Traceback" not in err


def test_a_password_given_as_a_url_parameter_is_not_shown_either(fresh_directory, monkeypatch, capsys):
    # libpq and redis-py both take ?password=…; hiding only the user:password@ part printed it.
    monkeypatch.setenv("MYPAGE_DATABASE_URL", "postgresql://staff@127.0.0.1:1/mypage?password=pw-1234")
    assert main(["status"]) == 2
    err = capsys.readouterr().err
    assert "does not answer" in err and "127.0.0.1:1/mypage" in err and "pw-1234" not in err
    monkeypatch.delenv("MYPAGE_DATABASE_URL")
    monkeypatch.setenv("MYPAGE_REDIS_URL", "redis://127.0.0.1:1/0?password=pw-1234")
    assert main(["status"]) == 2
    err = capsys.readouterr().err
    assert "the broker redis://127.0.0.1:1/0" in err and "does not answer" in err and "pw-1234" not in err


@pytest.mark.parametrize("make", [
    pytest.param(lambda d: (d / "var").write_text("x"), id="var is a file"),
    pytest.param(lambda d: ((d / "var").mkdir(), (d / "var" / "mypage.db").write_text("not a database\n" * 10)),
                 id="the SQLite file is no database"),
    pytest.param(lambda d: os.environ.__setitem__("MYPAGE_VAR_DIR", "/proc/mypage-var"), id="var cannot be made"),
])
def test_a_var_directory_that_cannot_be_used_is_one_line(fresh_directory, monkeypatch, capsys, make):
    monkeypatch.setenv("MYPAGE_VAR_DIR", "var")
    make(fresh_directory)
    for command in (["status"], ["recommend", "--since", "2000-01-01", "--dry-run"], ["db", "upgrade"]):
        assert main(command) == 2, command
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err, err
        assert "var" in err


@pytest.mark.postgres
def test_a_database_without_the_schema_says_what_to_run(postgres_url, fresh_directory, monkeypatch, capsys):
    name = f"mypage_empty_{uuid.uuid4().hex[:8]}"
    admin = make_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        monkeypatch.setenv("MYPAGE_DATABASE_URL", postgres_url.rsplit("/", 1)[0] + f"/{name}")
        for command in (["status"], ["recommend", "--since", "2000-01-01", "--dry-run"]):
            assert main(command) == 2
            err = capsys.readouterr().err
            assert err.count("\n") == 1 and "has no schema yet: run `mypage-worker db upgrade` first" in err
        assert main(["db", "upgrade"]) == 0
        assert main(["status"]) == 0
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_mail_bench_without_the_test_extras_says_what_to_install_at_once(fresh_directory):
    hide_aiosmtpd = ("import sys; sys.modules['aiosmtpd'] = None; from worker.cli import main; "
                     "sys.exit(main(['mail', 'bench', '--sends', '10', '--renders', '10']))")
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", hide_aiosmtpd], capture_output=True, text=True, timeout=60,
                          env={k: v for k, v in os.environ.items() if not k.startswith("MYPAGE_")})
    assert time.monotonic() - started < 20
    assert done.returncode == 2
    assert "pip install 'mypage-worker[test]'" in done.stderr and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1


def quiet_hours_around_now() -> dict[str, str]:
    """Quiet hours that hold mails right now, whatever the hour in Japan."""
    hour = clock.local(datetime.now(clock.JST)).hour
    return {"MYPAGE_QUIET_HOURS_START": str(hour), "MYPAGE_QUIET_HOURS_END": str((hour + 2) % 24)}


def next_release() -> datetime:
    hour = (clock.local(datetime.now(clock.JST)).hour + 2) % 24
    release = datetime.now(clock.JST).replace(hour=hour, minute=0, second=0, microsecond=0)
    return release if release > datetime.now(clock.JST) else release + timedelta(days=1)


def test_recommend_and_status_say_that_the_quiet_hours_hold_the_mails_and_until_when(engine, cli_env, capsys):
    for name, value in quiet_hours_around_now().items():
        cli_env.setenv(name, value)
    cli_env.setenv("MYPAGE_DIGEST_DELAY_S", "0")
    small_world(engine)
    until = f"until {next_release():%Y-%m-%d %H:%M} JST"

    assert main(["recommend", "--since", "2000-01-01"]) == 0
    rows = table_rows(capsys.readouterr().out)
    assert rows[f"mails held for the quiet hours, {until}"] == "3"

    assert main(["status"]) == 0
    rows = table_rows(capsys.readouterr().out)
    assert rows.get(f"mails held for the quiet hours, {until}") == "3", rows


def test_outside_the_quiet_hours_nothing_is_said_to_be_held(engine, cli_env, capsys):
    hour = clock.local(datetime.now(clock.JST)).hour
    cli_env.setenv("MYPAGE_QUIET_HOURS_START", str((hour + 3) % 24))
    cli_env.setenv("MYPAGE_QUIET_HOURS_END", str((hour + 5) % 24))
    cli_env.setenv("MYPAGE_DIGEST_DELAY_S", "0")
    small_world(engine)

    assert main(["recommend", "--since", "2000-01-01"]) == 0
    assert main(["status"]) == 0
    assert "held for the quiet hours" not in capsys.readouterr().out


@pytest.mark.parametrize("engine", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
@pytest.mark.parametrize("verbose", [False, True], ids=["one-line", "verbose-traceback"])
def test_notice_cut_off_by_a_terminated_backend_tells_no_address(engine, cli_env, tmp_path, capsys, caplog, verbose):
    """PostgreSQL terminates ``notice``'s backend while it inserts mails to the seekers'
    addresses: stderr and the log name the failure, never an address or a name — in one line, or
    with ``-v`` as a full traceback."""
    small_world(engine, seekers=5)
    body = tmp_path / "body.txt"
    body.write_text("窓口の受付時間が変わります。", encoding="utf-8")
    caplog.set_level(logging.DEBUG)
    outcome: list[object] = []

    def notice() -> None:
        try:
            outcome.append(main([*(["-v"] if verbose else []), "notice", "--title", "受付時間の変更",
                                 "--body-file", str(body)]))
        except Exception as exc:  # -v lets the error through, as a developer wants it
            outcome.append(exc)

    terminate_while_inserting(engine, "outbox_mail", notice)

    [result] = outcome
    captured = capsys.readouterr()
    if verbose:
        assert isinstance(result, Exception)
        told = "".join(traceback.format_exception(result))
    else:
        assert result == 2
        told = captured.err
        assert "does not answer: terminating connection due to administrator command" in told
    told += captured.out + captured.err + caplog.text
    assert "terminating connection" in told
    assert "@example.jp" not in told and "s0@" not in told


def test_a_file_that_is_not_there_is_one_line_from_the_shared_argument_types(fresh_directory, capsys):
    for command in (["import-jobs", "missing.jsonl"], ["notice", "--title", "t", "--body-file", "missing.txt"],
                    ["recommend", "--since", "2025-13-01"], ["recommend", "--since", "2000-01-01", "--prefecture", "48"],
                    ["run", "--threads", "0"]):
        with pytest.raises(SystemExit) as refused:  # argparse's usage line, then the reason
            main(command)
        assert refused.value.code == 2, command
        err = capsys.readouterr().err
        assert "Traceback" not in err and err.strip().splitlines()[-1].startswith("mypage-worker "), err
    assert not (fresh_directory / "var").exists()  # refused before anything was made


def test_a_directory_or_a_pipe_given_as_the_file_is_named_for_what_it_is(fresh_directory, capsys):
    (fresh_directory / "jobs").mkdir()
    os.mkfifo(fresh_directory / "jobs.fifo")
    for path, reason in (("jobs", "ディレクトリです"), ("jobs.fifo", "通常のファイルではありません")):
        with pytest.raises(SystemExit) as refused:
            main(["import-jobs", path])
        assert refused.value.code == 2
        err = capsys.readouterr().err
        assert f"{path}: {reason}" in err and "ファイルがありません" not in err, err

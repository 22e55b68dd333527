"""worker.db: insert-or-ignore, the primitive every exactly-once effect rests on; and engines whose
errors carry no personal data."""

from __future__ import annotations

import logging
import traceback

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import func, select

from tests.postgres_faults import terminate_while_inserting
from worker.db import insert_ignore, scrub_database_message, session_scope
from worker.domain.models import OutboxMail, Seeker, utcnow
from worker.pipeline.notice import send_notice


def _row(key: str) -> dict:
    return {"dedupe_key": key, "kind": "notice", "context": {}, "status": "pending", "attempts": 0,
            "next_attempt_at": utcnow(), "created_at": utcnow()}


def test_insert_ignore_counts_only_the_rows_it_inserted(session):
    assert insert_ignore(session, OutboxMail, [_row("a"), _row("b")], conflict=["dedupe_key"]) == 2
    assert insert_ignore(session, OutboxMail, [_row("b"), _row("c")], conflict=["dedupe_key"]) == 1
    assert session.exec(select(func.count()).select_from(OutboxMail)).one() == 3


def test_insert_ignore_takes_more_rows_than_one_statement_can_bind(session):
    rows = [_row(f"k{i}") for i in range(8_000)]  # 7 columns × 8,000 > 32,766 and > 65,535
    assert insert_ignore(session, OutboxMail, rows, conflict=["dedupe_key"]) == 8_000
    assert insert_ignore(session, OutboxMail, rows[:10], conflict=["dedupe_key"]) == 0


# The ``engine`` fixture on PostgreSQL only: terminated backends and quoted values are its.
on_postgresql = pytest.mark.parametrize("engine", [pytest.param("postgresql", marks=pytest.mark.postgres)],
                                        indirect=True)


@on_postgresql
def test_a_statement_cut_off_by_a_terminated_backend_leaks_no_address(engine, caplog):
    """The fault from outside: PostgreSQL terminates the backend while ``notice`` inserts mails
    to the seekers' addresses. Neither the error (its message, its traceback, the database's
    own text) nor any log line may carry an address."""
    with session_scope(engine) as session:
        for n in range(5):
            session.add(Seeker(seeker_number=f"13010-{n:08d}", name=f"山田{n}", email=f"leak{n}@example.jp",
                               email_normalized=f"leak{n}@example.jp", prefecture_code="13", account_state="open"))
    with engine.connect() as conn:
        ids = list(conn.execute(text("SELECT id FROM seeker")).scalars())
    caplog.set_level(logging.DEBUG)
    failure: list[BaseException] = []

    def notice() -> None:
        try:
            send_notice(engine, title="お知らせ", body="本文", seeker_ids=ids)
        except BaseException as exc:  # noqa: BLE001 - the test inspects whatever came out
            failure.append(exc)

    terminate_while_inserting(engine, "outbox_mail", notice, wait_s=30)

    [error] = failure
    told = "".join(traceback.format_exception(error)) + caplog.text
    assert "terminating connection" in told
    assert "example.jp" not in told and "山田" not in told


def test_the_database_message_loses_the_values_it_quotes_and_keeps_the_names():
    assert scrub_database_message('duplicate key value violates unique constraint "seeker_email_key"\n'
                                  "DETAIL:  Key (email)=(a@example.jp) already exists.") == \
        'duplicate key value violates unique constraint "seeker_email_key"'
    assert scrub_database_message('invalid input syntax for type integer: "a@example.jp"') == \
        'invalid input syntax for type integer: "…"'
    assert scrub_database_message('new row for relation "seeker" violates check constraint "ck"\n'
                                  "DETAIL:  Failing row contains (1, 山田, a@example.jp).") == \
        'new row for relation "seeker" violates check constraint "ck"'


@on_postgresql
@pytest.mark.parametrize("value", ['a" column "taro@example.jp', 'x" relation "山田 太郎', '{"a" type "hanako@ex.jp"}',
                                   'x" is fine and "taro@example.jp', '" column "taro@example.jp'])
def test_a_value_holding_quotes_cannot_pass_itself_off_as_a_name(engine, value):
    # The value is quoted by the server without escaping its own quotes: text after one of
    # them looked like `column "…"` and was kept as a name.
    from sqlalchemy.exc import StatementError

    for cast in ("integer", "integer[]", "date"):
        with pytest.raises(StatementError) as caught:
            with engine.connect() as connection:
                connection.execute(text(f"SELECT CAST(:v AS {cast})"), {"v": value})
        told = "".join(traceback.format_exception(caught.value))
        for secret in ("taro", "山田", "太郎", "hanako"):
            assert secret not in told, told.splitlines()[-4:]
    assert scrub_database_message(f'value "{value}" is out of range for type integer') == \
        'value "…" is out of range for type integer'


@on_postgresql
def test_a_unique_violation_from_postgresql_names_the_constraint_not_the_address(engine):
    def seeker(number: str) -> Seeker:
        return Seeker(seeker_number=number, email="dup@example.jp", email_normalized="dup@example.jp",
                      prefecture_code="13")

    with session_scope(engine) as session:
        session.add(seeker("13010-00000001"))
    with pytest.raises(IntegrityError) as caught:
        with session_scope(engine) as session:
            session.add(seeker("13010-00000002"))
    told = "".join(traceback.format_exception(caught.value))
    assert "unique constraint" in told and "dup@example.jp" not in told


def test_a_sqlite_file_left_readable_by_others_is_made_the_owners_only_with_its_wal(tmp_path):
    # A file made before the rule (or copied in by hand) kept 0644, and SQLite gave its -wal and
    # -shm files the same mode: every address and name readable by any user of the machine.
    import os
    import stat

    from worker.db import make_engine

    path = tmp_path / "data" / "mypage.db"
    path.parent.mkdir(mode=0o755)
    path.touch(mode=0o644)
    path.chmod(0o644)
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (x TEXT)"))
            connection.execute(text("INSERT INTO t VALUES ('x')"))
            modes = {p.name: stat.S_IMODE(os.stat(p).st_mode) for p in path.parent.iterdir()}
    finally:
        engine.dispose()
    assert modes == {"mypage.db": 0o600, "mypage.db-wal": 0o600, "mypage.db-shm": 0o600}

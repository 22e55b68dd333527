"""Engines and sessions. Built from settings at start-up, never at import."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects.postgresql import insert as _postgresql_insert
from sqlalchemy.dialects.sqlite import insert as _sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.engine.url import make_url
from sqlmodel import Session, SQLModel, create_engine

from worker.domain import models  # noqa: F401  (registers the tables on SQLModel.metadata)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``. SQLite gets WAL, foreign keys and a busy timeout so that the
    in-process worker threads and the CLI can share one file.

    Every engine hides the parameters of its statements from its errors (``hide_parameters``):
    a failed INSERT of a seeker would otherwise print the address, the name and the key hashes
    into the log as ``[parameters: …]``. The database's own message is cut down the same way
    (:func:`scrub_database_message`)."""
    kwargs.setdefault("hide_parameters", True)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _owner_only_file(Path(parsed.database))
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)
        event.listen(engine, "handle_error", _scrub_error)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # pragma: no cover - trivial
            cur = dbapi_connection.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    kwargs.setdefault("pool_pre_ping", True)
    engine = create_engine(url, **kwargs)
    event.listen(engine, "handle_error", _scrub_error)
    return engine


def _owner_only_file(path: Path) -> None:
    """The SQLite file holds addresses and names: its directory and the file itself (SQLite
    gives its -wal and -shm files the same mode) are the owner's only, from the first byte.
    A file made before this rule, or copied in by hand, is tightened along with its -wal and
    -shm files; the mode is changed on the opened file, never by following a name again."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
            _tighten(name)


def _tighten(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return  # not there (or not ours to open): SQLite reports what it cannot open itself
    try:
        st = os.fstat(fd)
        if stat.S_ISREG(st.st_mode) and st.st_mode & 0o077 and st.st_uid == os.geteuid():
            os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


# Identifiers the server names in double quotes; any other quoted text in a message is a value.
_IDENTIFIER_CONTEXT = re.compile(r'(constraint|relation|column|table|index|schema|database|role|user|type|encoding|'
                                 r'function|sequence|operator|extension|trigger|view|portal|cursor|savepoint|'
                                 r'server at) $')
# Our names are ASCII: tables, constraints, types, hosts. An address or a Japanese name is not one.
_IDENTIFIER_TEXT = re.compile(r"[A-Za-z0-9_.$:\-]+")


def scrub_database_message(message: str) -> str:
    """The database's error message without the values it quotes: only its first line (the
    DETAIL, CONTEXT and HINT lines of PostgreSQL carry keys and whole rows — ``Key (email)=(…)``,
    ``Failing row contains (…)``), and from the first quoted text that is not the name of a
    constraint, table, column or type to the line's last quote replaced by ``"…"``: the server
    does not escape quotes inside a value, so a value may hold ``" column "…`` and nothing after
    its opening quote can be told from the value, up to the quote that closes it."""
    first = message.split("\n", 1)[0]
    at = 0
    while (opening := first.find('"', at)) >= 0:
        closing = first.find('"', opening + 1)
        quoted = first[opening + 1:closing] if closing >= 0 else ""
        if closing >= 0 and _IDENTIFIER_CONTEXT.search(first[:opening]) and _IDENTIFIER_TEXT.fullmatch(quoted):
            at = closing + 1
            continue
        last = first.rfind('"')
        return first[:opening] + '"…"' + (first[last + 1:] if last > opening else "")
    return first


def _scrub_error(context) -> None:
    original = context.original_exception
    if original is None or not original.args or not isinstance(original.args[0], str):
        return
    scrubbed = scrub_database_message(original.args[0])
    if scrubbed == original.args[0]:
        return
    original.args = (scrubbed, *original.args[1:])
    wrapped = context.sqlalchemy_exception  # its message was built from the original's, unscrubbed
    if wrapped is not None and wrapped.args:
        cls = type(original)
        wrapped.args = (f"({cls.__module__}.{cls.__name__}) {scrubbed}", *wrapped.args[1:])


def create_schema(engine: Engine) -> None:
    """Create the tables directly from the models (tests and benchmarks; production runs
    ``mypage-worker db upgrade``, the Alembic migrations)."""
    SQLModel.metadata.create_all(engine)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


_DIALECT_INSERTS = {"postgresql": _postgresql_insert, "sqlite": _sqlite_insert}


def insert_ignore(session: Session, model: type[SQLModel], rows: Sequence[Mapping[str, Any]] | Mapping[str, Any],
                  *, conflict: Sequence[str] | None = None) -> int:
    """INSERT … ON CONFLICT DO NOTHING on SQLite and PostgreSQL; returns the rows inserted.

    The idempotency of every effect rests on this: a second delivery of the same work hits the
    unique key and inserts nothing."""
    if isinstance(rows, Mapping):
        rows = [rows]
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    if dialect not in _DIALECT_INSERTS:
        raise NotImplementedError(f"insert_ignore supports SQLite and PostgreSQL, not {dialect}")
    table = model.__table__  # type: ignore[attr-defined]
    stmt = _DIALECT_INSERTS[dialect](table).on_conflict_do_nothing(index_elements=conflict)
    # Count the rows RETURNING gives back: rowcount is not reliable for multi-row inserts on
    # every driver (psycopg reports -1). Chunks keep each statement under PostgreSQL's 65,535
    # and SQLite's 32,766 bound parameters.
    per_chunk = max(1, 30_000 // max(1, len(rows[0])))
    inserted = 0
    for start in range(0, len(rows), per_chunk):
        chunk = list(rows[start:start + per_chunk])
        inserted += len(session.execute(stmt.values(chunk).returning(table.c.id)).fetchall())
    return inserted

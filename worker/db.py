"""Engines and sessions. Built from settings at start-up, never at import."""

from __future__ import annotations

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
    in-process worker threads and the CLI can share one file."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)

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
    return create_engine(url, **kwargs)


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

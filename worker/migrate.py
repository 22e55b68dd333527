"""Running the Alembic migrations from code (``mypage-worker db upgrade``, ``run``, ``demo``, the
staff commands on embedded defaults, and the tests).

Two processes may migrate the same fresh database at once (two ``run`` started together, a
``run`` and a staff command): each waits for a migration lock first — an advisory lock on
PostgreSQL, an exclusive ``flock`` on a file beside the SQLite database — and the second then
finds the schema at head and does nothing."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.engine.url import make_url

from worker.db import make_engine

MIGRATIONS = Path(__file__).parent / "migrations"
ADVISORY_LOCK_KEY = 0x6D79_7061_6765  # "mypage": one key for every migrating process


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    with _migration_lock(url) as connection:
        cfg = alembic_config(url)
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def downgrade(url: str, revision: str) -> None:
    with _migration_lock(url) as connection:
        cfg = alembic_config(url)
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)


def revision(url: str, message: str) -> None:
    """Autogenerate a new migration from the models (developers only)."""
    command.revision(alembic_config(url), message=message, autogenerate=True)


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def known_revisions() -> set[str]:
    return {script.revision for script in ScriptDirectory.from_config(alembic_config("sqlite://")).walk_revisions()}


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at (None: never migrated)."""
    return MigrationContext.configure(connection).get_current_revision()


@contextmanager
def _migration_lock(url: str) -> Iterator[Connection]:
    engine = make_engine(url)
    try:
        if engine.dialect.name == "postgresql":
            with engine.connect() as connection:
                # A session-level lock, committed at once: Alembic then runs its own transaction
                # on this connection while the lock stays held.
                connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
                connection.commit()
                try:
                    yield connection
                finally:
                    connection.rollback()
                    connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY})
                    connection.commit()
        else:
            database = make_url(url).database
            lock_path = Path(f"{database}.migrate-lock") if database and database != ":memory:" else None
            with _file_lock(lock_path), engine.connect() as connection:
                yield connection
    finally:
        engine.dispose()


@contextmanager
def _file_lock(path: Path | None) -> Iterator[None]:
    if path is None:
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

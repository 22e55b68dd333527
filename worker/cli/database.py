"""The database a command works on, opened so that a person reads one line, never a traceback:

- on embedded defaults (no ``MYPAGE_DATABASE_URL``) the SQLite file under ``var/`` is created
  and migrated, as ``run`` and ``demo`` do;
- a configured database must answer and hold the current schema; otherwise the command stops
  with one line naming the URL (never its password) and what to run, exit status 2.
"""

from __future__ import annotations

import re

from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlalchemy.engine.url import make_url
from sqlalchemy.exc import DBAPIError

from worker.config import Settings

UNREACHABLE = 2


class CommandError(Exception):
    """A command cannot go on: ``str(error)`` is the one line for stderr, ``status`` the exit status."""

    def __init__(self, message: str, status: int = UNREACHABLE):
        super().__init__(message)
        self.status = status


# Query parameters that carry a secret: libpq takes ?password= and ?sslpassword=, redis-py ?password=.
_SECRET_PARAMETER = re.compile(r"pass|secret|token|key", re.IGNORECASE)


def shown_url(url: str) -> str:
    """``url`` as a person may see it: the password hidden, in the user part and in the query."""
    parsed = make_url(url)
    hidden = {name: "***" for name in parsed.query if _SECRET_PARAMETER.search(name)}
    return parsed.update_query_dict(hidden).render_as_string(hide_password=True).replace("%2A%2A%2A", "***")


def database_error(url: str, error: DBAPIError) -> CommandError:
    """One line for a database that does not answer (or stopped answering)."""
    reason = str(error.orig).strip().splitlines()[0] if error.orig is not None else type(error).__name__
    return CommandError(f"the database {shown_url(url)} does not answer: {reason}")


def open_database(settings: Settings) -> Engine:
    from worker.db import make_engine
    from worker.migrate import current_revision, head_revision, known_revisions, upgrade

    url = settings.effective_database_url
    if not settings.database_url:
        settings.make_var_dir()
        upgrade(url)  # embedded: keep the SQLite file at the current schema
        return make_engine(url)
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            at = current_revision(connection)
            tables = set(inspect(connection).get_table_names())
    except DBAPIError as exc:
        engine.dispose()
        raise database_error(url, exc) from None
    head = head_revision()
    if at is None and not _has_every_table(tables):
        engine.dispose()
        raise CommandError(f"the database {shown_url(url)} has no schema yet: run `mypage-worker db upgrade` first")
    if at is not None and at != head and at in known_revisions():  # older; a newer one is a newer worker's
        engine.dispose()
        raise CommandError(f"the database {shown_url(url)} is at revision {at}, this worker needs {head}: "
                           "run `mypage-worker db upgrade` first")
    return engine


def _has_every_table(tables: set[str]) -> bool:
    """A schema made from the models directly (tests, benchmarks) has no Alembic revision."""
    from sqlmodel import SQLModel

    return set(SQLModel.metadata.tables) <= tables

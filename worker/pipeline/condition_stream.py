"""The conditions of an index build, streamed out of the database as plain lists, chunk by chunk.

A shard process loads up to a million conditions before it can match (issue 10). Through
SQLAlchemy result rows that read cost about 65 s per million on its own — a Row object per
condition, and psycopg's JSON loader called once per JSON column (six per condition). On
PostgreSQL every condition comes instead as one JSON array in text (``json_build_array``, built
by PostgreSQL in C on its own core) through a server-side cursor, and a chunk of them is parsed
by a single ``json.loads``: the rows never exist as Python objects before the one list per
condition that the build reads. Memory stays flat: one chunk of text and its lists at a time.
(Not a text COPY: it escapes the control characters a stored JSON list may hold between its
values, and normalising those lists through jsonb first cost PostgreSQL more than twice the time.)

SQLite (tests, demos, small installations) keeps the SQLAlchemy read and gives the same lists.

Each row is ``[id, seeker_id, kind, notify, changed, seeker_changed, *BODY_FIELDS]``: the
condition's columns as the database holds them (JSON lists as lists), except

- ``changed`` / ``seeker_changed``: the row's (and its seeker's) ``updated_at`` when it is later
  than ``since``, else None — the build remembers only those (``IndexCache``), so no other
  timestamp is ever made into a ``datetime``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from queue import Empty, Full, Queue
from typing import NamedTuple

from sqlalchemy import BigInteger, Text, cast, extract, func, select
from sqlalchemy.engine import Engine

from worker.domain.models import Condition, Seeker
from worker.pipeline.values import BODY_FIELDS

CHUNK_ROWS = 20_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_MICROSECOND = timedelta(microseconds=1)
_HEAD_COLUMNS = (Condition.id, Condition.seeker_id, Condition.kind, Condition.notify)
_BODY_COLUMNS = tuple(getattr(Condition, name) for name in BODY_FIELDS)
FIELDS = ("id", "seeker_id", "kind", "notify", "changed", "seeker_changed", *BODY_FIELDS)  # of a row


def stream_conditions(engine: Engine, *where, since: datetime, chunk_rows: int = CHUNK_ROWS) -> Iterator[list[list]]:
    """Chunks of rows (see the module docstring) of the conditions joined with their seeker
    that satisfy ``where`` (SQLAlchemy clauses on ``condition`` and ``seeker``)."""
    if engine.dialect.name == "postgresql":
        return _cursor_chunks(engine, where, since, chunk_rows)
    return _select_chunks(engine, where, since, chunk_rows)


# ---------------------------------------------------------------------------- PostgreSQL


def _micros(column):
    """A timestamp as whole microseconds since the epoch: an exact integer in JSON."""
    return cast(extract("epoch", column) * 1_000_000, BigInteger)


def _cursor_statement(engine: Engine, where) -> tuple[str, dict]:
    row = func.json_build_array(*_HEAD_COLUMNS, _micros(Condition.updated_at), _micros(Seeker.updated_at),
                                *_BODY_COLUMNS)
    stmt = select(cast(row, Text)).join(Seeker, Seeker.id == Condition.seeker_id).where(*where)
    compiled = stmt.compile(dialect=engine.dialect, compile_kwargs={"render_postcompile": True})
    return str(compiled), compiled.params


def _cursor_chunks(engine: Engine, where, since: datetime, chunk_rows: int) -> Iterator[list[list]]:
    sql, params = _cursor_statement(engine, where)
    since_us = (since - EPOCH) // ONE_MICROSECOND
    with engine.connect() as conn:
        # A named cursor is a server-side one: PostgreSQL keeps the result and hands it out a
        # chunk per fetch (inside the transaction the connection has begun).
        with conn.connection.driver_connection.cursor(name="index_load") as cursor:
            cursor.itersize = chunk_rows
            cursor.execute(sql, params)
            for texts in prefetched(lambda: cursor.fetchmany(chunk_rows)):
                yield _parse(texts, since_us)


def prefetched(fetch, depth: int = 2) -> Iterator:
    """What ``fetch()`` returns, until it returns nothing, fetched by a thread up to ``depth``
    ahead. A server-side cursor computes the next rows only when asked for them, so without this
    PostgreSQL (on its own core) and the build (on this one) would take turns; psycopg waits
    for the server without the GIL. If the caller stops early the thread is stopped and joined
    before the cursor is closed."""
    queue: Queue = Queue(maxsize=depth)
    stop = threading.Event()

    def put(item) -> None:
        while not stop.is_set():
            try:
                queue.put(item, timeout=0.1)
                return
            except Full:
                continue

    def run() -> None:
        try:
            while not stop.is_set() and (item := fetch()):
                put(item)
        except BaseException as exc:  # handed to the caller, raised there
            put(_Failed(exc))
        finally:
            put(_DONE)

    thread = threading.Thread(target=run, name="index-load-fetch", daemon=True)
    thread.start()
    try:
        while (item := queue.get()) is not _DONE:
            if type(item) is _Failed:
                raise item.error
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # it may be waiting to put: make room until it ends
            try:
                queue.get(timeout=0.1)
            except Empty:
                pass
        thread.join()


class _Failed(NamedTuple):
    error: BaseException


_DONE = object()


def _parse(texts: list[tuple[str]], since_us: int) -> list[list]:
    """The rows' JSON texts as lists, in one ``json.loads`` (a raw newline in a text is JSON
    whitespace, so joining them with commas is all it takes)."""
    rows = json.loads("[" + ",".join([text for text, in texts]) + "]")
    for row in rows:
        changed, seeker_changed = row[4], row[5]
        row[4] = EPOCH + changed * ONE_MICROSECOND if changed > since_us else None
        row[5] = EPOCH + seeker_changed * ONE_MICROSECOND if seeker_changed > since_us else None
    return rows


# ---------------------------------------------------------------------------- SQLite and others


def _select_chunks(engine: Engine, where, since: datetime, chunk_rows: int) -> Iterator[list[list]]:
    stmt = (select(*_HEAD_COLUMNS, Condition.updated_at, Seeker.updated_at, *_BODY_COLUMNS)
            .join(Seeker, Seeker.id == Condition.seeker_id).where(*where))
    with engine.connect() as conn:
        result = conn.execution_options(yield_per=chunk_rows).execute(stmt)
        for partition in result.partitions():
            chunk = []
            for row in partition:
                row = list(row)
                if row[4] <= since:
                    row[4] = None
                if row[5] <= since:
                    row[5] = None
                chunk.append(row)
            yield chunk

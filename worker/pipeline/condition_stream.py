"""The conditions of an index build, streamed out of the database as plain lists, chunk by chunk.

A shard process loads up to a million conditions before it can match (issue 10). Through
SQLAlchemy result rows that read cost about 65 s per million on its own — a Row object per
condition, and psycopg's JSON loader called once per JSON column (six per condition). On
PostgreSQL the select is therefore wrapped in ``COPY (…) TO STDOUT`` and every condition comes
as one JSON array of text (``json_build_array``), a chunk of them parsed by a single
``json.loads``: the rows never exist as Python objects before the one list per condition that
the build reads. Memory stays flat: one chunk of text and its lists at a time.

SQLite (tests, demos, small installations) keeps the SQLAlchemy read and gives the same lists.

Each row is ``[id, seeker_id, kind, notify, wage_type, wage_min, changed, seeker_changed, body]``:

- ``changed`` / ``seeker_changed``: the row's (and its seeker's) ``updated_at`` when it is later
  than ``since``, else None — the build remembers only those (``IndexCache``), so no other
  timestamp is ever made into a ``datetime``;
- ``body``: a hashable key of what decides a match (keywords, keyword mode, exclusions, places,
  occupations, forms, wage type and minimum): a JSON text on PostgreSQL, a tuple on SQLite.
  Conditions with equal keys have equal bodies; ``body_fields`` turns a key into those nine values.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from sqlalchemy import BigInteger, Text, cast, extract, func, select
from sqlalchemy.engine import Engine

from worker.domain.models import Condition, Seeker

CHUNK_ROWS = 20_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_MICROSECOND = timedelta(microseconds=1)
# What decides a match, in the order ``body_fields`` returns it.
BODY_COLUMNS = (
    Condition.keywords, Condition.keyword_mode, Condition.exclude_keywords, Condition.prefecture_codes,
    Condition.municipality_codes, Condition.occupation_codes, Condition.employment_forms,
    Condition.wage_type, Condition.wage_min,
)
_HEAD_COLUMNS = (Condition.id, Condition.seeker_id, Condition.kind, Condition.notify, Condition.wage_type,
                 Condition.wage_min)


def stream_conditions(engine: Engine, *where, since: datetime, chunk_rows: int = CHUNK_ROWS) -> Iterator[list[list]]:
    """Chunks of rows (see the module docstring) of the conditions joined with their seeker
    that satisfy ``where`` (SQLAlchemy clauses on ``condition`` and ``seeker``)."""
    if engine.dialect.name == "postgresql":
        return _copy_chunks(engine, where, since, chunk_rows)
    return _select_chunks(engine, where, since, chunk_rows)


def body_fields(key) -> tuple | list:
    """keywords, keyword_mode, exclude_keywords, prefecture, municipality and occupation codes,
    employment forms, wage_type, wage_min — as the database holds them (lists, not tuples)."""
    return json.loads(key) if type(key) is str else key


# ---------------------------------------------------------------------------- PostgreSQL


def _micros(column):
    """A timestamp as whole microseconds since the epoch: an exact integer in JSON."""
    return cast(extract("epoch", column) * 1_000_000, BigInteger)


def _copy_statement(engine: Engine, where) -> tuple[str, dict]:
    row = func.json_build_array(
        *_HEAD_COLUMNS, _micros(Condition.updated_at), _micros(Seeker.updated_at),
        cast(func.json_build_array(*BODY_COLUMNS), Text))
    stmt = select(row).join(Seeker, Seeker.id == Condition.seeker_id).where(*where)
    compiled = stmt.compile(dialect=engine.dialect, compile_kwargs={"render_postcompile": True})
    return f"COPY ({compiled}) TO STDOUT", compiled.params


def _copy_chunks(engine: Engine, where, since: datetime, chunk_rows: int) -> Iterator[list[list]]:
    sql, params = _copy_statement(engine, where)
    since_us = (since - EPOCH) // ONE_MICROSECOND
    with engine.connect() as conn:
        cursor = conn.connection.driver_connection.cursor()
        with cursor.copy(sql, params) as copy:
            lines: list = []
            for line in copy:
                lines.append(line)
                if len(lines) >= chunk_rows:
                    yield _parse(lines, since_us)
                    lines = []
            if lines:
                yield _parse(lines, since_us)


def _parse(lines: list, since_us: int) -> list[list]:
    """COPY's text lines (one JSON array each) as lists. Text COPY escapes only backslashes here —
    it would escape control characters too, but ``json_build_array`` writes none raw — so
    undoing the doubling gives the JSON back; the lines end in newlines, which become commas."""
    text = b"".join(lines).decode()
    if "\\" in text:
        text = text.replace("\\\\", "\\")
    rows = json.loads("[" + text[:-1].replace("\n", ",") + "]")
    for row in rows:
        changed, seeker_changed = row[6], row[7]
        row[6] = EPOCH + changed * ONE_MICROSECOND if changed > since_us else None
        row[7] = EPOCH + seeker_changed * ONE_MICROSECOND if seeker_changed > since_us else None
    return rows


# ---------------------------------------------------------------------------- SQLite and others


def _select_chunks(engine: Engine, where, since: datetime, chunk_rows: int) -> Iterator[list[list]]:
    stmt = (select(*_HEAD_COLUMNS, Condition.updated_at, Seeker.updated_at, *BODY_COLUMNS)
            .join(Seeker, Seeker.id == Condition.seeker_id).where(*where))
    width = len(_HEAD_COLUMNS)
    with engine.connect() as conn:
        result = conn.execution_options(yield_per=chunk_rows).execute(stmt)
        for partition in result.partitions():
            chunk = []
            for row in partition:
                changed, seeker_changed = row[width], row[width + 1]
                body = tuple(tuple(v) if type(v) is list else v for v in row[width + 2:])
                chunk.append([*row[:width], changed if changed > since else None,
                              seeker_changed if seeker_changed > since else None, body])
            yield chunk

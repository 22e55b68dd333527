"""Bulk statements for the pipeline's hot path, on PostgreSQL and SQLite.

The pipeline writes inbox items and outbox rows by the ten thousand per transaction. Generic
SQLAlchemy paths spend their time in Python there: ``worker.db.insert_ignore`` compiles a new
multi-row VALUES statement per call, and psycopg parses every multi-thousand-parameter query it
is given. So on PostgreSQL rows go in with COPY into a temporary table and one
``INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING``, and id lists travel as one array
parameter (``= ANY(…)``); SQLite, whose driver binds parameters natively, gets one cached
statement run with executemany. Semantics are those of ``insert_ignore``: a row whose unique
key exists is skipped, and only the inserted rows come back.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
from sqlalchemy import ARRAY, JSON, Integer, String, any_, bindparam, cast
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import NullType
from sqlmodel import Session, SQLModel

from worker.domain.models import OutboxMail

_temp_names = itertools.count()


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def chunks(session: Session, values: Sequence[Any]):
    """``values`` in slices small enough for one statement: SQLite binds each value as its own
    variable (at most 32,766), PostgreSQL takes the whole list as one array."""
    size = 100_000 if is_postgres(session) else 5_000
    for start in range(0, len(values), size):
        yield values[start:start + size]


def among(session: Session, column, values: Sequence[Any]) -> ColumnElement[bool]:
    """``column IN values``: one array parameter on PostgreSQL, an expanding IN on SQLite
    (callers keep SQLite lists under its 32,766-variable limit). Integers go to PostgreSQL as
    one array literal made by ``str.join``: psycopg's list dumper spent a Python step on every
    element, a tenth of a matching batch's time where tens of thousands of ids are looked up;
    texts (dedupe keys) likewise, each quoted."""
    if isinstance(column.type, Integer):
        values = list(map(int, values))  # numpy integers too (SQLite's driver cannot bind them)
    if is_postgres(session):
        if isinstance(column.type, Integer):
            literal = "{" + ",".join(map(str, values)) + "}"
        elif isinstance(getattr(column.type, "impl", column.type), String):  # sqlmodel's AutoString too
            literal = "{" + ",".join(map(_array_element, values)) + "}"
        else:
            return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
        # Untyped, so PostgreSQL reads the literal as the array once, when binding: a text
        # parameter cast to an array is parsed again for every row it is compared with.
        return column == any_(cast(bindparam(None, literal, type_=NullType()), ARRAY(column.type)))
    return column.in_(list(values))


def _array_element(text: str) -> str:
    """A text as a quoted element of a PostgreSQL array literal: quotes and backslashes escaped."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def insert_ignore_returning(session: Session, model: type[SQLModel], rows: Sequence[Mapping[str, Any]], *,
                            conflict: Sequence[str], returning: Sequence[str]) -> list:
    if not rows:
        return []
    table = model.__table__  # type: ignore[attr-defined]
    if is_postgres(session):
        return _copy_insert(session, table, rows, conflict, returning)
    from sqlalchemy.dialects.sqlite import insert

    stmt = insert(table).on_conflict_do_nothing(index_elements=list(conflict)).returning(
        *(table.c[name] for name in returning))
    found = []
    for start in range(0, len(rows), 5_000):
        found.extend(session.connection().execute(stmt, list(rows[start:start + 5_000])).all())
    return found


def _copy_insert(session: Session, table, rows, conflict, returning) -> list:
    columns = list(rows[0])
    json_columns = {c for c in columns if isinstance(table.c[c].type, JSON)}
    temp = f"_bulk_{table.name}_{next(_temp_names)}"
    names = ", ".join(f'"{c}"' for c in columns)
    cursor = session.connection().connection.driver_connection.cursor()
    cursor.execute(f'CREATE TEMP TABLE "{temp}" ON COMMIT DROP AS SELECT {names} FROM "{table.name}" WITH NO DATA')
    with cursor.copy(f'COPY "{temp}" ({names}) FROM STDIN') as copy:
        for row in rows:
            # JSON goes as its text; PostgreSQL parses it into the json column.
            copy.write_row([json.dumps(row[c], ensure_ascii=False) if c in json_columns else row[c]
                            for c in columns])
    cursor.execute(
        f'INSERT INTO "{table.name}" ({names}) SELECT {names} FROM "{temp}" '
        f'ON CONFLICT ({", ".join(conflict)}) DO NOTHING RETURNING {", ".join(returning)}')
    found = cursor.fetchall()
    cursor.execute(f'DROP TABLE "{temp}"')
    fields = list(returning)
    return [_Row(fields, values) for values in found]


def _insert_ignore_sqlite(session: Session, table, columns: Sequence[str], rows: Sequence[tuple],
                          conflict: Sequence[str], returning: Sequence[str] | None) -> list | int:
    """SQLite: INSERT … ON CONFLICT DO NOTHING of the tuples (in the order of ``columns``), in
    statements of 5,000 rows."""
    from sqlalchemy.dialects.sqlite import insert

    stmt = insert(table).on_conflict_do_nothing(index_elements=list(conflict))
    if returning:
        stmt = stmt.returning(*(table.c[name] for name in returning))
    found, inserted = [], 0
    for start in range(0, len(rows), 5_000):
        result = session.connection().execute(stmt, [dict(zip(columns, row)) for row in rows[start:start + 5_000]])
        if returning:
            found.extend(result.all())
        else:
            inserted += result.rowcount
    return found if returning else inserted


def _copy_then_insert_ignore(session: Session, table, names: list[str], data: bytes, conflict: Sequence[str],
                             returning: Sequence[str] | None) -> list | int:
    """PostgreSQL: the binary COPY ``data`` into a temporary twin of the table, then one
    INSERT … SELECT … ON CONFLICT DO NOTHING from it (COPY itself cannot skip taken keys)."""
    temp = f"_bulk_{table.name}_{next(_temp_names)}"
    quoted = ", ".join(f'"{c}"' for c in names)
    cursor = session.connection().connection.driver_connection.cursor()
    cursor.execute(f'CREATE TEMP TABLE "{temp}" ON COMMIT DROP AS SELECT {quoted} FROM "{table.name}" WITH NO DATA')
    with cursor.copy(f'COPY "{temp}" ({quoted}) FROM STDIN (FORMAT BINARY)') as copy:
        copy.write(data)
    insert = (f'INSERT INTO "{table.name}" ({quoted}) SELECT {quoted} FROM "{temp}" '
              f'ON CONFLICT ({", ".join(conflict)}) DO NOTHING')
    if returning:
        cursor.execute(insert + f' RETURNING {", ".join(returning)}')
        found = [_Row(list(returning), values) for values in cursor.fetchall()]
    else:
        cursor.execute(insert)
        found = cursor.rowcount
    cursor.execute(f'DROP TABLE "{temp}"')
    return found


# PostgreSQL's binary COPY: a signature, flags and header extension (both 0), the tuples, a
# trailer of -1 fields. A tuple is its field count, then per field its length and value, all
# big-endian; timestamptz is microseconds since 2000-01-01 UTC.
_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
_COPY_TRAILER = b"\xff\xff"
_PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_BINARY = {"int4": ">i4", "int8": ">i8", "timestamptz": ">i8", "date": ">i4"}


def binary_copy(columns: Sequence[tuple[str, Any]]) -> bytes:
    """The binary COPY data of rows given as columns: (PostgreSQL type, numpy array or one value
    for every row) in the table's column order; written by numpy as one block, without a Python
    step per row or value. Types: int4, int8, timestamptz (an aware datetime, one for all rows),
    date (one date for all rows; days since 2000-01-01)."""
    arrays = [np.asarray(_binary_value(kind, value)) for kind, value in columns]
    rows = max((a.shape[0] for a in arrays if a.ndim), default=1)
    fields = [("n", ">i2")]
    for i, (kind, _) in enumerate(columns):
        fields += [(f"l{i}", ">i4"), (f"v{i}", _BINARY[kind])]
    block = np.empty(rows, dtype=np.dtype(fields))
    block["n"] = len(columns)
    for i, ((kind, _), values) in enumerate(zip(columns, arrays)):
        block[f"l{i}"] = np.dtype(_BINARY[kind]).itemsize
        block[f"v{i}"] = values
    return _COPY_SIGNATURE + block.tobytes() + _COPY_TRAILER


def _binary_value(kind: str, value):
    if kind == "timestamptz":
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError("a timestamptz column takes one aware datetime for every row")
        delta = value - _PG_EPOCH
        return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    if kind == "date":
        if not isinstance(value, date) or isinstance(value, datetime):
            raise ValueError("a date column takes one date for every row")
        return (value - _PG_EPOCH.date()).days
    return value


def insert_ignore_columns(session: Session, model: type[SQLModel], columns: Mapping[str, tuple[str, Any]], *,
                          conflict: Sequence[str], returning: Sequence[str] | None = None) -> list | int:
    """``insert_ignore_returning`` for many narrow rows given as columns: name → (PostgreSQL type,
    numpy array, or one value for every row). PostgreSQL gets one binary COPY written by numpy
    (``binary_copy``); SQLite the same rows as tuples. Returns the inserted rows' ``returning``
    columns, or only how many were inserted when ``returning`` is None."""
    names = list(columns)
    lengths = {len(v) for _, v in columns.values() if isinstance(v, np.ndarray)}
    if len(lengths) != 1:
        raise ValueError("the columns need at least one array, all of one length")
    (rows,) = lengths
    if not rows:
        return [] if returning else 0
    table = model.__table__  # type: ignore[attr-defined]
    if not is_postgres(session):
        lists = [v.tolist() if isinstance(v, np.ndarray) else itertools.repeat(v) for _, v in columns.values()]
        return _insert_ignore_sqlite(session, table, names, list(zip(*lists)), conflict, returning)
    return _copy_then_insert_ignore(session, table, names, binary_copy(list(columns.values())), conflict, returning)


def copy_if_all_new(session: Session, model: type[SQLModel], columns: Mapping[str, tuple[str, Any]]) -> bool:
    """Rows given as ``insert_ignore_columns`` takes them, COPYed straight into the table when
    none of their keys exists yet: PostgreSQL's fastest way in, with no temporary table and no
    ON CONFLICT check per row (a third of the insert's cost). Inside a savepoint: when a key
    exists the COPY is undone and False returned, and the caller takes the insert-or-ignore
    path. Always False on SQLite."""
    if not is_postgres(session):
        return False
    import psycopg

    table = model.__table__  # type: ignore[attr-defined]
    quoted = ", ".join(f'"{c}"' for c in columns)
    cursor = session.connection().connection.driver_connection.cursor()
    cursor.execute("SAVEPOINT copy_if_all_new")
    try:
        with cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN (FORMAT BINARY)') as copy:
            copy.write(binary_copy(list(columns.values())))
    except psycopg.errors.UniqueViolation:
        cursor.execute("ROLLBACK TO SAVEPOINT copy_if_all_new")
        cursor.execute("RELEASE SAVEPOINT copy_if_all_new")
        return False
    cursor.execute("RELEASE SAVEPOINT copy_if_all_new")
    return True


class _Row(tuple):
    """A result row with attribute access, like SQLAlchemy's."""

    def __new__(cls, fields, values):
        row = super().__new__(cls, values)
        row._fields = fields
        return row

    def __getattr__(self, name):
        try:
            return self[self._fields.index(name)]
        except ValueError:
            raise AttributeError(name) from None


def enqueue_mails(session: Session, rows: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Insert outbox rows (from ``worker.outbox.enqueue.outbox_row``); returns the dedupe keys
    actually inserted, with their rows' ids."""
    inserted = insert_ignore_returning(session, OutboxMail, list(rows), conflict=["dedupe_key"],
                                       returning=["dedupe_key", "id"])
    return {row.dedupe_key: row.id for row in inserted}

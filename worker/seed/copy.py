"""Writing seed rows into PostgreSQL with COPY, inside the caller's SQLAlchemy transaction.

Seekers and conditions arrive as ready COPY text (:mod:`worker.seed.copytext`); job offers, few, as
rows that psycopg formats. A chunk's seekers take their ids in one query from the table's sequence, so
their conditions can name them without reading the seekers back; ``nextval`` never hands the same id
to two sessions, so two seed runs at once cannot mix their ids up (their 求職番号 would still collide,
and the later run stops with a conflict). Conditions and job offers take their ids from the column
default, as an INSERT would.

Errors from inside COPY come from psycopg, not SQLAlchemy; an integrity error is re-raised as
SQLAlchemy's, so the caller handles a taken number the same way on every database.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

import psycopg
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

# The generator's job offer fields, in the order they are copied; the JSON ones are encoded first.
JOB_OFFER_FIELDS = (
    "job_number", "title", "description", "employer_name", "industry_code", "occupation_code",
    "prefecture_code", "municipality_code", "employment_form", "wage_type", "wage_min", "wage_max",
    "licenses", "received_on", "referral_deadline", "online_application",
)
JOB_OFFER_JSON = frozenset({"licenses"})


def reserve_ids(conn: Connection, table: str, count: int) -> list[int]:
    """``count`` ids from ``table``'s id sequence, in increasing order, reserved for this session."""
    if count == 0:
        return []
    rows = conn.execute(text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
                        {"table": table, "n": count})
    return sorted(value for (value,) in rows)


def copy_text(conn: Connection, table: str, columns: Sequence[str], data: bytes) -> None:
    """COPY ``data`` (COPY text, :mod:`worker.seed.copytext`) into ``table`` as one statement of the
    connection's current transaction: if it fails, the transaction holds none of its rows."""
    if data:
        with _copy(conn, table, columns) as copy:
            copy.write(data)


def copy_rows(conn: Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """COPY ``rows`` (tuples in the order of ``columns``) into ``table`` as one statement of the
    connection's current transaction: if it fails, the transaction holds none of them."""
    with _copy(conn, table, columns) as copy:
        write = copy.write_row
        for row in rows:
            write(row)


@contextmanager
def _copy(conn: Connection, table: str, columns: Sequence[str]) -> Iterator[psycopg.Copy]:
    names = ", ".join(f'"{name}"' for name in columns)
    cursor = conn.connection.driver_connection.cursor()
    try:
        with cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
            yield copy
    except psycopg.errors.IntegrityError as exc:
        raise IntegrityError(f"COPY {table}", None, exc) from exc

"""Writing seed rows into PostgreSQL with COPY, inside the caller's SQLAlchemy transaction.

COPY (text format) parses each value on the server, so rows go as the generator made them: dates and
timestamps as ISO strings, JSON lists as their text — no Python date or dict per value, and psycopg's C
code escapes the fields. A chunk's seekers take their ids in one query from the table's sequence, so
their conditions can name them without reading the seekers back; ``nextval`` never hands the same id
to two sessions, so two seed runs at once cannot mix their ids up (their 求職番号 would still collide,
and the later run stops with a conflict). Conditions and job offers take their ids from the column
default, as an INSERT would.

Errors from inside COPY come from psycopg, not SQLAlchemy; an integrity error is re-raised as
SQLAlchemy's, so the caller handles a taken number the same way on every database.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

import psycopg
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

# The generator's seeker fields, in the order they are copied; the JSON ones are encoded first.
SEEKER_FIELDS = (
    "seeker_number", "name", "email", "email_normalized", "birth_date", "prefecture_code", "work_history",
    "qualifications", "saved_search_mails", "registration_status", "registration_valid_until",
    "registration_invalid_on", "account_state", "opened_at", "agreed_at", "terms_version",
    "privacy_policy_version", "restricted_at", "unusable_at",
)
SEEKER_JSON = frozenset({"work_history", "qualifications"})
CONDITION_FIELDS = (
    "kind", "keywords", "keyword_mode", "exclude_keywords", "prefecture_codes", "municipality_codes",
    "occupation_codes", "employment_forms", "wage_type", "wage_min",
)
CONDITION_JSON = frozenset({"keywords", "exclude_keywords", "prefecture_codes", "municipality_codes",
                            "occupation_codes", "employment_forms"})
JOB_OFFER_FIELDS = (
    "job_number", "title", "description", "employer_name", "industry_code", "occupation_code",
    "prefecture_code", "municipality_code", "employment_form", "wage_type", "wage_min", "wage_max",
    "licenses", "received_on", "referral_deadline", "online_application",
)
JOB_OFFER_JSON = frozenset({"licenses"})

# One encoder, made once: json.dumps with options builds a new encoder on every call.
encode_json = json.JSONEncoder(ensure_ascii=False).encode


def json_text(value: list) -> str:
    return encode_json(value) if value else "[]"


def reserve_ids(conn: Connection, table: str, count: int) -> list[int]:
    """``count`` ids from ``table``'s id sequence, in increasing order, reserved for this session."""
    if count == 0:
        return []
    rows = conn.execute(text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
                        {"table": table, "n": count})
    return sorted(value for (value,) in rows)


def copy_rows(conn: Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """COPY ``rows`` (tuples in the order of ``columns``) into ``table`` as one statement of the
    connection's current transaction: if it fails, the transaction holds none of them."""
    names = ", ".join(f'"{name}"' for name in columns)
    cursor = conn.connection.driver_connection.cursor()
    with _as_sqlalchemy_errors(table), cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
        write = copy.write_row
        for row in rows:
            write(row)


@contextmanager
def _as_sqlalchemy_errors(table: str) -> Iterator[None]:
    try:
        yield
    except psycopg.errors.IntegrityError as exc:
        raise IntegrityError(f"COPY {table}", None, exc) from exc

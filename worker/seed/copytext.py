"""Seekers and their conditions as PostgreSQL COPY text — pure formatting, no database.

COPY's text format is one line per row, fields separated by tabs, NULL as ``\\N`` and backslash, tab,
newline and carriage return escaped; the server parses each field by its column's type. So values go
as the generator made them — dates and timestamps as ISO strings, JSON lists as their text — and no
Python date, dict or driver call is made per value. Made as one bytes object per chunk, the text can
be built in another process (:mod:`worker.seed.parallel`) and handed to COPY as it is.

JSON is written as ``json.dumps(value, ensure_ascii=False)`` writes it (the same text, checked by the
tests), but lists of strings or ints go through one C call per item rather than a new encoder per list.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from json.encoder import encode_basestring

from worker.seed.generate import GeneratedCondition

# The generator's seeker fields, in the order they are copied.
SEEKER_FIELDS = (
    "seeker_number", "name", "email", "email_normalized", "birth_date", "prefecture_code", "work_history",
    "qualifications", "saved_search_mails", "registration_status", "registration_valid_until",
    "registration_invalid_on", "account_state", "opened_at", "agreed_at", "terms_version",
    "privacy_policy_version", "restricted_at", "unusable_at",
)
SEEKER_COLUMNS = ("id", *SEEKER_FIELDS, "created_at", "updated_at")
_CONDITION_FIELDS = ("kind", "keyword_mode", "wage_type", "wage_min")
_CONDITION_STRING_LISTS = ("keywords", "exclude_keywords", "prefecture_codes", "municipality_codes",
                           "occupation_codes")
CONDITION_COLUMNS = ("seeker_id", "name", "notify", "created_at", "updated_at", *_CONDITION_FIELDS,
                     *_CONDITION_STRING_LISTS, "employment_forms")

# Searching once is several times faster than str.translate, and the generated text rarely needs escaping.
_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")
_JSON_SPECIAL = re.compile(r'["\\\x00-\x1f]')  # what JSON escapes in a string (ensure_ascii=False)
_encode_json = json.JSONEncoder(ensure_ascii=False).encode  # made once: json.dumps makes one per call


def field(value) -> str:
    """One value as a COPY text field."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if type(value) is int:
        return str(value)
    if _COPY_SPECIAL.search(value) is None:
        return value
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def json_text(value: list) -> str:
    """Any JSON-ready list, as json.dumps(value, ensure_ascii=False)."""
    return _encode_json(value) if value else "[]"


def string_list_field(value: list[str]) -> str:
    """A list of strings as the COPY field of its JSON text."""
    if not value:
        return "[]"
    text = '", "'.join(value)
    if _JSON_SPECIAL.search(text) is None:  # nothing for JSON to escape, so no tab, newline or backslash
        return '["' + text + '"]'
    return field("[" + ", ".join(map(encode_basestring, value)) + "]")


def int_list_json(value: list[int]) -> str:
    """A list of ints as its JSON text, which is also its COPY field."""
    return "[" + ", ".join(map(str, value)) + "]" if value else "[]"


@dataclass(frozen=True)
class SeekerChunk:
    """A chunk of seekers and their conditions, ready for COPY."""

    seekers: bytes
    conditions: bytes
    condition_count: int
    saved_searches: int


def seeker_chunk(records: Iterable[tuple[dict, list[GeneratedCondition]]], ids: list[int], stamp: str,
                 ) -> SeekerChunk:
    """The COPY text of seekers (``(record, conditions)`` pairs) under ``ids``, in order, and of their
    conditions naming those ids; ``stamp`` is their created_at and updated_at."""
    seeker_lines: list[str] = []
    condition_lines: list[str] = []
    saved = 0
    stamps = f"{stamp}\t{stamp}"
    for seeker_id, (record, group) in zip(ids, records, strict=True):
        seeker_lines.append("\t".join((
            str(seeker_id), field(record["seeker_number"]), field(record["name"]), field(record["email"]),
            field(record["email_normalized"]), field(record["birth_date"]), field(record["prefecture_code"]),
            field(json_text(record["work_history"])), string_list_field(record["qualifications"]),
            *[field(record[key]) for key in SEEKER_FIELDS[8:]], stamps)))
        head = str(seeker_id)
        for condition in group:
            fields = condition.fields
            saved += fields["kind"] == "saved"
            condition_lines.append("\t".join((
                head, field(condition.name), "t" if condition.notify else "f", stamps, field(fields["kind"]),
                field(fields["keyword_mode"]), field(fields["wage_type"]), field(fields["wage_min"]),
                string_list_field(fields["keywords"]), string_list_field(fields["exclude_keywords"]),
                string_list_field(fields["prefecture_codes"]), string_list_field(fields["municipality_codes"]),
                string_list_field(fields["occupation_codes"]), int_list_json(fields["employment_forms"]))))
    return SeekerChunk(_lines(seeker_lines), _lines(condition_lines), len(condition_lines), saved)


def _lines(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode() if lines else b""

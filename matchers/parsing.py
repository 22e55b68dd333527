"""Reading job offers and conditions from the JSONL contract (one JSON object a line).

The fields are defined once, in :mod:`matchers.schema`; this module turns a decoded line into the
matcher's records, and a raw line into a decoded one without letting a hostile line crash the
reader (:func:`decode_line`). A bad record raises ``InvalidRecord`` naming every bad field."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterator
from typing import Any, BinaryIO

from pydantic import ValidationError

from matchers import vocabulary
from matchers.records import Condition, JobOffer
from matchers.schema import RECORD, ConditionRecord, JobRecord, problems

# Kept for callers that imported them from here; the vocabulary is their one home.
WAGE_TYPES = tuple(vocabulary.WAGE_TYPES)
CONDITION_KINDS = vocabulary.CONDITION_KINDS
KEYWORD_MODES = vocabulary.KEYWORD_MODES
MAX_CODES = vocabulary.MAX_CODES
MAX_YEN = vocabulary.MAX_YEN

BLANK = object()  # what decode_line gives for a blank line (a JSON null is None)
LINE = "(line)"  # the field named when a line cannot be read at all
JSON = "(json)"  # … or is not JSON


class InvalidRecord(ValueError):
    """A record breaks the contract. ``problems`` lists every ``(field, reason)``; ``field`` and
    ``reason`` are the first of them."""

    def __init__(self, field: str, reason: str, problems: list[tuple[str, str]] | None = None) -> None:
        self.problems = list(problems) if problems else [(field, reason)]
        self.field, self.reason = self.problems[0]
        super().__init__("; ".join(f"{f}: {r}" for f, r in self.problems))


def job_record(record: Any) -> JobRecord:
    """A job line as the schema's ``JobRecord``; raises ``InvalidRecord``."""
    return _validate(JobRecord, record)


def condition_record(record: Any) -> ConditionRecord:
    """A condition line as the schema's ``ConditionRecord``; raises ``InvalidRecord``."""
    return _validate(ConditionRecord, record)


def parse_job(record: Any) -> JobOffer:
    """A job line as a ``JobOffer``; raises ``InvalidRecord`` naming every bad field."""
    return job_offer(job_record(record))


def parse_condition(record: Any) -> Condition:
    """A condition line as a ``Condition``; raises ``InvalidRecord`` naming every bad field."""
    c = condition_record(record)
    return Condition(
        condition_id=_intern(c.condition_id) if isinstance(c.condition_id, str) else c.condition_id,
        seeker_id=c.seeker_id,
        kind=c.kind,
        keywords=_strings(c.keywords),
        keyword_mode=c.keyword_mode,
        exclude_keywords=_strings(c.exclude_keywords),
        prefecture_codes=_strings(c.prefecture_codes),
        municipality_codes=_strings(c.municipality_codes),
        occupation_codes=_strings(c.occupation_codes),
        employment_forms=tuple(c.employment_forms),
        wage_type=c.wage_type,
        wage_min=c.wage_min,
    )


def job_offer(job: JobRecord) -> JobOffer:
    return JobOffer(
        job_number=job.job_number,
        title=job.title,
        description=job.description,
        employer_name=job.employer_name,
        occupation_code=_intern(job.occupation_code),
        prefecture_code=sys.intern(job.prefecture_code),
        municipality_code=_intern(job.municipality_code),
        employment_form=job.employment_form,
        wage_type=job.wage_type,
        wage_min=job.wage_min,
        wage_max=job.wage_max,
        licenses=_strings(job.licenses),
        received_on=job.received_on,
        online_application=job.online_application,
    )


def _validate(model, record: Any):
    if not isinstance(record, dict):
        raise InvalidRecord(RECORD, "JSON オブジェクトではありません")
    try:
        return model.model_validate(record)
    except ValidationError as exc:
        found = problems(exc)
        raise InvalidRecord(*found[0], found) from None


def _intern(value: str | None) -> str | None:
    # Codes repeat millions of times across conditions; one string object each saves memory.
    return None if value is None else sys.intern(value)


def _strings(values: list[str]) -> tuple[str, ...]:
    return tuple(sys.intern(value) for value in values)


# ---------------------------------------------------------------------------- raw lines


def read_jsonl(stream: BinaryIO) -> Iterator[tuple[int, Any]]:
    """(line number, decoded JSON value or the ``InvalidRecord`` that says why not) for every
    non-blank line of a binary stream. Lines are read at most ``MAX_LINE_BYTES`` at a time, so a
    line of gigabytes costs no more memory than a long one; a UTF-8 BOM before the first line is
    skipped (editors on Windows write one)."""
    limit = vocabulary.MAX_LINE_BYTES
    number = 0
    while True:
        raw = stream.readline(limit + 2)  # room for the limit and a CRLF
        if not raw:
            return
        number += 1
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if len(raw) > limit and not raw.endswith(b"\n"):
            size = len(raw)
            while raw and not raw.endswith(b"\n"):  # skip the rest of the line, a block at a time
                raw = stream.readline(limit)
                size += len(raw)
            yield number, InvalidRecord(LINE, f"行が長すぎます（{size:,} バイト、{limit:,} バイトまで）")
            continue
        try:
            value = decode_line(raw)
        except InvalidRecord as exc:
            yield number, exc
            continue
        if value is not BLANK:
            yield number, value


def decode_line(raw: bytes) -> Any:
    """A JSONL line (bytes, with or without its line end) as the JSON value it holds, or ``BLANK``
    for a blank line. Raises ``InvalidRecord`` for anything that is not one JSON value in UTF-8 —
    never RecursionError, ValueError or MemoryError: a hostile line is a bad line, not the end of
    the file. Refused: lines over ``MAX_LINE_BYTES``, invalid UTF-8, a byte-order mark other than
    at the start of the file (the caller strips that one), nesting deeper than ``MAX_NESTING``,
    integers of more digits than Python converts, NaN and Infinity (not JSON), numbers that
    overflow to infinity (1e400), and an object with the same key twice (which value was meant is
    not ours to guess)."""
    size = len(raw.rstrip(b"\r\n"))  # the line end does not count
    if size > vocabulary.MAX_LINE_BYTES:
        raise InvalidRecord(LINE, f"行が長すぎます（{size:,} バイト、{vocabulary.MAX_LINE_BYTES:,} バイトまで）")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidRecord(LINE, f"UTF-8 として読めません（{exc.start + 1} バイト目）") from None
    if not text.strip():
        return BLANK
    if text.startswith("\ufeff"):
        raise InvalidRecord(LINE, "行頭に BOM（U+FEFF）があります")
    depth = _nesting(text)
    if depth > vocabulary.MAX_NESTING:
        raise InvalidRecord(JSON, f"入れ子が深すぎます（{depth:,} 段、{vocabulary.MAX_NESTING} 段まで）")
    try:
        return json.loads(text, parse_constant=_no_constant, parse_float=_finite_float,
                          object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        raise InvalidRecord(JSON, f"JSON として読めません（{exc.msg}、{exc.colno} 文字目）") from None
    except ValueError as exc:  # int() past sys.get_int_max_str_digits, or our hooks
        if isinstance(exc, _Refused):
            raise InvalidRecord(JSON, str(exc)) from None
        raise InvalidRecord(JSON, "桁数が多すぎる数値があります") from None
    except RecursionError:  # not reached below MAX_NESTING; kept so no input can end the run
        raise InvalidRecord(JSON, "入れ子が深すぎます") from None


class _Refused(ValueError):
    pass


def _nesting(text: str) -> int:
    """The deepest bracket nesting outside strings, without recursion (an upper bound is enough)."""
    if text.count("[") + text.count("{") <= vocabulary.MAX_NESTING:
        return 0  # cannot be deeper than the limit: skip the scan for ordinary lines
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _no_constant(name: str) -> Any:
    raise _Refused(f"{name} は JSON の数値ではありません")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"{text[:20]} は大きすぎる数値です")
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict:
    record = dict(pairs)
    if len(record) != len(pairs):
        seen: set[str] = set()
        twice = next(key for key, _ in pairs if key in seen or seen.add(key))
        raise _Refused(f"キー {twice[:40]!r} が2回あります")
    return record

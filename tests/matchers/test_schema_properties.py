"""Whatever a line holds, reading it ends in a record or an InvalidRecord — never another
exception — and what is accepted is text a database and a UTF-8 stream can hold."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matchers import InvalidRecord, parse_condition, parse_job
from matchers.parsing import decode_line
from matchers.schema import ConditionRecord, JobRecord

FIELDS = sorted(set(JobRecord.model_fields) | set(ConditionRecord.model_fields))
SAMPLES = ["13", "13101", "050-01", "050", "13010-14180061", "monthly", "and", "saved", "2025-10-01", "１３", "١٣",
           "\x00", "\ud800", "介護", ""]
# Texts from characters that are fine, look like digits, or must never be stored.
hostile_text = st.text(alphabet=st.sampled_from(["a", "1", "-", "介", "１", "١", "\x00", "\ud800", "\x1b", "\n", " "]),
                       max_size=6)
scalars = st.one_of(hostile_text, st.sampled_from(SAMPLES), st.none(), st.booleans(), st.integers(),
                    st.floats(allow_nan=True))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.text(max_size=4), inner, max_size=3)),
                      max_leaves=12)
# A valid line with one to three fields replaced by anything, so both outcomes are common.
VALID = {"job_number": "13010-14180061", "title": "介護職員", "prefecture_code": "13", "condition_id": 1, "seeker_id": 1}
TEXTS = ["title", "description", "employer_name", "condition_id", "seeker_id", "job_number", "prefecture_code",
         "municipality_code", "occupation_code"]
LISTS = ["licenses", "keywords", "exclude_keywords", "prefecture_codes", "municipality_codes", "occupation_codes"]
records = st.one_of(
    st.dictionaries(st.sampled_from(FIELDS), values, min_size=1, max_size=3),
    st.tuples(st.sampled_from(TEXTS), hostile_text).map(lambda pair: dict([pair])),
    st.tuples(st.sampled_from(LISTS), st.lists(hostile_text, max_size=3)).map(lambda pair: dict([pair])),
).map(lambda change: {**VALID, **change})
EXAMPLES = settings(derandomize=True, max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def accepted_text_is_storable(record) -> None:
    for value in vars(record).values() if hasattr(record, "__dict__") else [getattr(record, f) for f in record.__slots__]:
        for text in (value if isinstance(value, tuple) else (value,)):
            if isinstance(text, str):
                text.encode("utf-8")  # no lone surrogate
                assert "\x00" not in text


@EXAMPLES
@given(records)
def test_any_job_record_is_a_job_offer_or_an_invalid_record(record):
    try:
        offer = parse_job(record)
    except InvalidRecord as exc:
        assert exc.problems and all(field and reason for field, reason in exc.problems)
        return
    accepted_text_is_storable(offer)
    assert offer.prefecture_code.isascii() and offer.job_number.isascii()


@EXAMPLES
@given(records)
def test_any_condition_record_is_a_condition_or_an_invalid_record(record):
    try:
        condition = parse_condition(record)
    except InvalidRecord as exc:
        assert exc.problems and all(field and reason for field, reason in exc.problems)
        return
    accepted_text_is_storable(condition)
    assert all(code.isascii() for code in condition.prefecture_codes + condition.occupation_codes)


@EXAMPLES
@given(st.one_of(st.binary(max_size=200), values.map(lambda v: json.dumps(v).encode()),
                 st.integers(1, 3000).map(lambda n: b"[" * n + b"]" * n)))
def test_any_bytes_decode_to_a_value_or_an_invalid_record(raw):
    try:
        decode_line(raw)
    except InvalidRecord as exc:
        assert exc.field in ("(line)", "(json)") and exc.reason

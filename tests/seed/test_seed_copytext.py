"""COPY text for seekers and conditions: fields escaped as PostgreSQL reads them, JSON as json.dumps."""

from __future__ import annotations

import json
import re

from hypothesis import given
from hypothesis import strategies as st

from worker.seed.copytext import field, int_list_json, json_text, string_list_field

_UNESCAPE = {"\\\\": "\\", "\\t": "\t", "\\n": "\n", "\\r": "\r"}


def _read(copy_field: str) -> str | None:
    """What PostgreSQL's COPY text format reads from a field (the escapes this writer uses)."""
    if copy_field == "\\N":
        return None
    return re.sub(r"\\[\\tnr]", lambda m: _UNESCAPE[m.group()], copy_field)


@given(st.text())
def test_a_text_field_reads_back_as_the_value_and_never_breaks_the_line(value):
    written = field(value)
    assert _read(written) == value
    assert "\t" not in written and "\n" not in written and "\r" not in written


def test_null_booleans_and_ints_are_written_as_copy_reads_them():
    assert [field(None), field(True), field(False), field(0), field(-12)] == ["\\N", "t", "f", "0", "-12"]


@given(st.lists(st.text(), max_size=4))
def test_a_list_of_strings_is_the_copy_field_of_its_json(value):
    assert _read(string_list_field(value)) == json.dumps(value, ensure_ascii=False)


@given(st.lists(st.integers(), max_size=4))
def test_a_list_of_ints_is_its_json(value):
    assert int_list_json(value) == json.dumps(value)


@given(st.lists(st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3), max_size=3))
def test_any_list_is_its_json(value):
    assert json_text(value) == json.dumps(value, ensure_ascii=False)

"""Reading raw JSONL lines: a hostile line is an ``InvalidRecord``, never an exception that ends
the run."""

from __future__ import annotations

import io

import pytest

from matchers import InvalidRecord
from matchers.parsing import BLANK, decode_line, read_jsonl
from matchers.vocabulary import MAX_LINE_BYTES, MAX_NESTING


@pytest.mark.parametrize("raw, field", [
    (b"[" * 100_000 + b"]" * 100_000, "(json)"),
    (b"{\"a\": " * 50_000, "(json)"),
    (b"[" * (MAX_NESTING + 1) + b"]" * (MAX_NESTING + 1), "(json)"),
    (b'{"n": ' + b"7" * 5000 + b"}", "(json)"),
    (b'{"n": 1e400}', "(json)"),
    (b'{"n": -1e400}', "(json)"),
    (b'{"n": NaN}', "(json)"),
    (b'{"n": Infinity}', "(json)"),
    (b'{"a": 1, "a": 2}', "(json)"),
    (b'{"a": 1', "(json)"),
    (b"\xef\xbb\xbf{}", "(line)"),
    (b"\xff{}", "(line)"),
    (b"x" * (MAX_LINE_BYTES + 1), "(line)"),
])
def test_a_hostile_line_is_an_invalid_record_naming_what_is_wrong(raw, field):
    with pytest.raises(InvalidRecord) as caught:
        decode_line(raw)
    assert caught.value.field == field and not caught.value.reason.isascii()


def test_brackets_inside_strings_do_not_count_as_nesting():
    assert decode_line(b'{"title": "' + b"[" * 1000 + b'"}') == {"title": "[" * 1000}


def test_ordinary_lines_decode_with_crlf_and_blank_lines_are_blank():
    assert decode_line(b'{"a": [1, {"b": 2.5}]}\r\n') == {"a": [1, {"b": 2.5}]}
    assert decode_line(b"  \r\n") is BLANK
    assert decode_line(b"null") is None


def test_a_bom_before_the_first_line_is_skipped_and_line_numbers_count_blank_lines():
    stream = io.BytesIO(b'\xef\xbb\xbf{"a": 1}\r\n\r\n{"a": 3}\n\xef\xbb\xbf{"a": 4}')
    found = list(read_jsonl(stream))
    assert found[:2] == [(1, {"a": 1}), (3, {"a": 3})]
    assert found[2][0] == 4 and isinstance(found[2][1], InvalidRecord)


def test_an_overlong_line_is_skipped_in_blocks_and_the_next_line_read():
    stream = io.BytesIO(b"x" * (3 * MAX_LINE_BYTES + 5) + b"\n" + b'{"a": 1}\n')
    found = list(read_jsonl(stream))
    assert isinstance(found[0][1], InvalidRecord) and found[0][1].field == "(line)"
    assert found[1] == (2, {"a": 1})


def test_a_line_of_exactly_the_limit_is_read_whatever_its_line_end():
    line = b'{"a": "' + b"x" * (MAX_LINE_BYTES - 9) + b'"}'
    assert len(line) == MAX_LINE_BYTES
    for end in (b"\n", b"\r\n"):
        found = list(read_jsonl(io.BytesIO(line + end + b'{"b": 1}\n')))
        assert [number for number, _ in found] == [1, 2] and isinstance(found[0][1], dict), end
    with pytest.raises(InvalidRecord):
        decode_line(line[:-2] + b'x"}')  # one byte over

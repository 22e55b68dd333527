"""The comparison form of text: one function applied to keywords and offers alike."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matchers import normalise
from matchers.normalise import display_form


@pytest.mark.parametrize(("text", "expected"), [
    ("ＰＹＴＨＯＮ　３", "python 3"),  # full-width Latin, digits and space
    ("ﾊﾟｰﾄ", "パト"),  # half-width katakana composed, long-vowel mark dropped
    ("ぱーと", "パト"),  # hiragana folded to katakana
    ("パート", "パト"),
    ("サーバ", "サバ"),
    ("サーバー", "サバ"),
    ("サーバ-", "サバ"),  # a hyphen typed for ー after katakana
    ("サーバ－", "サバ"),  # the full-width hyphen too
    ("B-1グランプリ", "b-1グランプリ"),  # a hyphen after Latin text stays
    ("03-1234-5678", "03-1234-5678"),
    ("  介護\u3000\u3000職員\n\t募集 ", "介護 職員 募集"),  # whitespace collapsed and trimmed
    ("ゝゞ", "ヽヾ"),  # hiragana iteration marks
    ("", ""),
])
def test_normalise(text, expected):
    assert normalise(text) == expected


def test_the_display_form_keeps_case_kana_and_long_vowels():
    assert display_form("ＳＥ　サーバー  さん") == "SE サーバー さん"


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_normalising_twice_changes_nothing(text):
    once = normalise(text)
    assert normalise(once) == once

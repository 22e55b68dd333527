"""The comparison form of text: one function applied to keywords and offers alike."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matchers import normalise
from matchers.normalise import display_form


@pytest.mark.parametrize(("text", "expected"), [
    ("ＰＹＴＨＯＮ　３", "python 3"),  # full-width Latin, digits and space
    ("ﾊﾟｰﾄ", "パート"),  # half-width katakana composed; ー inside a word is a letter of it
    ("ぱーと", "パート"),  # hiragana folded to katakana
    ("サーバ", "サーバ"),
    ("サーバー", "サーバ"),  # ー ending a katakana run is dropped
    ("ｻｰﾊﾞｰ", "サーバ"),
    ("さーばー", "サーバ"),
    ("コンピューター", "コンピュータ"),
    ("サーバーエンジニア", "サーバーエンジニア"),  # not at the end of the run: kept
    ("サーバー管理", "サーバ管理"),  # a run ends where kanji start
    ("ナース", "ナース"),
    ("ボーナス", "ボーナス"),
    ("スーパー", "スーパ"),
    ("サーバ-", "サーバ"),  # a hyphen typed for ー after katakana
    ("サーバ－", "サーバ"),  # the full-width hyphen too
    ("ナ-ス", "ナース"),  # and inside a word it is the mark too
    ("ー", ""),
    ("カー", "カー"),  # a word of one or two kana keeps its final mark: カー is not カ
    ("キー", "キー"),
    ("カバー", "カバー"),  # cover is not カバ
    ("ツアー", "ツアー"),
    ("カー用品", "カー用品"),
    ("シャワー", "シャワ"),  # three kana before the mark: dropped, as in サーバー
    ("ｶｰ", "カー"),
    ("サーバーの保守", "サーバノ保守"),  # a katakana run ends where hiragana starts, as before kanji
    ("データーを入力", "データヲ入力"),
    ("車のカバー", "車ノカバー"),  # の is not part of the word: カバー is a short word, keeps its mark
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


# Folding hiragana to katakana loses where a katakana run ended (車のカバー becomes 車ノカバー,
# a run ノカバー of its own), so a second pass is only sure to change nothing on text without
# hiragana. Nothing normalises a normalised text twice.
@settings(max_examples=200, deadline=None)
@given(st.text().map(lambda text: text.translate({code: code + 0x60 for code in range(0x3041, 0x3097)})))
def test_normalising_twice_changes_nothing(text):
    once = normalise(text)
    assert normalise(once) == once

"""Text normalisation (正規化) applied to offer text and to keywords before any comparison.

One function, used on both sides, so that a keyword and the text it is looked for in always
meet in the same form."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Hiragana ぁ..ゖ and the iteration marks ゝゞ sit exactly 0x60 below their katakana twins.
_HIRAGANA_TO_KATAKANA = {code: code + 0x60 for code in range(0x3041, 0x3097)}
_HIRAGANA_TO_KATAKANA.update({0x309D: 0x30FD, 0x309E: 0x30FE})

_LONG_VOWEL = "\u30fc"
_KATAKANA = "\u30a1-\u30fa\u30fc\u30fd\u30fe"  # letters, ー and the iteration marks
_HIRAGANA = "\u3041-\u3096\u30fc\u309d\u309e"  # letters, ー (さーばー) and the iteration marks
# Dash look-alikes typed in place of ー (an IME or a keyboard slip) count as the mark only when
# they follow kana, so that codes such as "B-1" or "03-1234" keep their hyphen.
_DASH_AFTER_KANA = re.compile(
    f"(?<=[{_KATAKANA}{_HIRAGANA}])[\u002d\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63]+"
)
# The mark is dropped only where it ends a katakana run (サーバー and サーバ are written both
# ways); inside a word it is a letter of the word: ナース is not ナス, so it never meets ボーナス,
# and スーパー (スーパ) is not スパ. As in 外来語の表記 and JIS Z 8301, only a word of three kana or
# more may lose its final mark: カー, キー and カバー are never written カ, キ, カバ, and dropping
# their mark would make カー a one-letter keyword found in every カフェ.
# Runs are found before hiragana is folded: a katakana word ends where hiragana starts (サーバーの
# is サーバ + の), and a word written in hiragana (さーばー) is a run of its own.
_KANA_RUN = re.compile(f"[{_KATAKANA}]+|[{_HIRAGANA}]+")
_SHORT_WORD = 3  # kana before the final mark below which the mark is kept
_SPACES = re.compile(r"\s+")


def display_form(text: str) -> str:
    """NFKC with runs of spaces (including U+3000) collapsed: how a keyword is shown back to
    the seeker in reasons, and the form in which identical conditions are recognised."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip()


@lru_cache(maxsize=32768)
def normalise(text: str) -> str:
    """The comparison form: NFKC (full-width Latin/digits to half-width, half-width katakana to
    full-width, U+3000 to a space), case-folded, a dash after kana read as ー, the long-vowel
    marks ending a katakana (or hiragana) run of three kana or more removed, hiragana folded to
    katakana, runs of whitespace collapsed to one space and trimmed."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = _DASH_AFTER_KANA.sub(_as_long_vowels, folded)
    folded = _KANA_RUN.sub(_without_final_mark, folded).translate(_HIRAGANA_TO_KATAKANA)
    return _SPACES.sub(" ", folded).strip()


def _as_long_vowels(dashes: re.Match) -> str:
    return _LONG_VOWEL * len(dashes.group())  # サーバ-- is サーバーー: each dash a mark


def _without_final_mark(run: re.Match) -> str:
    word = run.group().rstrip(_LONG_VOWEL)
    return word if len(word) >= _SHORT_WORD or not word else run.group()  # a lone ー is nothing

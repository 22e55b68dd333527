"""The close-spelling pre-filter (``matchers.probes``) is exact — it keeps every probe that
``rules._close`` or exact containment would find — and each of its bounds rules out the
near-miss it is there for."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from matchers import rules
from matchers.probes import Probes, char_threshold, common_length, gram_threshold
from matchers.rules import _close, _edges

# Kana, a few kanji and Latin letters: near-misses of one another come up often.
ALPHABET = "アイウエオカサーン介護看訪問員ab1"


def possible(norm: str, texts: list[str], fuzzy: bool = True) -> bool:
    probes = Probes()
    probes.link(norm, fuzzy, 0)
    return bool(probes.possible_terms(texts, 1)[0])


@st.composite
def near_misses(draw):
    """A keyword and a text holding a spelling of it with a few characters inserted, deleted or
    changed, between random characters."""
    keyword = draw(st.text(ALPHABET, min_size=4, max_size=12))
    spelling = list(keyword)
    for _ in range(draw(st.integers(0, 3))):
        position = draw(st.integers(0, len(spelling)))
        action = draw(st.sampled_from(["insert", "delete", "change"]))
        character = draw(st.sampled_from(ALPHABET))
        if action == "insert":
            spelling.insert(position, character)
        elif position < len(spelling):
            if action == "delete":
                del spelling[position]
            else:
                spelling[position] = character
    before, after = draw(st.text(ALPHABET, max_size=6)), draw(st.text(ALPHABET, max_size=6))
    return keyword, before + "".join(spelling) + after


@given(near_misses(), st.text(ALPHABET, max_size=8))
def test_the_filter_keeps_every_probe_that_is_close_or_contained(case, other_field):
    keyword, text = case
    left, right = _edges(keyword)
    if _close(keyword, text, left, right) or keyword in text:
        assert possible(keyword, [text, other_field])
    if keyword in text:
        assert possible(keyword, [other_field, text], fuzzy=False)


def test_a_close_spelling_that_keeps_one_bigram_and_four_characters_is_kept():
    # アカイエオ: LCS 4 of 5 with アイウエオ, bigram エオ only — the worst case of each bound.
    assert _close("アイウエオ", "アカイエオ")
    assert possible("アイウエオ", ["アカイエオ"])


def test_the_character_bound_rules_out_a_probe_sharing_a_bigram_but_too_few_characters():
    assert gram_threshold(5) == 1 and char_threshold(5) == common_length(5) == 4
    assert not possible("アイウエオ", ["カサエオン"])  # エオ is there; ア, イ, ウ are not


def test_the_kanji_bound_rules_out_a_close_spelling_with_another_kanji():
    # One kanji off, every kana the same: bigrams and characters pass, the kanji rule does not.
    assert not _close("訪問介護ステーション", "訪問看護ステーション")
    assert not possible("訪問介護ステーション", ["訪問看護ステーション"])
    assert possible("訪問介護ステーション", ["訪問介護ステイション"])


def test_a_probe_of_kanji_only_must_be_contained():
    # Every character and kanji is in the offer and one bigram would do for a kana word of five.
    assert not possible("訪問介護員", ["訪問介護の仕事、職員募集"])
    assert possible("訪問介護員", ["訪問介護員の仕事"])


class _NoRapidfuzz:
    def __getattr__(self, name):
        raise AssertionError("rapidfuzz was asked although the kanji rule decides")


def test_close_rules_out_a_missing_kanji_and_decides_kanji_only_keywords_without_rapidfuzz(monkeypatch):
    monkeypatch.setattr(rules, "fuzz", _NoRapidfuzz())
    monkeypatch.setattr(rules, "process", _NoRapidfuzz())
    assert not _close("訪問介護ステーション", "訪問看護ステーションです")
    assert _close("訪問介護員", "訪問介護員募集")
    assert not _close("訪問介護員", "訪問介護の職員募集")

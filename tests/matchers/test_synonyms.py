"""The shipped job-word dictionary: the groups the issue names, words kept apart, readings
computed (not typed), sources named, and the table read once per process."""

from __future__ import annotations

import itertools
from importlib import resources

import pytest

from matchers import synonyms
from matchers.normalise import normalise
from matchers.synonyms import READING, alternatives, dictionary, parse

REQUIRED_GROUPS = [
    "看護師・看護士・看護婦・ナース・nurse", "准看護師・准看護士・准看", "警備員・ガードマン・守衛",
    "ドライバー・運転手・運転者・driver", "プログラマー・programmer", "システムエンジニア・SE", "事務員・事務職員",
    "介護職員・介護士・ケアワーカー・介護スタッフ", "保育士・保母・保父", "コック・シェフ・料理人・調理人",
    "販売員・販売スタッフ", "清掃員・清掃スタッフ", "薬剤師・ファーマシスト",
]


def table_text() -> str:
    return resources.files("matchers").joinpath("data", "job_synonyms.tsv").read_text(encoding="utf-8")


@pytest.mark.parametrize("group", REQUIRED_GROUPS)
def test_the_required_groups_are_in_the_dictionary(group):
    words = group.split("・")
    for word, other in itertools.permutations(words, 2):
        assert normalise(other) in {alternative.norm for alternative in alternatives(normalise(word))}, (word, other)


@pytest.mark.parametrize(("word", "other"), [
    ("介護士", "看護"), ("看護師", "介護"), ("ナース", "介護"), ("アシスタント", "技師"), ("エンジニア", "技師"),
    ("販売員", "営業"), ("保育士", "保育教諭"), ("看護師", "准看"), ("カウンセラー", "相談員"),
])
def test_no_group_joins_different_jobs(word, other):
    assert not any(other in alternative.norm for alternative in alternatives(normalise(word)))


def test_every_group_has_at_least_two_terms_and_no_term_is_too_short_for_containment():
    table = dictionary()
    for group, terms in table.groups.items():
        assert len(terms) >= 2, group
        for norm, _ in terms:
            assert len(norm) >= 2, (group, norm)


def test_readings_are_in_katakana_and_only_for_terms_written_with_kanji():
    lines = [line.split("\t") for line in table_text().splitlines() if line and not line.startswith("#")][1:]
    with_reading = [(term, reading) for _group, term, reading, _source in lines if reading]
    assert len(with_reading) >= 100
    for term, reading in with_reading:
        assert any("\u4e00" <= character <= "\u9fff" for character in term), term
        assert all("\u30a1" <= character <= "\u30fc" for character in reading), (term, reading)


def test_readings_were_computed_by_sudachi_when_it_is_installed():
    pytest.importorskip("sudachipy")
    from sudachipy import dictionary as sudachi_dictionary
    from sudachipy import tokenizer

    sudachi = sudachi_dictionary.Dictionary().tokenizer()
    lines = [line.split("\t") for line in table_text().splitlines() if line and not line.startswith("#")][1:]
    for _group, term, reading, _source in lines:
        if reading:
            computed = "".join(m.reading_form() for m in sudachi.tokenize(term, tokenizer.Tokenizer.SplitMode.C))
            assert computed == reading, term


def test_the_table_names_its_sources_and_licences():
    header = "\n".join(line for line in table_text().splitlines() if line.startswith("#"))
    assert "Sudachi" in header and "Apache License 2.0" in header
    assert "出典：職業情報提供サイト（job tag）（厚生労働省）" in header


def test_a_kana_keyword_reads_a_kanji_term_and_finds_its_group():
    found = {alternative.norm: alternative.relation for alternative in alternatives(normalise("かんごし"))}
    assert found[normalise("看護師")] == READING
    assert normalise("ナース") in found


def test_a_keyword_mixing_kana_and_kanji_gets_no_reading():
    assert alternatives(normalise("かんご師")) == ()


def test_the_dictionary_is_loaded_once_per_process():
    assert dictionary() is dictionary()
    assert synonyms.dictionary.cache_info().misses <= 1


def test_an_edited_table_is_read_by_its_header():
    table = parse("# comment\ngroup\tterm\treading\tsource\ng1\t看護師\tカンゴシ\tx\ng1\tナース\t\tx\n")
    assert table.groups["g1"] == (("看護師", "看護師"), ("ナース", "ナース"))
    assert table.terms_read["カンゴシ"] == ("看護師",)

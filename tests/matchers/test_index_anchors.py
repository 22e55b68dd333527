"""Rows with keywords are posted under anchor terms (an AND row under one of its keywords, an OR
row under each) and found through the terms of the offer: each mechanism on the case that would
break it — an OR row found through its last keyword only or through several at once, the first
place × occupation pair of an anchored row, rows with exclusions only, rows with more keywords
than their columns hold, and adds, removals and rebuilds after the postings were merged."""

from __future__ import annotations

from matchers import Condition, ConditionIndex, JobOffer, ReferenceMatcher
from matchers.index import TERM_SLOTS
from matchers.rules import OfferView


def offer(title: str, description: str = "", municipality: str | None = None) -> JobOffer:
    return JobOffer(job_number="13010-00000001", title=title, description=description, prefecture_code="13",
                    municipality_code=municipality)


def both(conditions: list[Condition]):
    return ReferenceMatcher(conditions), ConditionIndex(conditions)


def agree(reference, index, job: JobOffer) -> list:
    found = index.match(job)
    assert found == reference.match(job)
    return [match.condition_id for match in found]


def candidate_rows(index: ConditionIndex, job: JobOffer) -> list[int]:
    rows, _ = index._candidates(OfferView(job))
    return sorted(rows.tolist())


def test_a_keyword_row_whose_anchor_is_not_in_the_offer_is_not_even_a_candidate():
    index = ConditionIndex([Condition(1, 1, keywords=("経理",)), Condition(2, 1, keywords=("営業", "土日休み"))])
    assert candidate_rows(index, offer("看護師")) == []
    assert candidate_rows(index, offer("経理事務")) == [0]
    # Every bigram of a four-character word is here, apart: it passes the n-gram
    # filter, and is still not found, so its rows are not candidates either.
    index.add(Condition(3, 1, keywords=("経理事務",)))
    assert candidate_rows(index, offer("経理と理事と事務")) == [0]


def test_an_and_row_is_anchored_on_its_keyword_least_likely_to_be_found():
    # The longer word, unless it has synonyms (ナース, 看護婦 … are more ways to find 看護師).
    index = ConditionIndex([Condition(1, 1, keywords=("経理", "土日休み")), Condition(2, 1, keywords=("看護師", "夜勤"))])
    assert candidate_rows(index, offer("経理事務")) == []
    assert candidate_rows(index, offer("土日休み")) == [0]
    assert candidate_rows(index, offer("看護師")) == []
    assert candidate_rows(index, offer("夜勤")) == [1]


def test_an_or_row_is_found_through_any_of_its_keywords_the_last_one_too():
    reference, index = both([Condition(1, 1, keywords=("経理", "営業", "看護師"), keyword_mode="or")])
    assert agree(reference, index, offer("看護師")) == [1]
    assert agree(reference, index, offer("営業")) == [1]


def test_an_or_row_found_through_several_of_its_keywords_is_matched_once():
    reference, index = both([Condition(1, 1, keywords=("経理", "営業"), keyword_mode="or"),
                             Condition(2, 2, keywords=("営業",))])
    assert agree(reference, index, offer("経理・営業")) == [1, 2]


def test_an_or_row_alone_under_each_of_its_keywords_is_matched_once():
    # Each (pair, term) holds this one row: kept as a single row, twice, and still one match.
    reference, index = both([Condition(1, 1, keywords=("経理", "営業"), keyword_mode="or")])
    assert agree(reference, index, offer("経理・営業")) == [1]


def test_an_anchored_row_named_by_two_pairs_of_the_offer_takes_the_preferred_one():
    # Posted under (13101, None) and (13, None): the municipality (more points) must win, and it
    # is found through both of its keywords in both pairs.
    conditions = [Condition(1, 1, keywords=("経理", "営業"), keyword_mode="or",
                            prefecture_codes=("13",), municipality_codes=("13101",))]
    reference, index = both(conditions)
    job = offer("経理・営業", municipality="13101")
    assert agree(reference, index, job) == [1]
    assert "勤務地が希望の市区町村" in " ".join(index.match(job)[0].reasons)


def test_an_and_row_needs_every_keyword_whichever_is_its_anchor():
    reference, index = both([Condition(1, 1, keywords=("経理", "土日休み"))])
    assert agree(reference, index, offer("経理事務")) == []
    assert agree(reference, index, offer("土日休み")) == []
    assert agree(reference, index, offer("経理事務", "土日休み")) == [1]


def test_rows_with_exclusions_only_are_found_without_a_keyword():
    reference, index = both([Condition(1, 1, exclude_keywords=("夜勤",)), Condition(2, 1, keywords=("経理",))])
    assert agree(reference, index, offer("看護師")) == [1]
    assert agree(reference, index, offer("看護師", "夜勤あり")) == []
    assert agree(reference, index, offer("経理")) == [1, 2]


def test_an_or_row_with_more_keywords_than_its_columns_is_found_through_a_keyword_past_them():
    words = ("経理", "営業", "土木", "副業", "看護師")
    assert len(words) == TERM_SLOTS + 1
    reference, index = both([Condition(1, 1, keywords=words, keyword_mode="or"),
                             Condition(2, 1, keywords=words)])
    assert agree(reference, index, offer("看護師")) == [1]
    assert agree(reference, index, offer("経理・営業・土木・副業・看護師")) == [1, 2]


def test_keyword_rows_added_and_removed_after_a_match_are_found_and_forgotten():
    reference, index = both([Condition(1, 1, keywords=("経理",))])
    job = offer("経理・営業", "看護師")
    assert agree(reference, index, job) == [1]  # postings merged: the adds below land in buffers
    for condition in (Condition(2, 2, keywords=("営業",)), Condition(3, 3, keywords=("看護", "営業")),
                      Condition(4, 4, keywords=("介護", "看護師"), keyword_mode="or")):
        reference.add(condition)
        index.add(condition)
    assert agree(reference, index, job) == [1, 2, 3, 4]
    for condition_id in (2, 4):
        reference.remove(condition_id)
        index.remove(condition_id)
    assert agree(reference, index, job) == [1, 3]
    replaced = Condition(3, 3, keywords=("営業",), exclude_keywords=("看護",))
    reference.add(replaced)
    index.add(replaced)
    assert agree(reference, index, job) == [1]


def test_a_row_added_under_an_anchor_that_already_holds_several_rows_is_found():
    reference, index = both([Condition(1, 1, keywords=("経理",)), Condition(2, 2, keywords=("経理",), wage_min=1000)])
    job = offer("経理")
    assert agree(reference, index, job) == [1]  # the anchor's two rows are now one numpy array
    for condition in (Condition(3, 3, keywords=("経理",), exclude_keywords=("夜勤",)),
                      Condition(4, 4, keywords=("経理", "a"))):
        reference.add(condition)
        index.add(condition)
    assert agree(reference, index, offer("経理", "a")) == [1, 3, 4]


def test_keyword_rows_are_found_through_their_anchors_after_a_rebuild():
    many = [Condition(number, number, keywords=(f"求人{number}",)) for number in range(200)]
    kept = [Condition(1000, 1, keywords=("経理", "営業"), keyword_mode="or"), Condition(1001, 1, keywords=("経理",))]
    reference, index = both(many + kept)
    for condition in many:  # far more than a quarter: the rows are rebuilt
        reference.remove(condition.condition_id)
        index.remove(condition.condition_id)
    assert index.distinct_bodies == 2
    assert agree(reference, index, offer("営業")) == [1000]
    assert agree(reference, index, offer("経理")) == [1000, 1001]

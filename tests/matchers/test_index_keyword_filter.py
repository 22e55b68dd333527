"""The keyword filter's short cuts, each on the case that would break it: which terms the rows use
as keywords and as exclusions (and whether a row spills past its slots) is learnt on the first
match and must follow rows added afterwards and rebuilds; a term is looked up as a keyword only
when some row has it as one, exclusions only when some row excludes it; tombstones are checked
once there are any; and a row's points, summed in one word, are the reference's up to the cap."""

from __future__ import annotations

import pytest

from matchers import Condition, ConditionIndex, JobOffer, ReferenceMatcher
from matchers.index import TERM_SLOTS
from matchers.rules import OfferView


def offer(title: str, description: str = "") -> JobOffer:
    return JobOffer(job_number="13010-00000001", title=title, description=description, prefecture_code="13")


def ids(matcher, job: JobOffer) -> list:
    return [match.condition_id for match in matcher.match(job)]


def column_ids(index: ConditionIndex, job: JobOffer) -> list:
    return sorted(index.match_columns([job]).condition_id.tolist())


def test_an_exclusion_added_after_the_first_match_is_applied():
    index = ConditionIndex([Condition(1, 1, keywords=("介護",))])
    job = offer("介護職員", "夜勤あり")
    assert ids(index, job) == [1]  # the terms in use are learnt here: 夜勤 excludes nothing yet
    index.add(Condition(2, 1, keywords=("介護",), exclude_keywords=("夜勤",)))
    index.add(Condition(3, 1, exclude_keywords=("夜勤",)))
    assert ids(index, job) == column_ids(index, job) == [1]
    assert ids(index, offer("介護職員")) == [1, 2, 3]


def test_a_keyword_added_after_the_first_match_is_looked_up():
    # 夜勤 is only an exclusion at first; then it becomes a keyword of a new row.
    index = ConditionIndex([Condition(1, 1, keywords=("介護",), exclude_keywords=("夜勤",))])
    job = offer("介護職員", "夜勤あり")
    assert ids(index, job) == []
    index.add(Condition(2, 1, keywords=("介護", "夜勤")))
    assert ids(index, job) == column_ids(index, job) == [2]


def test_a_row_spilling_past_its_slots_added_after_the_first_match_is_decided_in_full():
    index = ConditionIndex([Condition(1, 1, keywords=("介護",))])
    job = offer("介護 看護 保育 調理 清掃")
    assert ids(index, job) == [1]  # no row spills yet
    words = ("介護", "看護", "保育", "調理", "経理")  # the last, past the slots, is not in the offer
    assert len(words) > TERM_SLOTS
    index.add(Condition(2, 1, keywords=words))
    index.add(Condition(3, 1, keywords=words[:-1] + ("清掃",)))
    assert ids(index, job) == column_ids(index, job) == [1, 3]


def test_the_terms_in_use_are_learnt_again_after_a_rebuild():
    conditions = [Condition(number, 1, keywords=(f"仕事{number}",)) for number in range(200)]
    index = ConditionIndex(conditions + [Condition(1000, 1, keywords=("介護",))])
    job = offer("介護職員", "夜勤あり")
    assert ids(index, job) == [1000]
    for number in range(200):  # enough tombstones for a rebuild: the terms are numbered afresh
        index.remove(number)
    index.add(Condition(2000, 1, keywords=("介護",), exclude_keywords=("夜勤",)))
    index.add(Condition(3000, 1, keywords=("夜勤",)))
    reference = ReferenceMatcher([Condition(1000, 1, keywords=("介護",)),
                                  Condition(2000, 1, keywords=("介護",), exclude_keywords=("夜勤",)),
                                  Condition(3000, 1, keywords=("夜勤",))])
    assert ids(index, job) == column_ids(index, job) == ids(reference, job) == [1000, 3000]


def test_a_term_is_looked_up_as_a_keyword_only_if_some_row_has_it_as_one(monkeypatch):
    index = ConditionIndex([Condition(1, 1, keywords=("介護",), exclude_keywords=("夜勤",))])
    looked_up = []
    keyword_hit = OfferView.keyword_hit
    monkeypatch.setattr(OfferView, "keyword_hit",
                        lambda view, keyword: looked_up.append(keyword.norm) or keyword_hit(view, keyword))
    assert column_ids(index, offer("介護職員", "夜勤なし")) == []
    assert "夜勤" not in looked_up and "介護" in looked_up


def test_exclusions_are_looked_for_only_if_some_row_excludes_them(monkeypatch):
    index = ConditionIndex([Condition(1, 1, keywords=("介護",)), Condition(2, 1, exclude_keywords=("夜勤",))])
    looked_for = []
    contains = OfferView.contains
    monkeypatch.setattr(OfferView, "contains",
                        lambda view, keyword: looked_for.append(keyword.norm) or contains(view, keyword))
    assert column_ids(index, offer("介護職員")) == [1, 2]
    assert looked_for == []  # 介護 is in the offer but excluded by nothing; 夜勤 is not in it
    assert column_ids(index, offer("介護職員", "夜勤あり")) == [1]
    assert looked_for == ["夜勤"]


@pytest.mark.parametrize("shared", [False, True])
def test_a_condition_removed_right_after_the_build_is_not_matched(shared):
    # The first tombstone: the alive column is read from then on.
    conditions = [Condition(1, 1, keywords=("介護",)), Condition(2, 2, prefecture_codes=("13",))]
    if shared:
        conditions.append(Condition(3, 3, prefecture_codes=("13",)))
    index = ConditionIndex(conditions)
    index.remove(2)
    if shared:
        index.remove(3)
    assert ids(index, offer("介護職員")) == column_ids(index, offer("介護職員")) == [1]


def test_the_points_of_four_keywords_in_the_title_add_up_to_the_cap_in_one_word():
    words = ("介護", "看護", "保育", "調理")
    assert len(words) == TERM_SLOTS
    conditions = [Condition(1, 1, keywords=words), Condition(2, 1, keywords=words[:3]),
                  Condition(3, 1, keywords=words, keyword_mode="or")]
    job = offer("介護 看護 保育 調理", "調理")
    reference, index = ReferenceMatcher(conditions), ConditionIndex(conditions)
    expected = [(match.condition_id, match.score) for match in reference.match(job)]
    columns = index.match_columns([job]).sorted()
    assert list(zip(columns.condition_id.tolist(), columns.score.tolist())) == expected
    assert len(expected) == 3

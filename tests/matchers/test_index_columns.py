"""The index's columns (offer, condition, seeker, score) are the reference's matches, pair for
pair and score for score, on any offers and conditions and after any incremental changes."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matchers import Columns, Condition, ConditionIndex, JobOffer, ReferenceMatcher
from tests.matchers.strategies import condition_lists, job_offers
from tests.matchers.test_index_agrees_with_reference import changes

SETTINGS = settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
_STRING_IDS = {"a": 41, "b": 42, "c-1": 43}  # the strategies' string ids, made integers (columns are int64)


def _int_id(condition_id) -> int:
    return condition_id if isinstance(condition_id, int) else _STRING_IDS[condition_id]


def _numeric(condition: Condition) -> Condition:
    return replace(condition, condition_id=_int_id(condition.condition_id))


def _reference_rows(reference: ReferenceMatcher, offers) -> list[tuple]:
    return [(position, m.condition_id, m.seeker_id, m.score)
            for position, offer in enumerate(offers) for m in reference.match(offer)]


def _column_rows(index: ConditionIndex, offers) -> list[tuple]:
    """The columns' matches in the reference's order (by offer, then condition_id)."""
    columns = index.match_columns(offers).sorted()
    for array, dtype in ((columns.offer, np.int32), (columns.condition_id, np.int64),
                         (columns.seeker_id, np.int64), (columns.score, np.int32)):
        assert array.dtype == dtype
    return list(zip(columns.offer.tolist(), columns.condition_id.tolist(), columns.seeker_id.tolist(),
                    columns.score.tolist()))


@SETTINGS
@given(condition_lists(), st.lists(job_offers(), min_size=1, max_size=5))
def test_the_columns_are_the_reference_matches_and_scores(conditions_, offers):
    conditions_ = [_numeric(c) for c in conditions_]
    reference, index = ReferenceMatcher(conditions_), ConditionIndex(conditions_)
    assert _column_rows(index, offers) == _reference_rows(reference, offers)


@SETTINGS
@given(condition_lists(), changes(), st.lists(job_offers(), min_size=1, max_size=4))
def test_the_columns_still_agree_after_additions_replacements_and_removals(initial, steps, offers):
    initial = [_numeric(c) for c in initial]
    reference, index = ReferenceMatcher(initial), ConditionIndex(initial)
    index.match_columns(offers)  # postings merged, so later changes land in the pending buffers
    for action, value in steps:
        value = _numeric(value) if action == "add" else _int_id(value)
        getattr(reference, action)(value)
        getattr(index, action)(value)
    assert _column_rows(index, offers) == _reference_rows(reference, offers)


def test_conditions_sharing_a_body_each_get_a_row_with_the_groups_score():
    shared = [Condition(condition_id=n, seeker_id=100 + n, keywords=("介護",)) for n in (5, 3, 9)]
    index = ConditionIndex(shared + [Condition(condition_id=4, seeker_id=7, prefecture_codes=("13",))])
    offer = JobOffer(job_number="13010-00001211", title="介護職員", prefecture_code="13")
    columns = index.match_columns([JobOffer(job_number="01000-00000000", title="事務"), offer]).sorted()
    assert columns.offer.tolist() == [1, 1, 1, 1]
    assert columns.condition_id.tolist() == [3, 4, 5, 9]
    assert columns.seeker_id.tolist() == [103, 7, 105, 109]
    assert columns.score.tolist() == [m.score for m in index.match(offer)]


def test_an_index_with_no_matches_gives_empty_columns():
    columns = ConditionIndex([Condition(condition_id=1, seeker_id=1, keywords=("介護",))]).match_columns(
        [JobOffer(job_number="13010-00001211", title="事務")])
    assert len(columns) == 0 and columns.condition_id.dtype == np.int64


def test_a_matching_condition_with_a_string_id_is_refused_not_dropped():
    index = ConditionIndex([Condition(condition_id="a", seeker_id=1)])
    with pytest.raises(TypeError):
        index.match_columns([JobOffer(job_number="13010-00001211", title="事務")])


def test_keyword_points_in_the_columns_are_capped_as_in_the_reasons():
    keywords = ("介護", "看護", "事務", "営業")  # four keywords in the title: 4 × 10 points, capped at 30
    conditions = [Condition(condition_id=1, seeker_id=1, keywords=keywords),
                  Condition(condition_id=2, seeker_id=2, keywords=keywords + ("受付",))]  # beyond the slots
    offer = JobOffer(job_number="13010-00001211", title="介護 看護 事務 営業 受付")
    columns = ConditionIndex(conditions).match_columns([offer])
    expected = [m.score for m in ReferenceMatcher(conditions).match(offer)]
    assert columns.score.tolist() == expected == [40, 40]  # base 10 + keywords 30


@pytest.mark.parametrize("slack", [0, 1024], ids=["snapshot-taken-again-at-once", "snapshot-kept"])
def test_rows_shared_by_several_conditions_fan_out_right_as_their_members_change(monkeypatch, slack):
    monkeypatch.setattr("matchers.index.SNAPSHOT_SLACK", slack)
    def nurse(n, seeker):
        return Condition(condition_id=n, seeker_id=seeker, keywords=("看護",))
    offer = JobOffer(job_number="13010-00001211", title="看護師", prefecture_code="13")
    conditions = [nurse(1, 10), nurse(2, 20), Condition(condition_id=3, seeker_id=30, prefecture_codes=("13",))]
    reference, index = ReferenceMatcher(conditions), ConditionIndex(conditions)
    steps = [("add", nurse(4, 40)),  # joins the shared row the snapshot holds
             ("remove", 1),
             ("add", Condition(condition_id=5, seeker_id=50, prefecture_codes=("13",))),  # a row becomes shared
             ("add", nurse(2, 21)),  # the same condition, another seeker
             ("add", Condition(condition_id=6, seeker_id=60, keywords=("看護師",))),  # a row the snapshot never saw
             ("add", Condition(condition_id=7, seeker_id=70, keywords=("看護師",))),  # … shared from now on
             ("remove", 3), ("remove", 4)]
    for action, value in steps:
        getattr(reference, action)(value)
        getattr(index, action)(value)
        assert _column_rows(index, [offer]) == _reference_rows(reference, [offer])
        assert index.match(offer) == reference.match(offer)


@pytest.mark.parametrize("ids", [[5, 0, 7, 2, 6, 1, 4, 3],
                                 [3, 2 ** 62 + 1, 1, 2 ** 61, 2 ** 63 - 1, 2 ** 59, 0, 2 ** 62 - 1],
                                 [3, -(2 ** 63), -1, 2 ** 40, 0, -5, 2 ** 62, 7]])
def test_the_columns_hold_every_id_whatever_its_size(ids):
    conditions = [Condition(condition_id, seeker, prefecture_codes=("13",)) for seeker, condition_id in enumerate(ids)]
    offer = JobOffer(job_number="13010-00000001", title="事務", prefecture_code="13")
    assert _column_rows(ConditionIndex(conditions), [offer]) == _reference_rows(ReferenceMatcher(conditions), [offer])


def test_sorted_columns_are_ordered_by_offer_then_condition_id():
    columns = Columns(np.array([1, 0, 1, 0], np.int32), np.array([2 ** 62, 5, -3, 2], np.int64),
                      np.array([10, 20, 30, 40], np.int64), np.array([1, 2, 3, 4], np.int32)).sorted()
    assert columns.offer.tolist() == [0, 0, 1, 1]
    assert columns.condition_id.tolist() == [2, 5, -3, 2 ** 62]
    assert columns.seeker_id.tolist() == [40, 20, 30, 10] and columns.score.tolist() == [4, 2, 3, 1]

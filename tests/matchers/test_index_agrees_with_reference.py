"""The index is only an accelerator: on any offers and conditions, and after any sequence of
additions, replacements and removals, it returns exactly what the reference returns."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matchers import Condition, ConditionIndex, ReferenceMatcher
from tests.matchers.strategies import condition_ids, condition_lists, conditions, job_offers

# Derandomized: a result must not depend on the seed of the run.
SETTINGS = settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(condition_lists(), st.lists(job_offers(), min_size=1, max_size=5))
def test_the_index_returns_what_the_reference_returns(conditions_, offers):
    reference, index = ReferenceMatcher(conditions_), ConditionIndex(conditions_)
    assert len(index) == len(reference)
    for offer in offers:
        assert index.match(offer) == reference.match(offer)
    assert index.match_many(offers) == reference.match_many(offers)


@st.composite
def changes(draw):
    """A list of ("add", condition) / ("remove", condition_id); adds may replace an id."""
    steps = []
    for _ in range(draw(st.integers(1, 60))):
        condition_id = draw(condition_ids)
        if draw(st.booleans()) or not steps:
            steps.append(("add", draw(conditions(condition_id))))
        else:
            steps.append(("remove", condition_id))
    return steps


@SETTINGS
@given(condition_lists(), changes(), st.lists(job_offers(), min_size=1, max_size=4))
def test_the_index_still_agrees_after_incremental_changes(initial, steps, offers):
    reference, index = ReferenceMatcher(initial), ConditionIndex(initial)
    for offer in offers:  # match first, so postings are merged and later changes land in buffers
        index.match(offer)
    for action, value in steps:
        getattr(reference, action)(value)
        getattr(index, action)(value)
    assert len(index) == len(reference)
    for offer in offers:
        assert index.match(offer) == reference.match(offer)


def _varied_conditions(rng, count):
    """Many distinct condition bodies cheaply: each takes a unique keyword among pool choices."""
    from tests.matchers.strategies import CONDITION_OCCUPATIONS, MUNICIPALITIES, WORDS

    return [
        Condition(
            condition_id=number,
            seeker_id=number % 7,
            keywords=(rng.choice(WORDS), f"{rng.choice(WORDS)}{number}"[: rng.randint(2, 8)]),
            keyword_mode=rng.choice(["and", "or"]),
            prefecture_codes=tuple(rng.sample(sorted(MUNICIPALITIES), rng.randint(0, 2))),
            occupation_codes=tuple(rng.sample(CONDITION_OCCUPATIONS, rng.randint(0, 2))),
            employment_forms=tuple(rng.sample([1, 2, 5, 7], rng.randint(0, 2))),
            wage_min=rng.choice([None, 1000, 200000]),
            wage_type=rng.choice(["hourly", None]),
        )
        for number in range(count)
    ]


@settings(max_examples=10, deadline=None, derandomize=True)
@given(st.integers(0, 2**32), st.lists(job_offers(), min_size=1, max_size=5), conditions(2))
def test_the_index_still_agrees_after_most_conditions_are_removed_and_rows_are_rebuilt(seed, offers, replacement):
    many = _varied_conditions(random.Random(seed), 400)
    reference, index = ReferenceMatcher(many), ConditionIndex(many)
    for condition_id in list(range(0, 400, 4)) + list(range(1, 400, 4)):
        index.remove(condition_id)
        reference.remove(condition_id)
    index.add(replacement)
    reference.add(replacement)
    assert index.distinct_bodies <= 201  # the dead rows were dropped
    for offer in offers:
        assert index.match(offer) == reference.match(offer)


@settings(max_examples=10, deadline=None, derandomize=True)
@given(st.integers(0, 2**32), st.lists(job_offers(), min_size=1, max_size=5))
def test_a_build_from_conditions_with_repeated_ids_keeps_the_last_of_each(seed, offers):
    rng = random.Random(seed)
    many = _varied_conditions(rng, 300)
    repeated = many + [Condition(condition.condition_id, 99, keywords=("営業",)) for condition in many[:200]]
    reference, index = ReferenceMatcher(repeated), ConditionIndex(repeated)
    assert len(index) == len(reference) == 300
    for offer in offers:
        assert index.match(offer) == reference.match(offer)

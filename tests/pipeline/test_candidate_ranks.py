"""Candidates are ranked in columns: the rank stored with each is ``ranking.rank_score`` of its
match, computed for all matches at once, and the best condition of a seeker wins."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from matchers import ranking
from tests.matchers.strategies import job_offers
from worker.db import session_scope
from worker.domain.models import Condition, JobOffer, RecommendationCandidate, utcnow
from worker.pipeline.condition_facts import wage_floor
from worker.pipeline.index_cache import IndexCache
from worker.pipeline.recommend import _ranks, match_pending_offers
from worker.pipeline.values import offer_value

from .conftest import DAYTIME

TODAY = date(2026, 12, 1)
wage_floors = st.tuples(st.one_of(st.none(), st.integers(-5, 600_000)),
                        st.sampled_from(["monthly", "daily", "hourly", None]))


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.tuples(job_offers(), st.one_of(st.none(), st.integers(0, 12))), min_size=1, max_size=4),
       st.lists(st.tuples(st.integers(0, 3), st.integers(0, 100), wage_floors), min_size=1, max_size=12))
def test_the_column_ranks_are_the_ranking_scores_of_each_match(offers, matches):
    values = [offer.__class__(**{**_fields(offer), "received_on": None if age is None else TODAY - timedelta(days=age)})
              for offer, age in offers]
    matches = [(position % len(values), score, floor) for position, score, floor in matches]
    positions = np.array([m[0] for m in matches], dtype=np.int32)
    scores = np.array([m[1] for m in matches], dtype=np.int32)
    floors = np.array([wage_floor(*floor) for *_, floor in matches],
                      dtype=np.int64)
    expected = [ranking.rank_score(score, values[position], wage_min=wage_min, wage_type=wage_type, today=TODAY)
                for position, score, (wage_min, wage_type) in matches]
    assert _ranks(values, positions, scores, floors, TODAY).tolist() == expected


def _fields(offer):
    return {name: getattr(offer, name) for name in offer.__dataclass_fields__}


def test_a_stored_candidate_carries_the_rank_of_the_seekers_best_condition(world, settings):
    seeker = world.seeker()
    world.condition(seeker, kind="saved")  # matches with fewer points
    best = world.condition(seeker, keywords=["介護"], wage_type="monthly", wage_min=200_000)
    offer = world.offer(title="介護職員", wage_type="monthly", wage_min=230_000, wage_max=260_000,
                        received_on=DAYTIME.date() - timedelta(days=2))
    cache = IndexCache(world.engine)
    match_pending_offers(world.engine, settings, cache, [offer], now=DAYTIME)

    with session_scope(world.engine) as session:
        [(condition_id, score)] = session.execute(
            select(RecommendationCandidate.condition_id, RecommendationCandidate.score)
            .where(RecommendationCandidate.seeker_id == seeker)).all()
        value = offer_value(session.get(JobOffer, offer))
    [match] = [m for m in cache._index.match(value) if m.condition_id == best]
    assert condition_id == best
    assert score == ranking.rank_score(match.score, value, wage_min=200_000, wage_type="monthly",
                                       today=DAYTIME.date()) and score % 100 == 15 + 35  # 30 % above: 15, 2 days old: 35



def test_the_rank_follows_a_condition_changed_after_the_index_was_loaded(world, settings):
    """The minimum wage of the rank comes from the facts kept beside the index: a refresh
    brings the changed condition's new floor with it."""
    seeker = world.seeker()
    condition = world.condition(seeker, keywords=["介護"], wage_type="monthly", wage_min=200_000)
    offer = world.offer(title="介護職員", wage_type="monthly", wage_min=230_000, wage_max=260_000,
                        received_on=DAYTIME.date() - timedelta(days=2))
    cache = IndexCache(world.engine, lag=timedelta(0))
    cache.match_many([])
    world.update(Condition, condition, wage_min=130_000, updated_at=utcnow() + timedelta(seconds=1))
    cache.refresh()

    match_pending_offers(world.engine, settings, cache, [offer], now=DAYTIME)

    with session_scope(world.engine) as session:
        [score] = session.execute(select(RecommendationCandidate.score)).scalars().all()
    assert score % 100 == 50 + 35  # 100 % above the new floor: the cap of 50; 2 days old: 35

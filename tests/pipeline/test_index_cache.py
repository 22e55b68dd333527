"""The condition index of a worker process follows the database."""

from __future__ import annotations

from datetime import timedelta

import matchers
from worker.domain.models import Condition, Seeker, utcnow
from worker.pipeline.index_cache import IndexCache


def offer(title="介護職員", prefecture="13"):
    return matchers.JobOffer(job_number="13010-00000001", title=title, prefecture_code=prefecture)


def matched_conditions(cache, job=None):
    return {m.condition_id for m in cache.match_many([job or offer()])[0]}


def test_it_holds_the_conditions_of_seekers_who_may_receive_recommendations(world):
    valid = world.condition(world.seeker())
    world.condition(world.seeker(registration="invalid"))
    world.condition(world.seeker(state="unusable"))
    cache = IndexCache(world.engine)

    assert matched_conditions(cache) == {valid}
    assert len(cache) == 1


def test_a_changed_condition_is_followed_at_the_next_refresh(world):
    seeker = world.seeker()
    condition = world.condition(seeker, prefecture_codes=["27"])
    cache = IndexCache(world.engine)
    assert matched_conditions(cache) == set()

    world.update(Condition, condition, prefecture_codes=["13"], updated_at=utcnow())
    cache.refresh()

    assert matched_conditions(cache) == {condition}


def test_a_seeker_who_turns_invalid_leaves_and_one_who_opens_joins_at_the_next_refresh(world):
    leaving, joining = world.seeker(), world.seeker(state="not_opened")
    gone, new = world.condition(leaving), world.condition(joining)
    cache = IndexCache(world.engine)
    assert matched_conditions(cache) == {gone}

    world.update(Seeker, leaving, registration_status="invalid", updated_at=utcnow())
    world.update(Seeker, joining, account_state="open", updated_at=utcnow())
    cache.refresh()

    assert matched_conditions(cache) == {new}


def test_a_refresh_is_due_after_refresh_seconds(world):
    seeker = world.seeker()
    cache = IndexCache(world.engine, refresh_s=0)
    assert matched_conditions(cache) == set()

    condition = world.condition(seeker)  # committed after the index was loaded

    assert matched_conditions(cache) == {condition}


def test_a_late_commit_inside_the_lag_window_is_still_seen(world):
    seeker = world.seeker()
    cache = IndexCache(world.engine, lag=timedelta(seconds=30))
    cache.match_many([])
    # A transaction stamped its row 20 s ago and committed only now.
    condition = world.condition(seeker, updated_at=utcnow() - timedelta(seconds=20))
    cache.refresh()

    assert matched_conditions(cache) == {condition}


def test_an_announced_condition_is_applied_at_once(world):
    seeker = world.seeker()
    cache = IndexCache(world.engine, refresh_s=3600)
    cache.match_many([])
    condition = world.condition(seeker)

    cache.apply_condition(condition)

    assert matched_conditions(cache) == {condition}

"""The day's shortlist: a match is stored unless K of the seeker's matches of the day rank
strictly above it, at most ``per_employer`` of them counted per employer."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from worker.db import session_scope
from worker.domain.models import Condition, RecommendationCandidate, utcnow
from worker.pipeline.index_cache import IndexCache
from worker.pipeline.recommend import match_pending_offers
from worker.pipeline.shortlist import Offer, Shortlist, counted_ahead, order_key

from .conftest import DAYTIME

DAY = date(2025, 6, 10)


def offers_of(employers: list[str], *, wage: int = 200_000, received_on: date = DAY) -> dict[int, Offer]:
    return {i: Offer(name, received_on, wage) for i, name in enumerate(employers)}


def admit(shortlist: Shortlist, seekers, offers, ranks, facts, day=DAY) -> list[bool]:
    return shortlist.admit(day, np.array(seekers), np.array(offers), np.array(ranks), facts).tolist()


def one_at_a_time(matches, facts, size: int, per_employer: int) -> list[bool]:
    """The rule itself, match by match in the order given: the others are every earlier match of
    the day of the same seeker, for another offer."""
    seen: dict[int, dict[int, tuple[int, str | None]]] = {}
    admitted = []
    for seeker, offer, rank in matches:
        others = [held for o, held in seen.get(seeker, {}).items() if o != offer]
        key = order_key(rank, facts[offer])
        admitted.append(counted_ahead(key, facts[offer].employer, others, per_employer) < size)
        seen.setdefault(seeker, {})[offer] = (key, facts[offer].employer)
    return admitted


def test_matches_beyond_the_days_best_k_are_left_out():
    shortlist = Shortlist(3, 2)
    facts = offers_of(["a", "b", "c", "d", "e", "f"])

    first = admit(shortlist, [1, 1, 1], [0, 1, 2], [500, 400, 300], facts)
    later = admit(shortlist, [1, 1], [3, 4], [200, 300], facts)
    last = admit(shortlist, [1], [5], [450], facts) + admit(shortlist, [1], [4], [300], facts)

    assert first == [True, True, True]
    assert later == [False, True]  # 200 has three ahead; 300 ties with one, which is not ahead of it
    assert last == [True, False]  # once 450 is in, 500, 450 and 400 are ahead of 300, even matched again


def test_the_order_key_breaks_equal_ranks_by_the_newer_offer_then_the_higher_wage():
    newer, older = Offer("a", DAY, 200_000), Offer("a", DAY - timedelta(days=1), 900_000)
    assert order_key(500, newer) > order_key(500, older)
    assert order_key(500, Offer("a", DAY, 300_000)) > order_key(500, newer)
    assert order_key(500, Offer("a", None, 900_000)) < order_key(500, older)  # an undated offer last
    assert order_key(501, Offer("a", None, None)) > order_key(500, newer)  # the rank first


def test_beyond_the_employer_cap_one_employers_offers_do_not_crowd_out_another_employer():
    facts = offers_of(["chain", "chain", "chain", "chain", "other"])
    ranks = [900, 800, 700, 600, 100]

    # Four of the chain rank above "other", but the round takes two a day from one employer:
    # only two of them are counted ahead of anything.
    assert admit(Shortlist(3, 2), [1] * 5, [0, 1, 2, 3, 4], ranks, facts) == [True] * 5
    assert admit(Shortlist(2, 2), [1] * 5, [0, 1, 2, 3, 4], ranks, facts) == [True, True, False, False, False]


def test_offers_without_an_employer_name_count_as_one_employer_as_in_the_round():
    facts = {0: Offer(None, DAY, 1), 1: Offer("", DAY, 1), 2: Offer(None, DAY, 1), 3: Offer("x", DAY, 1)}
    assert admit(Shortlist(2, 2), [1] * 4, [0, 1, 2, 3], [900, 800, 700, 100], facts) == [True, True, False, False]
    assert admit(Shortlist(2, 1), [1] * 4, [0, 1, 2, 3], [900, 800, 700, 100], facts) == [True, True, True, True]


def test_seekers_are_shortlisted_each_on_their_own():
    facts = offers_of(["a", "b", "c"])
    assert admit(Shortlist(1, 2), [1, 2, 1, 2], [0, 0, 1, 1], [100, 100, 200, 50], facts) == [False, True, True, False]


def test_a_match_held_again_is_admitted_again():
    """A batch that rolled back, or ran twice, finds its matches in the shortlist."""
    shortlist = Shortlist(1, 2)
    facts = offers_of(["a", "b"])
    assert admit(shortlist, [1], [0], [100], facts) == [True]
    assert admit(shortlist, [1, 1], [0, 1], [100, 50], facts) == [True, False]


def test_a_match_given_again_at_a_lower_rank_counts_at_its_rank_of_now():
    """Its batch rolled back, and the retry ranks it lower (the condition changed meanwhile)."""
    shortlist = Shortlist(2, 2)
    facts = offers_of(["a", "b", "c"])
    admit(shortlist, [1, 1], [0, 1], [500, 450], facts)

    assert admit(shortlist, [1], [0], [300], facts) == [True]  # only 450 is ahead of it now
    assert admit(shortlist, [1], [2], [440], facts) == [True]  # 450 ahead; 300 behind


def test_a_new_day_starts_empty_and_a_late_batch_of_the_day_before_keeps_everything():
    shortlist = Shortlist(1, 2)
    facts = offers_of(["a", "b", "c"])
    admit(shortlist, [1], [0], [900], facts)

    assert admit(shortlist, [1], [1], [100], facts, day=DAY + timedelta(days=1)) == [True]
    assert admit(shortlist, [1], [2], [50], facts, day=DAY) == [True]
    assert admit(shortlist, [1], [2], [50], facts, day=DAY + timedelta(days=1)) == [False]


def test_a_forgotten_seeker_starts_the_day_afresh():
    shortlist = Shortlist(1, 2)
    facts = offers_of(["a", "b", "c"])
    admit(shortlist, [1, 2], [0, 0], [900, 900], facts)

    shortlist.forget(1)
    shortlist.forget(99)  # never seen: nothing to forget

    assert admit(shortlist, [1, 2], [1, 1], [100, 100], facts) == [True, False]


def test_a_shortlist_keeps_at_least_one_match_and_one_per_employer():
    with pytest.raises(ValueError):
        Shortlist(0, 2)
    with pytest.raises(ValueError):
        Shortlist(3, 0)


batches = st.lists(st.lists(st.tuples(st.integers(1, 3), st.integers(0, 11), st.integers(0, 6)), max_size=12),
                   min_size=1, max_size=6)


@given(batches=batches, size=st.integers(1, 4), per_employer=st.integers(1, 3),
       employers=st.lists(st.sampled_from(["a", "b", "c", None]), min_size=12, max_size=12),
       wages=st.lists(st.sampled_from([None, 150_000, 200_000]), min_size=12, max_size=12))
def test_batches_admit_exactly_what_the_rule_admits_one_match_at_a_time(batches, size, per_employer, employers, wages):
    facts = {i: Offer(employers[i], DAY, wages[i]) for i in range(12)}
    rank_of = {}  # one rank per (seeker, offer), as a retried batch computes it again
    shortlist, admitted, seen = Shortlist(size, per_employer), [], []
    for batch in batches:
        pairs = list({(s, o): rank_of.setdefault((s, o), r * 100) for s, o, r in batch}.items())
        if not pairs:
            continue
        kept = admit(shortlist, [s for (s, _), _ in pairs], [o for (_, o), _ in pairs], [r for _, r in pairs], facts)
        # A batch's matches are taken best first.
        best_first = sorted(range(len(pairs)), key=lambda i: -order_key(pairs[i][1], facts[pairs[i][0][1]]))
        admitted += [kept[i] for i in best_first]
        seen += [(*pairs[i][0], pairs[i][1]) for i in best_first]
    assert admitted == one_at_a_time(seen, facts, size, per_employer)


@given(matches=st.dictionaries(st.tuples(st.integers(1, 3), st.integers(0, 11)), st.integers(0, 6), max_size=30),
       order=st.randoms(use_true_random=False), size=st.integers(1, 4), per_employer=st.integers(1, 3),
       employers=st.lists(st.sampled_from(["a", "b", "c"]), min_size=12, max_size=12))
def test_in_any_order_the_days_best_k_of_every_seeker_are_stored(matches, order, size, per_employer, employers):
    facts = offers_of(employers)
    pairs = list(matches.items())
    order.shuffle(pairs)
    shortlist = Shortlist(size, per_employer)
    stored = set()
    for start in range(0, len(pairs), 4):
        part = pairs[start:start + 4]
        kept = admit(shortlist, [s for (s, _), _ in part], [o for (_, o), _ in part], [r for _, r in part], facts)
        stored |= {pair for (pair, _), keep in zip(part, kept) if keep}
    for (seeker, offer), rank in matches.items():
        others = [(order_key(r, facts[o]), employers[o]) for (s, o), r in matches.items() if s == seeker and o != offer]
        if counted_ahead(order_key(rank, facts[offer]), employers[offer], others, per_employer) < size:
            assert (seeker, offer) in stored


def stored_offers(world, seeker: int) -> set[int]:
    with session_scope(world.engine) as session:
        return set(session.execute(select(RecommendationCandidate.job_offer_id)
                                   .where(RecommendationCandidate.seeker_id == seeker)).scalars())


def test_matching_stores_a_seekers_best_matches_of_the_day_and_counts_the_rest_left_out(world, settings):
    settings = settings.model_copy(update={"candidates_per_day": 2})
    seeker = world.seeker()
    world.condition(seeker, keywords=["介護"], wage_min=150_000)
    best = [world.offer(title="介護職員", wage_min=400_000), world.offer(title="介護職員", wage_min=350_000)]
    worse = [world.offer(title="介護職員", wage_min=160_000), world.offer(title="介護職員", wage_min=170_000)]
    shortlist = Shortlist.from_settings(settings)

    first = match_pending_offers(world.engine, settings, IndexCache(world.engine), best, now=DAYTIME,
                                 shortlist=shortlist)
    later = match_pending_offers(world.engine, settings, IndexCache(world.engine), worse, now=DAYTIME,
                                 shortlist=shortlist)

    assert stored_offers(world, seeker) == set(best)
    assert (first.candidates, first.left_out, later.candidates, later.left_out) == (2, 0, 0, 2)


def test_a_condition_change_found_by_the_index_refresh_starts_the_seeker_afresh(world, settings):
    """The announcement went to another process; this one learns of the change at its refresh."""
    settings = settings.model_copy(update={"candidates_per_day": 1})
    seeker = world.seeker()
    condition = world.condition(seeker, keywords=["介護"], wage_min=150_000)
    better, worse = world.offer(title="介護職員", wage_min=400_000), world.offer(title="介護職員", wage_min=160_000)
    worst = world.offer(title="介護職員", wage_min=156_000)
    shortlist, cache = Shortlist.from_settings(settings), IndexCache(world.engine, refresh_s=3600)
    match_pending_offers(world.engine, settings, cache, [better], now=DAYTIME, shortlist=shortlist)

    world.update(Condition, condition, wage_min=155_000, updated_at=utcnow())  # still matches all three
    cache.refresh()
    match_pending_offers(world.engine, settings, cache, [worse], now=DAYTIME, shortlist=shortlist)
    match_pending_offers(world.engine, settings, cache, [worst], now=DAYTIME, shortlist=shortlist)

    assert stored_offers(world, seeker) == {better, worse}  # afresh once: then "worse" is ahead of "worst"


def test_the_changed_seekers_are_taken_by_every_batch_even_without_a_shortlist(world, settings):
    """Otherwise the index would keep every seeker ever changed, for the process's life."""
    settings = settings.model_copy(update={"candidates_per_day": 0})
    seeker = world.seeker()
    condition = world.condition(seeker, keywords=["介護"])
    cache = IndexCache(world.engine, refresh_s=3600)
    cache.match_many([])
    world.update(Condition, condition, wage_min=155_000, updated_at=utcnow())
    cache.refresh()

    match_pending_offers(world.engine, settings, cache, [world.offer(title="介護職員")], now=DAYTIME)

    assert cache.take_changed_seekers() == set()


def test_without_a_process_shortlist_the_batch_still_keeps_only_its_best(world, settings):
    settings = settings.model_copy(update={"candidates_per_day": 1})
    seeker = world.seeker()
    world.condition(seeker, keywords=["介護"], wage_min=150_000)
    offers = [world.offer(title="介護職員", wage_min=160_000), world.offer(title="介護職員", wage_min=400_000)]

    match_pending_offers(world.engine, settings, IndexCache(world.engine), offers, now=DAYTIME)

    assert stored_offers(world, seeker) == {offers[1]}  # a batch's matches are taken best first


def test_with_candidates_per_day_zero_every_match_is_stored(world, settings):
    settings = settings.model_copy(update={"candidates_per_day": 0})
    seeker = world.seeker()
    world.condition(seeker, keywords=["介護"])
    offers = [world.offer(title="介護職員") for _ in range(35)]

    report = match_pending_offers(world.engine, settings, IndexCache(world.engine), offers, now=DAYTIME)

    assert len(stored_offers(world, seeker)) == 35 and report.left_out == 0


def test_a_saved_search_hears_of_a_new_offer_the_shortlist_left_out(world, settings):
    settings = settings.model_copy(update={"candidates_per_day": 1})
    seeker = world.seeker()
    search = world.condition(seeker, kind="saved", notify=True, keywords=["介護"], wage_min=150_000)
    offers = [world.offer(title="介護職員", wage_min=400_000), world.offer(title="介護職員", wage_min=160_000)]

    report = match_pending_offers(world.engine, settings, IndexCache(world.engine), offers, now=DAYTIME)

    assert report.left_out == 1 and stored_offers(world, seeker) == {offers[0]}
    assert {(s, o) for s, o, *_ in world.saved_search_hits()} == {(search, offers[0]), (search, offers[1])}

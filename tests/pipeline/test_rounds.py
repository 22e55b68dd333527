"""Recommendation rounds: the best few candidates a day per seeker, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from worker.db import session_scope
from worker.domain.models import Condition, InboxItem, JobOffer, RecommendationCandidate, Seeker
from worker.pipeline.batch import recommendation_batch
from worker.pipeline.index_cache import IndexCache
from worker.pipeline.periodic import SAVED_SEARCH_HIT_DAYS, prune_recommendations
from worker.pipeline.recommend import match_pending_offers
from worker.pipeline.rounds import run_round

from .conftest import DAYTIME


def collect(world, settings, offer_ids, *, now=DAYTIME):
    return match_pending_offers(world.engine, settings, IndexCache(world.engine), offer_ids, now=now)


def round_at(world, settings, now=DAYTIME, **kwargs):
    with session_scope(world.engine) as session:
        return run_round(session, settings, now=now, **kwargs)


def candidates(world):
    with session_scope(world.engine) as session:
        return list(session.execute(select(RecommendationCandidate)
                                    .order_by(RecommendationCandidate.seeker_id,
                                              RecommendationCandidate.job_offer_id)).scalars())


def inbox_offers(world, seeker):
    return [item.job_offer_id for item in world.inbox(seeker)]


def small_budget(settings, per_day=2, per_employer=2):
    return settings.model_copy(update={"recommendations_per_day": per_day,
                                       "recommendations_per_employer": per_employer})


def test_matching_collects_candidates_and_leaves_the_inbox_to_the_round(world, settings):
    seeker = world.seeker()
    condition = world.condition(seeker)
    offer = world.offer()

    report = collect(world, settings, [offer])

    [candidate] = candidates(world)
    assert (candidate.seeker_id, candidate.job_offer_id, candidate.condition_id) == (seeker, offer, condition)
    assert candidate.chosen_at is None and report.candidates == 1
    assert world.inbox() == [] and world.outbox() == []


def test_a_round_chooses_the_best_candidates_first_within_the_daily_budget(world, settings):
    settings = small_budget(settings, per_day=2)
    seeker = world.seeker()
    world.condition(seeker, keywords=["介護"])
    in_description = world.offer(title="スタッフ", description="介護のお仕事です")
    in_title = world.offer(title="介護職員")
    in_both = world.offer(title="介護職員", description="介護施設での介護業務")
    collect(world, settings, [in_description, in_title, in_both])

    report = round_at(world, settings)

    assert inbox_offers(world, seeker) == sorted([in_title, in_both])
    assert report.inbox_items == 2 and report.seekers == {seeker}
    assert all(item.reasons for item in world.inbox(seeker))
    [digest] = world.outbox("recommendations")
    assert digest.context["more_count"] == 1


def test_a_round_in_many_parts_gives_every_item_its_reasons_and_ids_best_first(world, settings, monkeypatch):
    """PostgreSQL explains one part of the chosen pairs while it inserts the one before: in parts
    of one or two pairs, every item still has its reasons, each seeker's ids ascend best first,
    and every chosen candidate is marked."""
    from worker.pipeline import rounds

    monkeypatch.setattr(rounds, "ROUND_PARTS", 5)
    seekers = [world.seeker() for _ in range(3)]
    for s in seekers:
        world.condition(s, keywords=["介護"])
    in_description = world.offer(title="スタッフ", description="介護のお仕事です")
    in_title = world.offer(title="介護職員")
    collect(world, settings, [in_description, in_title])

    report = round_at(world, settings)

    assert report.inbox_items == 6
    for s in seekers:
        items = world.inbox(s)
        assert [i.job_offer_id for i in sorted(items, key=lambda i: i.id)] == [in_title, in_description]
        assert all(i.reasons for i in items)
    assert all(c.chosen_at is not None for c in candidates(world))


def test_equal_scores_go_to_the_newer_offer_then_the_higher_wage_then_the_job_number(world, settings):
    settings = small_budget(settings, per_day=2, per_employer=5)
    seeker = world.seeker()
    world.condition(seeker)
    older = world.offer(received_on=date(2025, 6, 9), wage_type="monthly", wage_min=300_000)
    newer_low = world.offer(received_on=date(2025, 6, 10), wage_type="monthly", wage_min=200_000)
    newer_high = world.offer(received_on=date(2025, 6, 10), wage_type="hourly", wage_min=1_500)  # 240,000 a month
    for offer in (older, newer_low, newer_high):
        world.update(JobOffer, offer, employer_name="同じ事業所")
    # The same ranking score for all three: no freshness or wage points in this comparison.
    collect(world, settings, [older, newer_low, newer_high])
    with world.engine.begin() as conn:
        conn.execute(RecommendationCandidate.__table__.update().values(score=500))

    round_at(world, settings)

    assert inbox_offers(world, seeker) == [newer_high, newer_low]  # items are inserted best first
    with world.engine.begin() as conn:
        conn.execute(RecommendationCandidate.__table__.update().values(chosen_at=None))
        conn.execute(InboxItem.__table__.delete())
        conn.execute(JobOffer.__table__.update().values(received_on=date(2025, 6, 10), wage_min=200_000,
                                                        wage_type="monthly"))
    round_at(world, settings.model_copy(update={"recommendations_per_day": 1}), now=DAYTIME + timedelta(days=1))
    assert inbox_offers(world, seeker) == [older]  # all equal: the lowest job number


def test_no_more_than_the_employer_cap_comes_from_one_employer_in_a_day_and_those_are_its_best(world, settings):
    settings = small_budget(settings, per_day=10, per_employer=2)
    seeker = world.seeker()
    world.condition(seeker, keywords=["介護"])
    weak = [world.offer(title="スタッフ", description="介護") for _ in range(2)]  # the lower job numbers
    best, good = world.offer(title="介護職員", description="介護"), world.offer(title="介護職員")
    other = world.offer(title="スタッフ", description="介護")
    for offer in (*weak, best, good):
        world.update(JobOffer, offer, employer_name="株式会社同じ")
    collect(world, settings, [*weak, best, good, other])

    round_at(world, settings)
    round_at(world, settings, now=DAYTIME + timedelta(hours=1))  # a later round the same day adds none of them

    assert sorted(inbox_offers(world, seeker)) == sorted([best, good, other])


def test_a_candidate_not_chosen_today_is_chosen_on_a_later_day(world, settings):
    settings = small_budget(settings, per_day=1)
    seeker = world.seeker()
    world.condition(seeker)
    first, second = world.offer(), world.offer()
    collect(world, settings, [first, second])

    round_at(world, settings)
    round_at(world, settings, now=DAYTIME + timedelta(hours=5))
    assert len(world.inbox(seeker)) == 1

    round_at(world, settings, now=DAYTIME + timedelta(days=1))

    assert sorted(inbox_offers(world, seeker)) == sorted([first, second])
    assert len(world.outbox("recommendations")) == 2  # one digest each day


def test_a_candidate_older_than_the_candidate_days_is_no_longer_chosen(world, settings):
    settings = small_budget(settings, per_day=1)
    seeker = world.seeker()
    world.condition(seeker)
    collect(world, settings, [world.offer(), world.offer()])
    round_at(world, settings)

    round_at(world, settings, now=DAYTIME + timedelta(days=settings.candidate_days, minutes=1))

    assert len(world.inbox(seeker)) == 1


def test_a_candidate_whose_offer_closed_is_not_chosen(world, settings):
    seeker = world.seeker()
    world.condition(seeker)
    withdrawn, past_deadline, open_offer = world.offer(), world.offer(), world.offer()
    collect(world, settings, [withdrawn, past_deadline, open_offer])
    world.update(JobOffer, withdrawn, matching_status="withdrawn")
    world.update(JobOffer, past_deadline, referral_deadline=date(2025, 6, 9))

    round_at(world, settings)

    assert inbox_offers(world, seeker) == [open_offer]


@pytest.mark.parametrize("change", [{"registration_status": "invalid"}, {"account_state": "unusable"}])
def test_invalid_and_unusable_seekers_get_nothing_from_a_round(world, settings, change):
    seeker, other = world.seeker(), world.seeker()
    for s in (seeker, other):
        world.condition(s)
    collect(world, settings, [world.offer()])
    world.update(Seeker, seeker, **change)

    round_at(world, settings)

    assert world.inbox(seeker) == [] and len(world.inbox(other)) == 1
    assert [m.seeker_id for m in world.outbox("recommendations")] == [other]


def test_a_round_run_twice_adds_nothing_the_second_time(world, settings):
    seekers = [world.seeker() for _ in range(3)]
    for s in seekers:
        world.condition(s)
    collect(world, settings, [world.offer() for _ in range(4)])

    first = round_at(world, settings)
    again = round_at(world, settings)

    assert first.inbox_items == 12 and again.inbox_items == 0 and again.chosen == 0
    assert len(world.inbox()) == 12 and len(world.outbox("recommendations")) == 3


def test_a_round_that_crashes_midway_leaves_nothing_and_the_next_one_does_it_all(world, settings, monkeypatch):
    settings = small_budget(settings, per_day=2)
    seeker = world.seeker()
    world.condition(seeker)
    collect(world, settings, [world.offer() for _ in range(3)])

    from worker.pipeline import rounds

    def broken(*args, **kwargs):
        raise RuntimeError("the worker died while queueing the digests")

    monkeypatch.setattr(rounds.digest, "queue_recommendation_digests", broken)
    with pytest.raises(RuntimeError):
        round_at(world, settings)
    assert world.inbox() == [] and all(c.chosen_at is None for c in candidates(world))
    monkeypatch.undo()

    round_at(world, settings)
    round_at(world, settings)

    assert len(world.inbox(seeker)) == 2 and len(world.outbox("recommendations")) == 1


def test_a_chosen_pair_whose_inbox_item_exists_is_skipped_and_the_others_go_in(world, settings):
    """A candidate made again after its pair was recommended (pruned, then a staff batch) meets
    its own item's key: that pair gets no second item, the rest of the round goes in
    (PostgreSQL: the plain INSERT fails on the key and the insert-or-ignore runs instead)."""
    seeker = world.seeker()
    world.condition(seeker)
    old, new = world.offer(), world.offer()
    collect(world, settings, [old, new])
    with session_scope(world.engine) as session:
        session.add(InboxItem(seeker_id=seeker, kind="recommendation", dedupe_key=f"recommendation:{seeker}:{old}",
                              job_offer_id=old, title="earlier", created_at=DAYTIME - timedelta(days=10)))

    report = round_at(world, settings)

    assert (report.chosen, report.inbox_items) == (2, 1)
    assert sorted(inbox_offers(world, seeker)) == sorted([old, new])
    assert [i.title for i in world.inbox(seeker) if i.job_offer_id == old] == ["earlier"]
    assert all(c.chosen_at is not None for c in candidates(world))


def test_a_chosen_candidate_whose_condition_no_longer_matches_is_dropped(world, settings):
    seeker = world.seeker()
    condition = world.condition(seeker)
    collect(world, settings, [world.offer(prefecture="13")])
    world.update(Condition, condition, prefecture_codes=["27"])

    report = round_at(world, settings)

    assert report.dropped == 1 and world.inbox() == [] and candidates(world) == []


def test_upkeep_removes_old_and_closed_recommendations_and_expired_candidates(world, settings):
    seeker = world.seeker()
    world.condition(seeker)
    kept, closed, old = world.offer(), world.offer(), world.offer()
    collect(world, settings, [kept, closed, old])
    round_at(world, settings)
    world.update(JobOffer, closed, matching_status="withdrawn")
    with world.engine.begin() as conn:
        conn.execute(InboxItem.__table__.update().where(InboxItem.job_offer_id == old)
                     .values(created_at=DAYTIME - timedelta(days=settings.inbox_days + 1)))
    later = DAYTIME + timedelta(days=1)

    deleted = prune_recommendations(world.engine, settings, now=later, batch=1)

    assert inbox_offers(world, seeker) == [kept]
    assert {c.job_offer_id for c in candidates(world)} == {kept, old}
    assert deleted == 2 + 1
    prune_recommendations(world.engine, settings, now=DAYTIME + timedelta(days=settings.candidate_days, hours=1))
    # Chosen ones stay while their offer is open (the record that the pair was recommended).
    assert {c.job_offer_id for c in candidates(world)} == {kept, old}


def test_upkeep_prunes_saved_search_hits_after_their_days(world, settings):
    seeker = world.seeker()
    search = world.condition(seeker, kind="saved", notify=True, keywords=["介護"])
    collect(world, settings, [world.offer(title="介護職員")])
    later = DAYTIME + timedelta(days=SAVED_SEARCH_HIT_DAYS)

    prune_recommendations(world.engine, settings, now=later)
    assert [hit[0] for hit in world.saved_search_hits()] == [search]  # its day is exactly a week ago
    prune_recommendations(world.engine, settings, now=later + timedelta(days=1))
    assert world.saved_search_hits() == []


def test_upkeep_prunes_unchosen_candidates_after_their_days(world, settings):
    settings = small_budget(settings, per_day=1)
    seeker = world.seeker()
    world.condition(seeker)
    chosen, waiting = world.offer(), world.offer()
    collect(world, settings, [chosen, waiting])
    round_at(world, settings)

    prune_recommendations(world.engine, settings, now=DAYTIME + timedelta(days=settings.candidate_days, hours=1))

    assert [c.job_offer_id for c in candidates(world)] == [chosen]


def test_an_offer_is_not_recommended_again_after_its_inbox_item_expired(world, settings):
    seeker = world.seeker()
    world.condition(seeker)
    offer = world.offer()
    collect(world, settings, [offer])
    round_at(world, settings)
    later = DAYTIME + timedelta(days=settings.inbox_days + 1)
    prune_recommendations(world.engine, settings, now=later)
    assert world.inbox(seeker) == []

    recommendation_batch(world.engine, settings, [offer], now=later)  # staff: every offer since a date

    assert world.inbox(seeker) == []


def test_a_saved_search_hears_of_an_offer_once_even_when_a_staff_batch_goes_over_it_after_its_hit_was_pruned(
        world, settings):
    """The saved search's mail lists an offer new to it: a staff batch over every offer since a
    date, run after the upkeep pruned the search's hit of that offer (a week), must not mail the
    offer again while the pair's chosen candidate still records that it was matched."""
    seeker = world.seeker()
    world.condition(seeker, kind="saved", notify=True, keywords=["介護"])
    offer = world.offer(title="介護職員")
    collect(world, settings, [offer])
    round_at(world, settings)  # chosen: the candidate stays while the offer is open
    later = DAYTIME + timedelta(days=SAVED_SEARCH_HIT_DAYS + 1)
    prune_recommendations(world.engine, settings, now=later)
    assert world.saved_search_hits() == [] and [c.job_offer_id for c in candidates(world)] == [offer]

    recommendation_batch(world.engine, settings, [offer], now=later)  # staff: every offer since a date

    assert len(world.outbox("saved-search-new-jobs")) == 1


def test_upkeep_keeps_todays_chosen_candidates_so_the_budget_holds(world, settings):
    settings = small_budget(settings, per_day=1)
    seeker = world.seeker()
    world.condition(seeker)
    collect(world, settings, [world.offer(), world.offer()],
            now=DAYTIME - timedelta(days=settings.candidate_days, minutes=20))
    late = DAYTIME - timedelta(minutes=30)
    round_at(world, settings, now=late)

    prune_recommendations(world.engine, settings, now=DAYTIME)
    with world.engine.connect() as conn:
        left = conn.execute(select(func.count()).select_from(RecommendationCandidate)).scalar_one()

    assert left == 1  # the chosen one stays today; the unchosen expired one went


@pytest.mark.postgres
def test_two_rounds_at_once_keep_the_budget_on_postgresql(world, settings):
    if world.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer: rounds cannot overlap")
    import threading

    from sqlmodel import Session

    settings = small_budget(settings, per_day=2, per_employer=5)
    seeker = world.seeker()
    world.condition(seeker, keywords=["介護"])
    collect(world, settings, [world.offer(title="スタッフ", description="介護") for _ in range(2)])
    first = Session(world.engine)
    run_round(first, settings, now=DAYTIME)  # chose both, not committed yet
    # Meanwhile better offers arrive (a staff batch), and a second round starts.
    collect(world, settings, [world.offer(title="介護職員") for _ in range(2)])
    second = threading.Thread(target=round_at, args=(world, settings))
    second.start()
    second.join(timeout=1.0)
    first.commit()
    first.close()
    second.join(timeout=30)

    assert len(world.inbox(seeker)) == 2


def five_seekers_and_one_pass(world, settings):
    """Five seekers with candidates for four offers and a budget of two, and the (seeker, offer)
    pairs one pass over every seeker would choose (nothing written)."""
    from worker.pipeline.choosing import choose
    from worker.pipeline.rounds import day_start

    settings = small_budget(settings, per_day=2)
    seekers = [world.seeker() for _ in range(5)]
    for s in seekers:
        world.condition(s)
    collect(world, settings, [world.offer() for _ in range(4)])
    with session_scope(world.engine) as session:
        expected = sorted((p.seeker_id, p.job_offer_id)
                          for p in choose(session, settings, now=DAYTIME, since=day_start(DAYTIME, settings)))
    return settings, seekers, expected


def test_a_round_in_windows_of_seekers_chooses_what_one_pass_chooses(world, settings):
    from worker.pipeline.rounds import round_now

    settings, seekers, expected = five_seekers_and_one_pass(world, settings)

    report = round_now(world.engine, settings.model_copy(update={"round_seekers": 2}), now=DAYTIME)

    assert sorted((i.seeker_id, i.job_offer_id) for i in world.inbox()) == expected
    assert report.inbox_items == 10 and report.seekers == set(seekers) and report.mails_queued == 5


def test_a_window_chooses_for_its_own_seekers_only(world, settings):
    first, second = world.seeker(), world.seeker()
    for s in (first, second):
        world.condition(s)
    collect(world, settings, [world.offer()])

    report = round_at(world, settings, seekers=range(second, second + 1))

    assert report.seekers == {second} and inbox_offers(world, first) == []


def test_a_round_that_dies_in_a_window_keeps_the_windows_done_and_the_next_round_does_the_rest(
        world, settings, monkeypatch):
    from worker.pipeline import rounds

    seekers = [world.seeker() for _ in range(3)]
    for s in seekers:
        world.condition(s)
    collect(world, settings, [world.offer()])
    windowed = settings.model_copy(update={"round_seekers": 1})
    real = rounds.digest.queue_recommendation_digests

    def dies_for_the_last(session, settings, items, *args, **kwargs):
        if seekers[-1] in items:
            raise RuntimeError("the worker died in the last window")
        return real(session, settings, items, *args, **kwargs)

    monkeypatch.setattr(rounds.digest, "queue_recommendation_digests", dies_for_the_last)
    with pytest.raises(RuntimeError):
        rounds.round_now(world.engine, windowed, now=DAYTIME)
    assert sorted(i.seeker_id for i in world.inbox()) == seekers[:-1]
    monkeypatch.undo()

    again = rounds.round_now(world.engine, windowed, now=DAYTIME)

    assert again.seekers == {seekers[-1]} and sorted(i.seeker_id for i in world.inbox()) == seekers


def test_upkeep_drops_the_shards_claims_on_offers_matched_over_a_day_ago_and_keeps_the_rest(world, settings):
    from worker.domain.models import OfferShardMatch

    matched, pending, fresh = world.offer(), world.offer(), world.offer()
    world.update(JobOffer, matched, matching_status="matched")
    world.update(JobOffer, fresh, matching_status="matched")
    with world.engine.begin() as conn:
        conn.execute(OfferShardMatch.__table__.insert(), [
            {"job_offer_id": matched, "shard": 0, "matched_at": DAYTIME - timedelta(days=2)},
            {"job_offer_id": matched, "shard": 1, "matched_at": DAYTIME - timedelta(days=2)},
            {"job_offer_id": pending, "shard": 0, "matched_at": DAYTIME - timedelta(days=2)},
            {"job_offer_id": fresh, "shard": 0, "matched_at": DAYTIME - timedelta(hours=1)}])

    deleted = prune_recommendations(world.engine, settings, now=DAYTIME, batch=1)

    with world.engine.connect() as conn:
        left = conn.execute(select(OfferShardMatch.job_offer_id).order_by(OfferShardMatch.job_offer_id)).scalars()
        assert list(left) == sorted([pending, fresh]) and deleted == 2

"""A new job offer → おすすめ求人 inbox items and mails, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

from worker.db import session_scope
from worker.domain.models import JobOffer, MailStatus, OutboxMail, RecommendationCandidate, SavedSearchHit, Seeker
from worker.mail.registry import MAILS
from worker.mail.rows import ConnectionRows
from worker.pipeline.batch import recommendation_batch
from worker.pipeline.index_cache import IndexCache
from worker.pipeline.recommend import match_pending_offers
from worker.pipeline.rounds import run_round

from .conftest import DAYTIME


def recommend(world, settings, offer_ids, *, cache=None, now=DAYTIME):
    """Collect the offers' candidates as the matching actor does, then run a round as the
    scheduler does; the report has the candidates and the round's inbox items and mails."""
    if cache is None:  # not `cache or …`: an empty IndexCache is falsy, and the stale one is the point
        cache = IndexCache(world.engine)
    report = match_pending_offers(world.engine, settings, cache, offer_ids, now=now)
    with session_scope(world.engine) as session:
        chosen = run_round(session, settings, now=now)
    report.inbox_items, report.mails_queued = chosen.inbox_items, chosen.mails_queued
    report.seekers = chosen.seekers
    report.mails_due_now = report.mails_due_now or chosen.mails_due_now
    return report


def test_a_new_offer_becomes_one_inbox_item_per_seeker_carrying_the_best_match(world, settings):
    seeker = world.seeker()
    plain = world.condition(seeker)
    better = world.condition(seeker, kind="saved", keywords=["介護"])
    offer = world.offer(title="介護職員")

    report = recommend(world, settings, [offer])

    [item] = world.inbox(seeker)
    assert (item.kind, item.job_offer_id, item.dedupe_key) == ("recommendation", offer, f"recommendation:{seeker}:{offer}")
    assert item.condition_id == better and better != plain
    assert item.reasons and any("介護" in reason for reason in item.reasons) and item.score > 0
    assert world.get(JobOffer, offer).matching_status == "matched"
    assert (report.offers, report.inbox_items, report.seekers) == (1, 1, {seeker})


def test_matching_the_same_offer_again_changes_nothing(world, settings):
    seeker = world.seeker()
    world.condition(seeker)
    offer = world.offer()
    recommend(world, settings, [offer])
    world.update(JobOffer, offer, matching_status="pending")  # as if a second worker got the hint

    again = recommend(world, settings, [offer])

    assert again.inbox_items == 0 and again.mails_queued == 0
    assert len(world.inbox()) == 1 and len(world.outbox()) == 1


def test_only_seekers_who_may_receive_recommendations_get_them(world, settings):
    reached = {world.seeker(state="open"), world.seeker(state="restricted")}
    left_out = {world.seeker(state="unusable"), world.seeker(state="not_opened"), world.seeker(state="withdrawn"),
                world.seeker(registration="invalid")}
    for seeker in reached | left_out:
        world.condition(seeker)

    recommend(world, settings, [world.offer()])

    assert {item.seeker_id for item in world.inbox()} == reached


def test_a_seeker_whose_registration_turns_invalid_mid_batch_gets_nothing_more(world, settings):
    seeker, other = world.seeker(), world.seeker()
    for s in (seeker, other):
        world.condition(s)
    first, second = world.offer(), world.offer()
    cache = IndexCache(world.engine)  # loaded while both seekers were valid, and never refreshed
    cache.refresh_s = 3600
    recommend(world, settings, [first], cache=cache)
    world.update(Seeker, seeker, registration_status="invalid")

    recommend(world, settings, [second], cache=cache, now=DAYTIME + timedelta(minutes=1))

    assert [item.job_offer_id for item in world.inbox(seeker)] == [first]
    assert [item.job_offer_id for item in world.inbox(other)] == [first, second]
    [digest] = [m for m in world.outbox("recommendations") if m.seeker_id == seeker]
    assert len(digest.context["inbox_item_ids"]) == 1


def test_a_condition_deleted_after_the_index_was_loaded_recommends_nothing(world, settings):
    seeker = world.seeker()
    condition = world.condition(seeker)
    cache = IndexCache(world.engine)
    cache.match_many([])
    cache.refresh_s = 3600
    with world.engine.begin() as conn:
        conn.execute(OutboxMail.__table__.delete())
        conn.exec_driver_sql(f"DELETE FROM condition WHERE id = {condition}")

    recommend(world, settings, [world.offer()], cache=cache)

    assert world.inbox() == []


def test_the_offers_of_a_batch_reach_a_seeker_in_one_digest(world, settings):
    seeker = world.seeker()
    world.condition(seeker)
    offers = [world.offer() for _ in range(3)]
    cache = IndexCache(world.engine)

    recommend(world, settings, offers[:1], cache=cache)
    recommend(world, settings, offers[1:], cache=cache, now=DAYTIME + timedelta(minutes=1))

    [digest] = world.outbox("recommendations")
    items = world.inbox(seeker)
    assert digest.dedupe_key == f"recommend-digest:{seeker}:2025-06-10"
    assert digest.context == {"seeker_id": seeker, "inbox_item_ids": [i.id for i in items], "more_count": 0}
    assert digest.recipient == world.get(Seeker, seeker).email
    assert all(item.mailed_at is not None for item in items)


def test_a_new_digest_waits_the_digest_delay_for_more_offers(world, settings):
    settings = settings.model_copy(update={"digest_delay_s": 300})
    seeker = world.seeker()
    world.condition(seeker)

    report = recommend(world, settings, [world.offer()])

    [digest] = world.outbox("recommendations")
    assert digest.next_attempt_at == DAYTIME + timedelta(seconds=300)
    assert not report.mails_due_now


def test_after_the_days_digest_was_claimed_new_items_wait_for_the_next_day(world, settings):
    seeker = world.seeker()
    world.condition(seeker)
    cache = IndexCache(world.engine)
    recommend(world, settings, [world.offer()], cache=cache)
    [digest] = world.outbox()
    world.update(OutboxMail, digest.id, status=MailStatus.SENT.value)

    late = recommend(world, settings, [world.offer()], cache=cache, now=DAYTIME + timedelta(hours=3))

    assert late.inbox_items == 1 and late.mails_queued == 0
    assert len(world.outbox("recommendations")) == 1
    assert world.inbox(seeker)[-1].mailed_at is None  # left for the leftover job


def test_with_two_mails_a_day_later_items_get_the_second_digest(world, settings):
    settings = settings.model_copy(update={"recommendation_mails_per_day": 2})
    seeker = world.seeker()
    world.condition(seeker)
    cache = IndexCache(world.engine)
    recommend(world, settings, [world.offer()], cache=cache)
    world.update(OutboxMail, world.outbox()[0].id, status=MailStatus.SENT.value)

    recommend(world, settings, [world.offer()], cache=cache, now=DAYTIME + timedelta(hours=3))

    keys = [m.dedupe_key for m in world.outbox("recommendations")]
    assert keys == [f"recommend-digest:{seeker}:2025-06-10", f"recommend-digest:{seeker}:2025-06-10:2"]


def test_a_digest_caused_in_the_quiet_hours_waits_until_eight_jst(world, settings):
    settings = settings.model_copy(update={"quiet_hours_start": 21, "quiet_hours_end": 8})
    seeker = world.seeker()
    world.condition(seeker)
    night = DAYTIME.replace(hour=14)  # 23:00 JST

    recommend(world, settings, [world.offer()], now=night)

    [digest] = world.outbox()
    assert digest.next_attempt_at == DAYTIME.replace(day=10, hour=23)  # 08:00 JST on the 11th
    assert digest.dedupe_key.endswith(":2025-06-11")  # counted on the day it may be sent


def test_saved_search_mails_go_only_to_seekers_who_opted_in(world, settings):
    opted_in = world.seeker()
    search = world.condition(opted_in, kind="saved", notify=True, keywords=["介護"])
    quiet_search = world.condition(world.seeker(), kind="saved", notify=False, keywords=["介護"])
    no_mails = world.seeker(saved_search_mails=False)
    world.condition(no_mails, kind="saved", notify=True, keywords=["介護"])
    offer = world.offer(title="介護職員")

    recommend(world, settings, [offer])

    [mail] = world.outbox("saved-search-new-jobs")
    assert mail.context == {"seeker_id": opted_in, "condition_id": search, "day": "2025-06-10"}
    assert world.saved_search_hits() == [(search, offer, opted_in, date(2025, 6, 10))]
    assert quiet_search != search


def test_a_saved_search_gets_one_mail_a_day_listing_the_offers_of_every_batch(world, settings):
    """Each batch appends its hits; none rewrites the mail, which lists the day's hits when sent."""
    seeker = world.seeker()
    search = world.condition(seeker, kind="saved", notify=True, keywords=["介護"])
    offers = [world.offer(title="介護職員"), world.offer(title="訪問介護員")]

    first = match_pending_offers(world.engine, settings, IndexCache(world.engine), offers[:1], now=DAYTIME)
    second = match_pending_offers(world.engine, settings, IndexCache(world.engine), offers[1:],
                                  now=DAYTIME + timedelta(hours=2))

    assert (first.saved_search_mails, second.saved_search_mails) == (1, 0)
    [mail] = world.outbox("saved-search-new-jobs")
    assert mail.context == {"seeker_id": seeker, "condition_id": search, "day": "2025-06-10"}
    with world.engine.connect() as conn:
        context = MAILS["saved-search-new-jobs"].context(ConnectionRows(conn), settings, mail.context)
    assert [o["job_number"] for o in context["offers"]] == [world.get(JobOffer, o).job_number for o in offers]


def test_a_saved_search_mail_queued_with_its_list_is_sent_from_that_list(world, settings):
    """Mails queued before the hits table carry ``job_offer_ids``: they are sent as they were."""
    seeker = world.seeker()
    search = world.condition(seeker, kind="saved", notify=True, keywords=["介護"])
    offer = world.offer(title="介護職員")

    with world.engine.connect() as conn:
        context = MAILS["saved-search-new-jobs"].context(
            ConnectionRows(conn), settings, {"seeker_id": seeker, "condition_id": search, "job_offer_ids": [offer]})

    assert [o["job_number"] for o in context["offers"]] == [world.get(JobOffer, offer).job_number]


def test_a_dry_run_counts_what_a_batch_would_create_and_writes_nothing(world, settings):
    seekers = [world.seeker() for _ in range(3)]
    for s in seekers:
        world.condition(s)
    offers = [world.offer() for _ in range(2)]

    dry = recommendation_batch(world.engine, settings, offers, dry_run=True, samples=2)

    assert (dry.inbox_items, len(dry.seekers), dry.mails_queued) == (6, 3, 3)
    assert len(dry.samples) == 2
    assert world.inbox() == [] and world.outbox() == []
    assert {world.get(JobOffer, o).matching_status for o in offers} == {"pending"}

    real = recommendation_batch(world.engine, settings, offers)
    assert (real.inbox_items, len(real.seekers), real.mails_queued) == (6, 3, 3)


def test_a_saved_search_mail_is_checked_in_the_database_not_in_a_stale_index(world, settings):
    """Collecting reads no seeker from the database for the candidates (the round re-checks
    them), but a saved-search mail leaves at once: its seeker and search are checked first."""
    invalid, unsubscribed, kept = world.seeker(), world.seeker(), world.seeker()
    searches = {s: world.condition(s, kind="saved", notify=True, keywords=["介護"]) for s in (invalid, unsubscribed, kept)}
    cache = IndexCache(world.engine)
    cache.match_many([])  # loaded while all three wanted the mail, and never refreshed
    cache.refresh_s = 3600
    world.update(Seeker, invalid, registration_status="invalid")
    world.update(Seeker, unsubscribed, saved_search_mails=False)
    with world.engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE condition SET notify = false WHERE id = {searches[kept]}")

    recommend(world, settings, [world.offer(title="介護職員")], cache=cache)

    assert world.outbox("saved-search-new-jobs") == []
    assert world.inbox(invalid) == []  # its candidate was collected, and the round left it out


def test_offers_whose_candidates_partly_exist_are_collected_once_with_their_mails(world, settings):
    """A pending offer one of whose pairs is already a candidate and a saved-search hit (a
    staff batch's dry run cannot leave one, but the keys are the guarantee, not the claim): the
    existing pair is skipped (PostgreSQL: the straight COPY fails on it and the insert-or-ignore
    path takes over), the new one goes in, and only the new pair's saved search hears of the
    offer."""
    first, later = world.seeker(), world.seeker()
    searches = [world.condition(s, kind="saved", notify=True, keywords=["介護"]) for s in (first, later)]
    offer = world.offer(title="介護職員")
    with session_scope(world.engine) as session:
        session.add(RecommendationCandidate(seeker_id=first, job_offer_id=offer, condition_id=searches[0], score=1,
                                            created_at=DAYTIME))
        session.add(SavedSearchHit(condition_id=searches[0], job_offer_id=offer, seeker_id=first,
                                   day=date(2025, 6, 10), created_at=DAYTIME))

    report = match_pending_offers(world.engine, settings, IndexCache(world.engine), [offer], now=DAYTIME)

    assert (report.offers, report.candidates) == (1, 1)
    assert [m.context["condition_id"] for m in world.outbox("saved-search-new-jobs")] == [searches[1]]
    with session_scope(world.engine) as session:
        assert session.get(RecommendationCandidate, (first, offer)).score == 1  # left as it was
        assert session.get(JobOffer, offer).matching_status == "matched"

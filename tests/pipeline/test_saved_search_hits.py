"""A saved search's new offers as rows of ``saved_search_hit``, written by the matching batches."""

from __future__ import annotations

import datetime
import threading

import numpy as np
import pytest
from sqlalchemy import text

from worker.db import session_scope
from worker.domain.models import JobOffer
from worker.mail.kinds import saved_search_new_jobs
from worker.mail.registry import MAILS
from worker.mail.rows import ConnectionRows
from worker.outbox.claim import claim_mails
from worker.pipeline import digest
from worker.pipeline.index_cache import IndexCache
from worker.pipeline.recommend import match_pending_offers

from .conftest import DAYTIME


def test_hits_are_written_in_key_order_whatever_order_they_come_in(world, settings):
    """Two transactions writing overlapping hits (a staff batch beside the actor) then wait for
    each other's keys in one order, and cannot deadlock."""
    if world.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer: no two transactions insert at once, and no ctid to read the order by")
    seeker = world.seeker()
    searches = [world.condition(seeker, kind="saved", notify=True) for _ in range(3)]
    hits = digest.SavedSearchHits(condition_id=np.array([searches[2], searches[0], searches[2], searches[1]]),
                                  job_offer_id=np.array([5, 9, 1, 7]), seeker_id=np.full(4, seeker))

    with session_scope(world.engine) as session:
        outcome = digest.queue_saved_search_mails(session, settings, hits, {seeker: None}, now=DAYTIME, all_new=True)

    with world.engine.connect() as conn:
        written = [tuple(r) for r in conn.execute(text(
            "SELECT condition_id, job_offer_id FROM saved_search_hit ORDER BY ctid"))]
    assert written == sorted(written) and len(written) == 4
    assert outcome.queued == 3 and outcome.placed == set(searches)


def test_an_offer_written_while_the_mail_was_pending_is_in_the_mail_even_when_it_is_claimed_meanwhile(world, settings):
    """A batch that found the day's mail pending and wrote a hit for it must see that hit mailed:
    the claim waits for the batch, as it waited for the old list's row lock, and does not compose
    the mail from the hits committed so far while the batch's hit is still on its way."""
    if world.engine.dialect.name != "postgresql":
        pytest.skip("SQLite: the batch holds the database's write lock, and the claim waits for it")
    seeker = world.seeker()
    search = world.condition(seeker, kind="saved", notify=True)
    first, second = world.offer(), world.offer()

    def hits(offer: int) -> digest.SavedSearchHits:
        return digest.SavedSearchHits(np.array([search]), np.array([offer]), np.array([seeker]))

    with session_scope(world.engine) as session:
        digest.queue_saved_search_mails(session, settings, hits(first), {seeker: None}, now=DAYTIME)
    [mail] = world.outbox("saved-search-new-jobs")
    composed: dict = {}

    def deliver() -> None:  # a delivery worker: claim, then compose from the rows it reads
        [claimed] = claim_mails(world.engine, [mail.id], lease_s=60, now=DAYTIME)
        with world.engine.connect() as conn:
            composed.update(saved_search_new_jobs.build(ConnectionRows(conn), settings, claimed.context))

    worker = threading.Thread(target=deliver)
    with session_scope(world.engine) as session:
        outcome = digest.queue_saved_search_mails(session, settings, hits(second), {seeker: None}, now=DAYTIME)
        worker.start()
        worker.join(timeout=1.0)  # the batch still has work to do before it commits
    worker.join(timeout=30)

    assert outcome.placed == {search}
    assert [offer["job_number"] for offer in composed["offers"]] == [
        world.get(JobOffer, first).job_number, world.get(JobOffer, second).job_number]


def test_hits_caused_in_the_quiet_hours_go_to_the_mail_of_the_morning_they_are_sent_on(world, settings):
    """The hits' day is the day of the mail's key, which is the JST day it may be sent: an offer
    at 20:00 goes to today's mail, one at 22:00 (quiet until 8:00) and one at 7:00 to tomorrow's."""
    settings = settings.model_copy(update={"quiet_hours_start": 21, "quiet_hours_end": 8})
    seeker = world.seeker()
    search = world.condition(seeker, kind="saved", notify=True, keywords=["介護"])
    evening, night, morning = (world.offer(title="介護職員") for _ in range(3))
    for offer, at in ((evening, 11), (night, 13), (morning, 22)):  # UTC hours: 20:00, 22:00, 7:00 JST
        match_pending_offers(world.engine, settings, IndexCache(world.engine), [offer],
                             now=DAYTIME.replace(hour=at))

    mails = world.outbox("saved-search-new-jobs")
    assert [m.dedupe_key for m in mails] == [f"saved-search:{search}:2025-06-10", f"saved-search:{search}:2025-06-11"]
    with world.engine.connect() as conn:
        listed = [[o["job_number"] for o in MAILS["saved-search-new-jobs"].context(
            ConnectionRows(conn), settings, m.context)["offers"]] for m in mails]
    number = {o: world.get(JobOffer, o).job_number for o in (evening, night, morning)}
    assert listed == [[number[evening]], [number[night], number[morning]]]


def test_hits_for_a_mail_another_batch_inserted_meanwhile_wait_for_it_too(world, settings):
    """Two batches hit a search with no mail yet: one inserts the day's mail, the other waits for
    that insert and then finds the key taken. The mail it found is the one its hits are for: it
    is not claimed and composed before those hits are committed."""
    if world.engine.dialect.name != "postgresql":
        pytest.skip("SQLite: one writer at a time, the claim waits for the batch's transaction")
    seeker = world.seeker()
    search = world.condition(seeker, kind="saved", notify=True)
    first, second = world.offer(), world.offer()

    def hits(offer: int) -> digest.SavedSearchHits:
        return digest.SavedSearchHits(np.array([search]), np.array([offer]), np.array([seeker]))

    committing, other_done, composed = threading.Event(), threading.Event(), {}

    def other_batch() -> None:  # waits on the first batch's insert of the mail, then works on
        with session_scope(world.engine) as session:
            digest.queue_saved_search_mails(session, settings, hits(second), {seeker: None}, now=DAYTIME)
            other_done.set()
            committing.wait(timeout=30)

    def deliver() -> None:
        [claimed] = claim_mails(world.engine, [world.outbox("saved-search-new-jobs")[0].id], lease_s=60, now=DAYTIME)
        with world.engine.connect() as conn:
            composed.update(saved_search_new_jobs.build(ConnectionRows(conn), settings, claimed.context))

    other, worker = threading.Thread(target=other_batch), threading.Thread(target=deliver)
    with session_scope(world.engine) as session:
        digest.queue_saved_search_mails(session, settings, hits(first), {seeker: None}, now=DAYTIME)
        other.start()
        assert not other_done.wait(timeout=1.0)  # it waits for this insert of the mail's key
    assert other_done.wait(timeout=30)
    worker.start()
    worker.join(timeout=1.0)  # the other batch still has work to do before it commits
    committing.set()
    other.join(timeout=30)
    worker.join(timeout=30)

    assert [offer["job_number"] for offer in composed["offers"]] == [
        world.get(JobOffer, first).job_number, world.get(JobOffer, second).job_number]


def test_an_offer_withdrawn_before_the_mail_is_sent_is_not_listed_in_it(world, settings):
    seeker = world.seeker()
    world.condition(seeker, kind="saved", notify=True, keywords=["介護"])
    kept, withdrawn = world.offer(title="介護職員"), world.offer(title="介護職員")
    match_pending_offers(world.engine, settings, IndexCache(world.engine), [kept, withdrawn], now=DAYTIME)
    world.update(JobOffer, withdrawn, matching_status="withdrawn")

    [mail] = world.outbox("saved-search-new-jobs")
    with world.engine.connect() as conn:
        context = MAILS[mail.kind].context(ConnectionRows(conn), settings, mail.context)

    assert [offer["job_number"] for offer in context["offers"]] == [world.get(JobOffer, kept).job_number]


def test_a_mail_the_process_remembers_is_not_looked_up_again_and_is_held_all_the_same(world, settings, monkeypatch):
    """The day's mail a batch made is remembered once committed (``digest.KnownMails``): the next
    batch hitting that search does not look its mail up by key again, yet still holds it, so a
    claim meanwhile waits for its hit."""
    if world.engine.dialect.name != "postgresql":
        pytest.skip("SQLite: the batch holds the database's write lock, and the claim waits for it")
    seeker = world.seeker()
    search = world.condition(seeker, kind="saved", notify=True)
    first, second = world.offer(), world.offer()
    known = digest.KnownMails()

    def hits(offer: int) -> digest.SavedSearchHits:
        return digest.SavedSearchHits(np.array([search]), np.array([offer]), np.array([seeker]))

    with session_scope(world.engine) as session:
        outcome = digest.queue_saved_search_mails(session, settings, hits(first), {seeker: None}, now=DAYTIME,
                                                  known=known)
    known.learn(*outcome.mails)
    [mail] = world.outbox("saved-search-new-jobs")
    assert outcome.mails[1] == {search: mail.id}
    looked_up: list[str] = []
    real_rows = digest._rows
    monkeypatch.setattr(digest, "_rows", lambda session, keys: looked_up.extend(keys) or real_rows(session, keys))
    composed: dict = {}

    def deliver() -> None:
        [claimed] = claim_mails(world.engine, [mail.id], lease_s=60, now=DAYTIME)
        with world.engine.connect() as conn:
            composed.update(saved_search_new_jobs.build(ConnectionRows(conn), settings, claimed.context))

    worker = threading.Thread(target=deliver)
    with session_scope(world.engine) as session:
        again = digest.queue_saved_search_mails(session, settings, hits(second), {seeker: None}, now=DAYTIME,
                                                known=known)
        worker.start()
        worker.join(timeout=1.0)  # the batch still has work to do before it commits
    worker.join(timeout=30)

    assert looked_up == []
    assert again.queued == 0 and again.placed == {search} and again.mails[1] == {search: mail.id}
    assert [offer["job_number"] for offer in composed["offers"]] == [
        world.get(JobOffer, first).job_number, world.get(JobOffer, second).job_number]


def test_a_mail_made_by_a_batch_that_rolled_back_is_not_remembered(world, settings, monkeypatch):
    """The memory learns a batch's mails only after its commit: a mail whose insert was rolled
    back is made again by the retry, not believed to exist."""
    from worker.pipeline import recommend

    seeker = world.seeker()
    search = world.condition(seeker, kind="saved", notify=True, keywords=["介護"])
    offer = world.offer(title="介護職員")
    known = digest.KnownMails()
    real = recommend.recommend_offers

    def fails_before_the_commit(*args, **kwargs):
        real(*args, **kwargs)
        raise ConnectionError("the database went away before the commit")

    monkeypatch.setattr(recommend, "recommend_offers", fails_before_the_commit)
    with pytest.raises(ConnectionError):
        match_pending_offers(world.engine, settings, IndexCache(world.engine), [offer], now=DAYTIME, known_mails=known)
    monkeypatch.setattr(recommend, "recommend_offers", real)
    day = DAYTIME.astimezone(settings.tz).date()
    assert known.mail_ids(day, np.array([search])).tolist() == [0]

    match_pending_offers(world.engine, settings, IndexCache(world.engine), [offer], now=DAYTIME, known_mails=known)

    [mail] = world.outbox("saved-search-new-jobs")
    assert known.mail_ids(day, np.array([search])).tolist() == [mail.id]


def test_the_memory_of_mails_keeps_one_mail_day():
    known = digest.KnownMails()
    today, tomorrow, yesterday = (datetime.date(2025, 6, d) for d in (10, 11, 9))
    known.learn(today, {5: 50, 7: 70})
    assert known.mail_ids(today, np.array([5, 6, 7, 10_000])).tolist() == [50, 0, 70, 0]
    assert known.mail_ids(tomorrow, np.array([5])).tolist() == [0]

    known.learn(yesterday, {6: 60})  # a late batch of the day before: not kept
    assert known.mail_ids(today, np.array([6])).tolist() == [0]
    known.learn(tomorrow, {6: 61})  # a new day starts afresh
    assert known.mail_ids(tomorrow, np.array([5, 6])).tolist() == [0, 61]
    assert known.mail_ids(today, np.array([5])).tolist() == [0]

"""Shards of the condition index (``worker.pipeline.shards``), on SQLite and PostgreSQL: the hash,
what each shard holds, the candidates two shards write against those of one index, the claim per
(offer, shard), the offer turning matched after the last shard, and the sweeper re-sending an
offer only to the shards that did not finish it."""

from __future__ import annotations

import random
import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text, update
from sqlmodel import Session

from worker.db import session_scope
from worker.domain.models import (
    Condition,
    JobOffer,
    MatchingStatus,
    OfferShardMatch,
    OutboxMail,
    RecommendationCandidate,
    SavedSearchHit,
    utcnow,
)
from worker.pipeline import shards
from worker.pipeline.index_cache import IndexCache
from worker.pipeline.recommend import match_pending_offers
from worker.pipeline.shards import Shard, shard_of, stable_hash
from worker.pipeline.sweeper import MATCH_GRACE, sweep
from worker.seed.load import seed_database

from .conftest import DAYTIME


class RecordedHints:
    def __init__(self):
        self.sent: list[tuple[list[int], list[int] | None]] = []

    def match_job_offers(self, offer_ids, *, shards=None):
        self.sent.append((list(offer_ids), None if shards is None else list(shards)))

    def deliver_due_mail(self, batches=1):
        pass


# ---------------------------------------------------------------------------- the hash


def test_the_hash_is_the_same_number_everywhere():
    # Fixed values: a change to the hash would move every seeker to another shard.
    assert [stable_hash(i) for i in (0, 1, 2, 3, 1_000, 2_147_483_647)] == [0, 40503, 15470, 55974, 2227, 57800]
    assert [shard_of(i, 2) for i in range(1, 9)] == [1, 0, 0, 1, 1, 0, 0, 1]


def test_the_database_computes_the_same_shard_as_python(engine):
    ids = [1, 2, 3, 77, 65_535, 65_536, 1_000_003, 2_147_483_647]
    rows = " UNION ALL ".join(f"SELECT {i} AS id" for i in ids)
    column = text("id")
    with engine.connect() as conn:
        for count in (2, 3, 7):
            got = conn.execute(select(column, shards.sql_hash(column) % count)
                               .select_from(text(f"({rows}) AS ids"))).all()
            assert dict(got) == {i: shard_of(i, count) for i in ids}


@pytest.mark.parametrize("count", [2, 3, 4, 5, 8])
def test_the_hash_spreads_seekers_evenly(count):
    sequential = Counter(shard_of(i, count) for i in range(1, 40_001))
    strided = Counter(shard_of(i, count) for i in range(4, 4 * 40_001, 4))  # e.g. ids from a sequence stepping by 4
    scattered = Counter(shard_of(i, count) for i in random.Random(7).sample(range(1, 2_000_000_000), 40_000))
    for spread in (sequential, strided, scattered):
        assert set(spread) == set(range(count))
        expected = 40_000 / count
        assert max(abs(n - expected) for n in spread.values()) < 0.04 * expected


# ---------------------------------------------------------------------------- what a shard holds


def conditions_by_shard(engine, count: int) -> dict[int, set[int]]:
    with engine.connect() as conn:
        rows = conn.execute(select(Condition.id, Condition.seeker_id)).all()
    held: dict[int, set[int]] = {i: set() for i in range(count)}
    for condition_id, seeker_id in rows:
        held[shard_of(seeker_id, count)].add(condition_id)
    return held


def test_each_shard_loads_only_its_seekers_conditions_and_together_they_are_the_whole_index(engine):
    seed_database(engine, seekers=60, jobs=1, seed=5)
    whole = IndexCache(engine)
    whole.build()
    parts = [IndexCache(engine, shard=Shard(i, 2)) for i in range(2)]
    for part in parts:
        part.build()

    owned = conditions_by_shard(engine, 2)
    for i, part in enumerate(parts):
        assert set(part._seeker_of) <= owned[i] and part._seeker_of
    assert set(parts[0]._seeker_of) | set(parts[1]._seeker_of) == set(whole._seeker_of)


def test_a_shard_never_takes_in_a_condition_of_another_shard(world):
    seekers = [world.seeker() for _ in range(6)]
    mine = [s for s in seekers if shard_of(s, 2) == 0]
    other = [s for s in seekers if shard_of(s, 2) == 1]
    assert mine and other
    cache = IndexCache(world.engine, shard=Shard(0, 2), lag=timedelta(0))
    cache.build()
    theirs = world.condition(other[0])
    ours = world.condition(mine[0])

    cache.apply_condition(theirs)  # an announcement sent to every shard
    cache.refresh()

    assert set(cache._seeker_of) == {ours}


# ---------------------------------------------------------------------------- candidates


def candidate_rows(engine) -> list[tuple]:
    with engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(select(
            RecommendationCandidate.seeker_id, RecommendationCandidate.job_offer_id,
            RecommendationCandidate.condition_id, RecommendationCandidate.score)))


def hit_rows(engine) -> list[tuple]:
    with engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(select(
            SavedSearchHit.condition_id, SavedSearchHit.job_offer_id, SavedSearchHit.seeker_id)))


def mail_keys(engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(conn.execute(select(OutboxMail.dedupe_key)).scalars())


def offer_statuses(engine) -> dict[int, str]:
    with engine.connect() as conn:
        return dict(conn.execute(select(JobOffer.id, JobOffer.matching_status)).all())


def pending_ids(engine) -> list[int]:
    with engine.connect() as conn:
        return list(conn.execute(select(JobOffer.id).where(
            JobOffer.matching_status == MatchingStatus.PENDING.value).order_by(JobOffer.id)).scalars())


def start_over(engine) -> None:
    with session_scope(engine) as session:
        session.execute(RecommendationCandidate.__table__.delete())
        session.execute(OutboxMail.__table__.delete())
        session.execute(OfferShardMatch.__table__.delete())
        session.execute(SavedSearchHit.__table__.delete())
        session.execute(update(JobOffer).values(matching_status=MatchingStatus.PENDING.value, matched_at=None))


def test_two_shards_write_exactly_the_candidates_and_mails_of_one_index(engine, settings):
    seed_database(engine, seekers=300, jobs=100, seed=11, new_jobs_pending=100, today=DAYTIME.date())
    offers = pending_ids(engine)
    match_pending_offers(engine, settings, IndexCache(engine), offers, now=DAYTIME)
    one_index, one_index_mails, one_index_hits = candidate_rows(engine), mail_keys(engine), hit_rows(engine)
    assert len(one_index) > 30 and one_index_mails, "the data should produce candidates and saved-search mails"
    start_over(engine)

    for i in (1, 0):
        match_pending_offers(engine, settings, IndexCache(engine, shard=Shard(i, 2)), offers, now=DAYTIME,
                             shard=Shard(i, 2))

    assert candidate_rows(engine) == one_index  # the same pairs, best conditions and scores, each once
    assert mail_keys(engine) == one_index_mails
    assert hit_rows(engine) == one_index_hits
    assert set(offer_statuses(engine).values()) == {MatchingStatus.MATCHED.value}


def test_a_shard_that_runs_an_offer_twice_adds_nothing(engine, settings):
    # Both shards run, so the test does not hang on which seekers (ids) one shard happens to hold.
    seed_database(engine, seekers=80, jobs=10, seed=12, new_jobs_pending=10, today=DAYTIME.date())
    offers = pending_ids(engine)
    caches = [IndexCache(engine, shard=Shard(i, 2)) for i in range(2)]
    first = [match_pending_offers(engine, settings, cache, offers, now=DAYTIME, shard=Shard(i, 2))
             for i, cache in enumerate(caches)]
    rows, mails = candidate_rows(engine), mail_keys(engine)
    assert [report.offers for report in first] == [len(offers)] * 2 and sum(r.candidates for r in first) > 0

    again = [match_pending_offers(engine, settings, cache, offers, now=DAYTIME + timedelta(minutes=1),
                                  shard=Shard(i, 2)) for i, cache in enumerate(caches)]

    assert [(r.offers, r.matches, r.candidates) for r in again] == [(0, 0, 0)] * 2
    assert candidate_rows(engine) == rows and mail_keys(engine) == mails
    with engine.connect() as conn:
        claims = conn.execute(select(OfferShardMatch.shard, func.count()).group_by(OfferShardMatch.shard)
                              .order_by(OfferShardMatch.shard)).all()
    assert claims == [(0, len(offers)), (1, len(offers))]


def test_an_offer_is_matched_only_when_every_shard_has_matched_it(world, settings):
    seekers = [world.seeker() for _ in range(4)]
    for seeker in seekers:
        world.condition(seeker)
    offer = world.offer()
    caches = [IndexCache(world.engine, shard=Shard(i, 3)) for i in range(3)]

    for i in (2, 0):
        match_pending_offers(world.engine, settings, caches[i], [offer], now=DAYTIME, shard=Shard(i, 3))
        assert world.get(JobOffer, offer).matching_status == MatchingStatus.PENDING.value
    match_pending_offers(world.engine, settings, caches[1], [offer], now=DAYTIME, shard=Shard(1, 3))

    row = world.get(JobOffer, offer)
    assert (row.matching_status, row.matched_at) == (MatchingStatus.MATCHED.value, DAYTIME)
    assert {r[0] for r in candidate_rows(world.engine)} == set(seekers)


@pytest.mark.postgres
def test_two_shards_finishing_the_same_offer_at_once_leave_it_matched(_postgresql_engine):
    engine = _postgresql_engine
    with session_scope(engine) as session:
        session.execute(text("TRUNCATE offer_shard_match, job_offer RESTART IDENTITY CASCADE"))
        session.add(JobOffer(job_number="13010-00000001", title="一般事務", prefecture_code="13"))
    [offer] = pending_ids(engine)
    now = utcnow()
    first = Session(engine)
    shards.claim(first, [offer], Shard(0, 2), now)
    shards.complete(first, [offer], 2, now)  # sees only its own row; holds the offer until it commits

    def second_shard():
        with session_scope(engine) as session:
            shards.claim(session, [offer], Shard(1, 2), now)
            shards.complete(session, [offer], 2, now)

    other = threading.Thread(target=second_shard)
    other.start()
    other.join(timeout=1.0)
    assert other.is_alive(), "the second shard should wait for the first to commit"
    first.commit()
    first.close()
    other.join(timeout=10)

    assert offer_statuses(engine) == {offer: MatchingStatus.MATCHED.value}


# ---------------------------------------------------------------------------- the sweeper


def test_the_sweeper_sends_an_offer_again_only_to_the_shards_that_did_not_finish_it(world, settings):
    settings = settings.model_copy(update={"index_shards": 3})
    for _ in range(4):
        world.condition(world.seeker())
    old = utcnow() - MATCH_GRACE - timedelta(seconds=1)
    half_done, untouched, recent = world.offer(created_at=old), world.offer(created_at=old), world.offer()
    match_pending_offers(world.engine, settings, IndexCache(world.engine, shard=Shard(1, 3)), [half_done],
                         shard=Shard(1, 3))
    hints = RecordedHints()

    report = sweep(world.engine, hints, settings)

    assert sorted(hints.sent, key=lambda sent: sent[1]) == [
        ([half_done, untouched], [0]), ([untouched], [1]), ([half_done, untouched], [2])]
    assert report.offers_hinted == 2 and recent not in {i for ids, _ in hints.sent for i in ids}


def test_the_sweeper_turns_matched_an_offer_every_shard_recorded(world, settings):
    settings = settings.model_copy(update={"index_shards": 2})
    offer = world.offer(created_at=utcnow() - MATCH_GRACE - timedelta(seconds=1))
    with session_scope(world.engine) as session:  # both shards' records, the status left behind
        session.add_all([OfferShardMatch(job_offer_id=offer, shard=0), OfferShardMatch(job_offer_id=offer, shard=1)])
    hints = RecordedHints()

    report = sweep(world.engine, hints, settings)

    assert hints.sent == [] and report.offers_hinted == 0
    assert world.get(JobOffer, offer).matching_status == MatchingStatus.MATCHED.value


def test_one_shard_keeps_todays_sweep(world, settings):
    offer = world.offer(created_at=utcnow() - MATCH_GRACE - timedelta(seconds=1))
    hints = RecordedHints()
    sweep(world.engine, hints, settings)
    assert hints.sent == [([offer], None)]
    with world.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(OfferShardMatch)).scalar_one() == 0

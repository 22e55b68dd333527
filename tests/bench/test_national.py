"""``worker.bench.national``: a tiny national day through two real shard workers on PostgreSQL
and Redis, run twice on a kept database (the second run reuses it and measures the same day),
and the rules of reuse — what counts as a complete seeding, and what a rerun puts back."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, make_url, select, text

from tests.conftest import POSTGRES_ADMIN_URL, require_service
from worker.bench import harness, national
from worker.config import load_settings
from worker.db import make_engine
from worker.domain.models import JobOffer, MatchingStatus, OfferShardMatch, RecommendationCandidate, Seeker

KEYS = {"seekers", "conditions", "offers", "shards", "seed_s", "index_load_s", "match_s", "candidates",
        "matches_per_offer_p50", "round_s", "inbox_items", "mails_queued", "end_to_end_s", "peak_rss_mb_total",
        "identical", "targets", "met"}


@pytest.fixture
def kept_database():
    """A name for a kept database, dropped after the test."""
    require_service("PostgreSQL", "127.0.0.1", 5432)
    name = f"test_national_{uuid.uuid4().hex[:8]}"
    yield name
    harness.drop_database(POSTGRES_ADMIN_URL, name)


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.slow
def test_a_day_through_two_shards_agrees_with_the_reference_and_is_the_same_day_when_run_again(
        kept_database, redis_url, monkeypatch):
    monkeypatch.setenv("MYPAGE_ROUND_SEEKERS", "64")  # five windows of the 300 seekers
    def day(round_processes: int) -> dict:
        return national.run(seekers=300, offers=20, shards=2, threads=2, round_processes=round_processes, reuse=True,
                            database=kept_database, postgres_url=POSTGRES_ADMIN_URL, redis_url=redis_url, timeout_s=60)

    first = day(1)
    assert KEYS <= set(first)
    assert first["identical"] is True and first["identical_sample"] == 20
    assert first["candidates"] > 0 and first["inbox_items"] > 0 and first["mails_queued"] > 0
    assert first["offers"] == 20 and first["offers_left_pending"] == 0
    assert first["shard_claims"] == 40  # every offer matched by each of the two shards
    assert first["indexed_conditions"] == sum(first["conditions_per_shard"]) > 0
    assert first["peak_rss_mb_total"] >= sum(first["peak_rss_mb"]["shards"]) > 0
    assert first["met"] is None  # the targets are for scale 1 with two shards
    assert set(first["postgres_settings"]) == set(harness.SERVER_SETTINGS)
    assert first["reused"] is False

    second = day(2)  # the round's windows shared between two processes: the same day
    assert second["reused"] is True and second["seed_s"] == first["seed_s"] and second["round_processes"] == 2
    assert second["cpu_s"]["round_processes"] > 0 and second["peak_rss_mb"]["round_processes"] > 0
    assert first["cpu_s"]["round_processes"] == 0 and first["peak_rss_mb"]["round_processes"] == 0
    for key in ("candidates", "inbox_items", "digests_queued", "mails_queued", "shard_claims", "seekers_reached"):
        assert second[key] == first[key], key
    assert second["identical"] is True


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.slow
def test_a_day_with_a_tight_shortlist_leaves_matches_out_and_the_check_holds_each_one_to_the_rule(
        kept_database, redis_url, monkeypatch):
    def day() -> dict:
        return national.run(seekers=300, offers=20, shards=2, threads=2, round_processes=1, reuse=True,
                            database=kept_database, postgres_url=POSTGRES_ADMIN_URL, redis_url=redis_url, timeout_s=60)

    monkeypatch.setenv("MYPAGE_CANDIDATES_PER_DAY", "0")  # every match stored
    every = day()
    monkeypatch.setenv("MYPAGE_CANDIDATES_PER_DAY", "2")
    tight = day()

    assert every["left_out"] == 0 and every["matches"] == every["candidates"]
    assert tight["left_out"] > 0 and tight["candidates"] < every["candidates"]
    assert tight["matches"] == every["matches"]  # the same pairs matched, fewer stored
    assert tight["matches_per_offer_p50"] == every["matches_per_offer_p50"] == every["candidates_per_offer_p50"]
    assert tight["identical"] is True  # every pair not stored had two of the day's ahead of it

    # A stored pair taken away has nothing ahead of it: the check no longer agrees.
    url = make_url(POSTGRES_ADMIN_URL).set(database=kept_database).render_as_string(hide_password=False)
    run_sql(url, "DELETE FROM recommendation_candidate WHERE (seeker_id, job_offer_id) = "
                 "(SELECT seeker_id, job_offer_id FROM recommendation_candidate ORDER BY score DESC, seeker_id LIMIT 1)")
    engine = make_engine(url)
    try:
        offers = list(engine.connect().execute(select(JobOffer.id).order_by(JobOffer.id)).scalars())
        settings = harness.worker_settings(url, redis_url)[0]
        assert national._agrees_with_reference(engine, settings, offers, len(offers))[0] is False
    finally:
        engine.dispose()


def prepare(name: str):
    return national.prepare(POSTGRES_ADMIN_URL, name, seekers=40, offers=5, seed=3)


def run_sql(url: str, statement: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text(statement))
    engine.dispose()


def count(url: str, model, *where) -> int:
    engine = make_engine(url)
    try:
        return harness.count_rows(engine, model, *where)
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_rerun_puts_the_day_back(kept_database):
    seeded = prepare(kept_database)
    assert not seeded.reused
    run_sql(seeded.url, "UPDATE job_offer SET matching_status = 'matched', matched_at = now()")
    run_sql(seeded.url, "INSERT INTO recommendation_candidate (seeker_id, job_offer_id, condition_id, score, created_at) "
                        "VALUES (1, 1, 1, 1, now())")
    run_sql(seeded.url, "INSERT INTO offer_shard_match (job_offer_id, shard, matched_at) VALUES (1, 0, now())")

    again = prepare(kept_database)

    assert again.reused and again.conditions == seeded.conditions
    assert count(again.url, JobOffer, JobOffer.matching_status == MatchingStatus.PENDING.value) == 5
    assert count(again.url, RecommendationCandidate) == count(again.url, OfferShardMatch) == 0


@pytest.mark.postgres
@pytest.mark.parametrize("spoil", [
    "DELETE FROM bench_national_marker",  # seeding stopped before its last step
    "UPDATE bench_national_marker SET schema = 'other'",  # made by another schema
    "DELETE FROM seeker WHERE id = (SELECT max(id) FROM seeker)",  # rows gone since
])
def test_a_database_that_is_not_a_complete_seeding_is_seeded_afresh(kept_database, spoil):
    seeded = prepare(kept_database)
    run_sql(seeded.url, spoil)

    again = prepare(kept_database)

    assert not again.reused
    assert count(again.url, Seeker) == 40


@pytest.mark.postgres
def test_other_counts_are_not_reused(kept_database):
    prepare(kept_database)
    other = national.prepare(POSTGRES_ADMIN_URL, kept_database, seekers=41, offers=5, seed=3)
    assert not other.reused and count(other.url, Seeker) == 41


def test_the_scale_gives_the_country_share():
    assert national.counts(1) == (1_900_000, 40_000)
    assert national.counts(0.1) == (190_000, 4_000)
    assert national.database_name(0.1, 7, *national.counts(0.1)) == "mypage_national_s0_1_seed7"
    assert national.database_name(0.1, 7, 300, 20) == "mypage_national_300x20_seed7"


@pytest.mark.parametrize("scale", [0, -1, 0.00001, float("nan"), float("inf")])
def test_a_scale_without_one_seeker_and_one_offer_is_refused(scale):
    with pytest.raises(ValueError, match="scale"):
        national.counts(scale)


def test_the_sample_is_spread_over_the_offers():
    assert national.sample_of(list(range(100)), 4) == [0, 25, 50, 75]
    assert national.sample_of(list(range(3)), 20) == [0, 1, 2]
    assert national.sample_of([], 20) == [] and national.sample_of([1, 2], 0) == []


@pytest.mark.postgres
def test_the_marker_counts_what_the_seeding_wrote(kept_database):
    require_service("PostgreSQL", "127.0.0.1", 5432)
    url = harness.create_database(POSTGRES_ADMIN_URL, kept_database)
    engine = make_engine(url)
    from worker.db import create_schema

    create_schema(engine)
    with pytest.raises(RuntimeError, match="seeding wrote"):
        national._mark(engine, 1, 1, 1, 3, 1, 0.1)  # nothing was seeded
    with engine.connect() as conn:
        assert conn.execute(select(func.to_regclass(national.MARKER))).scalar_one() is None
    engine.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("chunk", [7, 10**6])  # the reference in many chunks (their union), or in one
def test_identical_means_the_candidate_pairs_are_the_references(kept_database, monkeypatch, chunk):
    import matchers
    from worker.domain.models import Condition
    from worker.pipeline.index_cache import COLUMNS
    from worker.pipeline.values import condition_value, offer_value
    from worker.services.eligibility import recommendable_clause

    seeded = national.prepare(POSTGRES_ADMIN_URL, kept_database, seekers=200, offers=10, seed=3)
    engine = make_engine(seeded.url)
    with engine.connect() as conn:
        offers = conn.execute(select(JobOffer.__table__).where(JobOffer.id >= seeded.first_pending_offer)
                              .order_by(JobOffer.id)).all()
        conditions = [condition_value(row) for row in conn.execute(
            select(*COLUMNS).join(Seeker, Seeker.id == Condition.seeker_id).where(recommendable_clause()))]
    reference = matchers.ReferenceMatcher(conditions)
    pairs = {(m.seeker_id, offer.id) for offer in offers for m in reference.match(offer_value(offer))}
    assert pairs, "the seeded offers match nobody: seed more seekers"
    with engine.begin() as conn:
        conn.execute(RecommendationCandidate.__table__.insert(), [
            {"seeker_id": s, "job_offer_id": o, "condition_id": 0, "score": 0} for s, o in pairs])
    ids = [offer.id for offer in offers]
    monkeypatch.setattr(national, "REFERENCE_CHUNK", chunk)
    settings = load_settings(database_url=seeded.url, redis_url=None, var_dir="/tmp/national-test")

    assert national._agrees_with_reference(engine, settings, ids, 10)[0]
    seeker_id, offer_id = next(iter(pairs))
    with engine.begin() as conn:
        conn.execute(RecommendationCandidate.__table__.delete().where(
            RecommendationCandidate.seeker_id == seeker_id, RecommendationCandidate.job_offer_id == offer_id))
    assert not national._agrees_with_reference(engine, settings, ids, 10)[0]  # a pair missing
    with engine.begin() as conn:
        conn.execute(RecommendationCandidate.__table__.insert(), [
            {"seeker_id": seeker_id, "job_offer_id": offer_id, "condition_id": 0, "score": 0},
            {"seeker_id": 10**6, "job_offer_id": offer_id, "condition_id": 0, "score": 0}])
    assert not national._agrees_with_reference(engine, settings, ids, 10)[0]  # a pair too many
    engine.dispose()

"""The national benchmark: a country's day of new offers through P shard workers.

At scale S the database holds S × 1.9 million seekers with their conditions (one registered
condition each and up to three saved searches) and S × 40,000 offers received today and left
pending, from the realistic generator (``worker.seed.load``, COPY). P processes ``mypage-worker
worker --shard I`` (``MYPAGE_INDEX_SHARDS=P``) load their seekers' conditions; then every offer
is hinted to every shard, and the run polls PostgreSQL until no offer is pending (an offer turns
matched when the last shard has matched it, ``worker.pipeline.shards``); then one
recommendation round for every seeker runs in this process (the scheduler's job) and queues the
digests. ``end_to_end_s`` is index load + matching + round (starting the shard processes to the
round's commit, without the benchmark's own counts in between). Seeding is not part of the day.

Seeding a country takes many minutes, so with ``reuse`` the database is a named one
(``mypage_national_s0_1_seed7`` for S = 0.1, seed 7) kept between runs. It counts as seeded only
when its marker row is there — written last, in a transaction that first checks the seeded rows
are all present — and was made by the same schema; anything else is dropped and seeded afresh.
Each run on it first puts the day back (the offers pending again, no candidates, shard claims,
inbox items or mails), so every run measures the same day.

``identical``: for a sample of the offers, the candidate (seeker, offer) pairs the shards wrote
are pairs the reference matcher gives over every recommendable condition of every shard (one row
per seeker and offer, as the pipeline writes), and every reference pair they did not write was
left out by the day's shortlist (``worker.pipeline.shortlist``; the rule is checked against the
stored candidates). It is checked after the shards stopped, outside the timings and the memory
measured.
"""

from __future__ import annotations

import hashlib
import os
import re
import resource
import statistics
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import matchers
from matchers import ranking
from worker.bench import harness
from worker.db import create_schema, make_engine
from worker.domain import clock
from worker.domain.models import (
    Condition,
    InboxItem,
    JobOffer,
    MatchingStatus,
    OfferShardMatch,
    OutboxMail,
    RecommendationCandidate,
    SavedSearchHit,
    Seeker,
    utcnow,
)
from worker.pipeline import shortlist
from worker.pipeline.index_cache import COLUMNS
from worker.pipeline.rounds import round_now
from worker.pipeline.values import condition_value, offer_value
from worker.services.eligibility import recommendable_clause

COUNTRY_SEEKERS = 1_900_000  # active seekers with a registered condition (../shared/docs/DOMAIN.md)
COUNTRY_OFFERS = 40_000  # new offers a working day
TARGETS = {"end_to_end_s": 1_200.0, "peak_rss_mb_total": 12_000}  # at S = 1 with P = 2, on this machine
TARGET_SCALE, TARGET_SHARDS = 1.0, 2
MARKER = "bench_national_marker"
# What a day writes; a rerun on a kept database empties these first.
DAY_TABLES = (RecommendationCandidate, OfferShardMatch, SavedSearchHit, InboxItem, OutboxMail)
PENDING = JobOffer.matching_status == MatchingStatus.PENDING.value
REFERENCE_CHUNK = 100_000  # conditions in the reference matcher at a time: memory stays flat


def counts(scale: float) -> tuple[int, int]:
    """Seekers and pending offers at ``scale`` of the country; ValueError below one of either."""
    if not 0 < scale < float("inf"):
        raise ValueError(f"the scale must be a number more than 0, not {scale:g}")
    seekers, offers = round(COUNTRY_SEEKERS * scale), round(COUNTRY_OFFERS * scale)
    if min(seekers, offers) < 1:
        raise ValueError(f"scale {scale:g} gives {seekers} seekers and {offers} offers: at least one of each is "
                         f"needed (scale ≥ {1 / COUNTRY_OFFERS:g})")
    return seekers, offers


def database_name(scale: float, seed: int, seekers: int, offers: int) -> str:
    """The kept database of a scale and seed (``mypage_national_s0_1_seed7``); named by its
    counts when they are not the scale's."""
    if (seekers, offers) == counts(scale):
        tag = "s" + re.sub(r"[^0-9a-z]", "_", f"{scale:g}")
    else:
        tag = f"{seekers}x{offers}"
    return f"mypage_national_{tag}_seed{seed}"


@dataclass(frozen=True)
class Seeded:
    url: str
    seekers: int
    conditions: int
    offers: int
    first_pending_offer: int
    seed_s: float
    reused: bool


def run(*, scale: float = 1.0, shards: int = 2, seekers: int | None = None, offers: int | None = None,
        seed: int = 7, threads: int = 4, round_processes: int = 1, reuse: bool = False, database: str | None = None,
        sample: int = 20,
        postgres_url: str = "postgresql://postgres@127.0.0.1:5432/postgres",
        redis_url: str = "redis://127.0.0.1:6379/0", timeout_s: float = 3600.0,
        log=lambda message: None) -> dict:
    """The day at ``scale`` (or exactly ``seekers`` and ``offers``) with ``shards`` shard
    workers; one JSON-ready dict. ``reuse``: the kept database ``database`` (default
    :func:`database_name`), seeded only if it is not complete."""
    if shards < 1 or threads < 1:
        raise ValueError("shards and threads must be at least 1")
    scaled = counts(scale)
    seekers, offers = seekers or scaled[0], offers or scaled[1]
    load_before = os.getloadavg()
    if reuse:
        name = database or database_name(scale, seed, seekers, offers)
        seeded = prepare(postgres_url, name, seekers=seekers, offers=offers, seed=seed, log=log)
        result = _day(seeded, shards, threads, round_processes, sample, redis_url, timeout_s, log)
    else:
        with harness.throwaway_database(postgres_url) as url:
            seeded = _seed(url, seekers, offers, seed, log)
            result = _day(seeded, shards, threads, round_processes, sample, redis_url, timeout_s, log)
    result["scale"] = scale if (seekers, offers) == scaled else None
    result["postgres_settings"] = harness.postgres_settings(postgres_url)
    result["load_average"] = {"before": [round(x, 2) for x in load_before],
                              "after": [round(x, 2) for x in os.getloadavg()]}
    at_target = result["scale"] == TARGET_SCALE and shards == TARGET_SHARDS
    result["targets"] = {**TARGETS, "at": f"scale {TARGET_SCALE:g}, {TARGET_SHARDS} shards"}
    result["met"] = ({key: result[key] <= limit for key, limit in TARGETS.items()} | {"identical": result["identical"]}
                     if at_target else None)  # None: not the run the targets are for
    return result


# ---------------------------------------------------------------------------- the database


def prepare(admin_url: str, name: str, *, seekers: int, offers: int, seed: int, log=lambda message: None) -> Seeded:
    """The kept database ``name`` ready for a day: reused if its marker says it holds this
    seeding under this schema (and its rows agree), the day's rows of the last run cleared;
    else dropped and seeded afresh."""
    url = harness.database_url(admin_url, name)
    if harness.database_exists(admin_url, name):
        engine = make_engine(url)
        try:
            found = _marked(engine, seekers, offers, seed)
            if found is not None:
                log(f"reusing {name}: {found.seekers:,} seekers, {found.offers:,} offers")
                _reset_day(engine, found.first_pending_offer)
                return Seeded(url, *found[:4], seed_s=found.seed_s, reused=True)
        finally:
            engine.dispose()
        log(f"{name} is not a complete seeding of these counts: seeding it afresh")
        harness.drop_database(admin_url, name)
    harness.create_database(admin_url, name)
    return _seed(url, seekers, offers, seed, log, mark=True)


def _seed(url: str, seekers: int, offers: int, seed: int, log, *, mark: bool = False) -> Seeded:
    from worker.seed.load import seed_database

    engine = make_engine(url)
    try:
        create_schema(engine)
        log(f"seeding {seekers:,} seekers and {offers:,} pending offers")
        started = time.perf_counter()
        report = seed_database(engine, seekers=seekers, jobs=offers, seed=seed, new_jobs_pending=offers,
                               today=date.today(), profile="realistic")
        _analyse(engine)
        seed_s = time.perf_counter() - started
        with engine.connect() as conn:
            first = conn.execute(select(func.min(JobOffer.id)).where(PENDING)).scalar_one()
        if mark:
            _mark(engine, seekers, report.conditions, offers, seed, first, seed_s)
    finally:
        engine.dispose()
    return Seeded(url, seekers, report.conditions, offers, first, seed_s, reused=False)


def _analyse(engine: Engine) -> None:
    """VACUUM ANALYZE after seeding: the planner's statistics, and no autovacuum of the fresh
    millions of rows running beside the day it would slow."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


def schema_fingerprint() -> str:
    """The models' tables and columns: a kept database made by another schema is seeded again."""
    shape = sorted((table.name, column.name, str(column.type)) for table in SQLModel.metadata.tables.values()
                   for column in table.columns)
    return hashlib.sha256(repr(shape).encode()).hexdigest()[:16]


def _mark(engine: Engine, seekers: int, conditions: int, offers: int, seed: int, first_pending: int,
          seed_s: float) -> None:
    """The marker row, last: in one transaction that first counts what the seeding wrote, so a
    database with a marker holds every row of it."""
    with engine.begin() as conn:
        found = (conn.execute(select(func.count()).select_from(Seeker)).scalar_one(),
                 conn.execute(select(func.count()).select_from(Condition)).scalar_one(),
                 conn.execute(select(func.count()).select_from(JobOffer).where(PENDING)).scalar_one())
        if found != (seekers, conditions, offers):
            raise RuntimeError(f"seeding wrote {found} (seekers, conditions, pending offers), "
                               f"not {(seekers, conditions, offers)}")
        conn.execute(text(f"CREATE TABLE {MARKER} (seekers int NOT NULL, conditions int NOT NULL, offers int NOT NULL, "
                          "seed int NOT NULL, first_pending_offer int NOT NULL, seed_s float NOT NULL, "
                          "schema text NOT NULL, seeded_at timestamptz NOT NULL DEFAULT now())"))
        conn.execute(text(f"INSERT INTO {MARKER} (seekers, conditions, offers, seed, first_pending_offer, seed_s, schema) "
                          "VALUES (:seekers, :conditions, :offers, :seed, :first, :seed_s, :schema)"),
                     {"seekers": seekers, "conditions": conditions, "offers": offers, "seed": seed,
                      "first": first_pending, "seed_s": seed_s, "schema": schema_fingerprint()})


def _marked(engine: Engine, seekers: int, offers: int, seed: int):
    """The marker row if it names this seeding and schema and the tables still hold its rows."""
    with engine.connect() as conn:
        if conn.execute(text("SELECT to_regclass(:name)"), {"name": MARKER}).scalar_one() is None:
            return None
        row = conn.execute(text(f"SELECT seekers, conditions, offers, first_pending_offer, seed_s, seed, schema "
                                f"FROM {MARKER}")).first()
        if row is None or (row.seekers, row.offers, row.seed, row.schema) != (seekers, offers, seed,
                                                                               schema_fingerprint()):
            return None
        held = (conn.execute(select(func.count()).select_from(Seeker)).scalar_one(),
                conn.execute(select(func.count()).select_from(Condition)).scalar_one(),
                conn.execute(select(func.count()).select_from(JobOffer).where(JobOffer.id >= row.first_pending_offer))
                .scalar_one())
        return row if held == (row.seekers, row.conditions, row.offers) else None


def _reset_day(engine: Engine, first_pending: int) -> None:
    """The day again: the seeded new offers pending, and none of a last run's rows."""
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE " + ", ".join(model.__tablename__ for model in DAY_TABLES)))
        conn.execute(JobOffer.__table__.update().where(JobOffer.id >= first_pending)
                     .values(matching_status=MatchingStatus.PENDING.value, matched_at=None))


# ---------------------------------------------------------------------------- the day


def _day(seeded: Seeded, shards: int, threads: int, round_processes: int, sample: int, redis_url: str,
         timeout_s: float, log) -> dict:
    from worker.actors.broker import connect

    engine = make_engine(seeded.url)
    settings, env = harness.worker_settings(seeded.url, redis_url, index_shards=shards)
    pending = _pending(engine)
    database = engine.url.database
    postgres_before = _backend_cpu(database)
    harness.reset_peak_rss()
    log(f"starting {shards} shard workers × {threads} threads")
    arguments = [["--shard", str(i), "--processes", "1", "--threads", str(threads)] for i in range(shards)]
    try:
        started = time.perf_counter()
        with harness.workers(env, *arguments) as running:
            builds = [worker.ready.wait_for(1, timeout_s)[0] for worker in running]
            index_load_s = time.perf_counter() - started
            log(f"indexes ready in {index_load_s:.1f} s; hints for {len(pending):,} offers to every shard")
            dispatcher = connect(settings)
            match_started = time.perf_counter()
            dispatcher.match_job_offers(pending)
            dispatcher.broker.close()
            _wait_until_matched(engine, running, match_started + timeout_s)
            match_s = time.perf_counter() - match_started
            candidates = harness.count_rows(engine, RecommendationCandidate)
            per_offer = _candidates_per_offer(engine, len(pending))
            log(f"{candidates:,} candidates in {match_s:.1f} s; one round for every seeker")
            round_started, children_before = time.perf_counter(), harness.reaped_children_cpu_seconds()
            with _BackendWatch(database) as watch:  # round processes' backends close before the end
                chosen = round_now(engine, settings.model_copy(update={"round_processes": round_processes}))
            round_s = time.perf_counter() - round_started
            # The round's own processes, reaped when their pool closed (the shards still run).
            round_cpu = harness.reaped_children_cpu_seconds() - children_before
            round_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024 if round_processes > 1 else 0
            # The day's own steps: the counts read between them are the benchmark's, not the day's.
            end_to_end_s = index_load_s + match_s + round_s
            # Peaks and CPU time of the shards' processes (dramatiq's parent and its worker) before they stop.
            trees = [worker.processes() for worker in running]
            seen = {**watch.seen, **_backend_cpu(database)}
            postgres_cpu = sum(cpu - postgres_before.get(pid, 0.0) for pid, cpu in seen.items())
            shard_rss = [harness.peak_rss_mb(tree) for tree in trees]
            shard_cpu = [harness.cpu_seconds(tree) for tree in trees]
        for worker in running:  # stopped: their logs' last batches are read
            worker.ready.wait_closed(60)
        left_out = sum(worker.ready.left_out for worker in running)
        own_rss = harness.peak_rss_mb([os.getpid()])
        own_cpu = harness.cpu_seconds([os.getpid()])
    finally:
        harness.forget_namespace(redis_url, settings.redis_namespace)
    left = harness.count_rows(engine, JobOffer, PENDING)
    claims = harness.count_rows(engine, OfferShardMatch)
    items, mails = harness.count_rows(engine, InboxItem), harness.count_rows(engine, OutboxMail)
    log(f"checking {sample} offers against the reference matcher")
    identical, sample_matches = _agrees_with_reference(engine, settings, pending, sample)
    engine.dispose()
    return {
        "date": date.today().isoformat(),
        "seekers": seeded.seekers,
        "conditions": seeded.conditions,
        "indexed_conditions": sum(n for n, _ in builds),
        "conditions_per_shard": [n for n, _ in builds],
        "offers": len(pending),
        "shards": shards,
        "threads": threads,
        "round_processes": round_processes,
        "reused": seeded.reused,
        "seed_s": round(seeded.seed_s, 1),
        "index_load_s": round(index_load_s, 2),
        "index_build_s": [round(s, 1) for _, s in builds],
        "match_s": round(match_s, 2),
        "offers_per_s": round(len(pending) / match_s, 1) if match_s else None,
        "offers_left_pending": left,
        "shard_claims": claims,
        "candidates": candidates,
        "candidates_per_s": round(candidates / match_s, 1) if match_s else None,
        # Every (seeker, offer) pair matched: the candidates stored and those the day's
        # shortlist left out (``worker.pipeline.shortlist``), as the shards logged them.
        "matches": candidates + left_out,
        "matches_per_s": round((candidates + left_out) / match_s, 1) if match_s else None,
        "left_out": left_out,
        # The matches of an offer are the reference's over the sample (the shards store fewer:
        # the day's shortlist), the candidates those stored.
        "matches_per_offer_p50": float(statistics.median(sample_matches)) if sample_matches else 0.0,
        "candidates_per_offer_p50": per_offer,
        "round_s": round(round_s, 2),
        "inbox_items": items,
        "seekers_reached": len(chosen.seekers),
        "digests_queued": chosen.mails_queued,
        "mails_queued": mails,
        "end_to_end_s": round(end_to_end_s, 2),
        "peak_rss_mb_total": sum(shard_rss) + own_rss + round_processes * round_rss,  # round_rss: 0 with one
        # round_processes: the largest of them (the kernel keeps one peak for all reaped children)
        "peak_rss_mb": {"shards": shard_rss, "bench": own_rss, "round_processes": round_rss},
        "cpu_s": {"shards": [round(s, 1) for s in shard_cpu], "bench": round(own_cpu, 1),
                  "round_processes": round(round_cpu, 1),
                  # Of the local server's backends open at the end of the day (the workers' pools)
                  # and of those the round's processes opened and closed.
                  "postgres": round(postgres_cpu, 1)},
        "identical": identical,
        "identical_sample": min(sample, len(pending)),
    }


def _backend_cpu(database: str) -> dict[int, float]:
    return {pid: harness.cpu_seconds([pid]) for pid in harness.postgres_backends(database)}


class _BackendWatch:
    """Every second, the CPU seconds of the database's backends, kept per process after it ends."""

    def __init__(self, database: str):
        self.database, self.seen = database, {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.wait(1.0):
            self.seen.update(_backend_cpu(self.database))

    def __enter__(self) -> "_BackendWatch":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def _pending(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        return list(conn.execute(select(JobOffer.id).where(PENDING).order_by(JobOffer.id)).scalars())


def _wait_until_matched(engine: Engine, running: list[harness.Worker], deadline: float) -> None:
    """Poll until no offer is pending; a shard that exits or the deadline stops the run."""
    while harness.count_rows(engine, JobOffer, PENDING):
        for worker in running:
            if worker.proc.poll() is not None:
                raise harness.WorkerFailed(f"a shard worker exited (status {worker.proc.returncode})",
                                           worker.ready.lines)
        if time.perf_counter() > deadline:
            raise TimeoutError("offers were still pending at the deadline")
        time.sleep(0.2)


def _candidates_per_offer(engine: Engine, offers: int) -> float:
    """The median of candidates (one per seeker) per new offer, offers without any counted as 0."""
    per_offer = select(func.count().label("n")).select_from(RecommendationCandidate).group_by(
        RecommendationCandidate.job_offer_id)
    with engine.connect() as conn:
        found = list(conn.execute(per_offer).scalars())
    return float(statistics.median(found + [0] * (offers - len(found)))) if offers else 0.0


def sample_of(offer_ids: list[int], size: int) -> list[int]:
    """``size`` offers spread evenly over ``offer_ids``."""
    if size <= 0 or not offer_ids:
        return []
    step = max(1, len(offer_ids) // size)
    return offer_ids[::step][:size]


def _agrees_with_reference(engine: Engine, settings, offer_ids: list[int], size: int) -> tuple[bool, list[int]]:
    """The shards' candidates for a sample of offers against the reference matcher over every
    recommendable condition, read in chunks (the union of the chunks' matches is the whole's: the
    reference matches each condition on its own). Every stored (seeker, offer) pair must be one
    of the reference's, and every reference pair left unstored must have the day's shortlist
    ahead of it (``worker.pipeline.shortlist``): ``candidates_per_day`` of the seeker's stored
    candidates ranked above it, at most ``recommendations_per_employer`` counted per employer.
    Also returns the reference's number of matches (seekers) of each sampled offer."""
    chosen = sample_of(offer_ids, size)
    with engine.connect() as conn:
        offers = conn.execute(select(JobOffer.__table__).where(JobOffer.id.in_(chosen))).all()
        values = [(offer.id, offer_value(offer)) for offer in offers]
        written = {(seeker_id, offer_id) for seeker_id, offer_id in conn.execute(
            select(RecommendationCandidate.seeker_id, RecommendationCandidate.job_offer_id)
            .where(RecommendationCandidate.job_offer_id.in_(chosen)))}
        expected: dict[tuple[int, int], int] = {}
        stmt = (select(*COLUMNS).join(Seeker, Seeker.id == Condition.seeker_id).where(recommendable_clause())
                .order_by(Condition.id))
        chunk: list[matchers.Condition] = []
        for row in conn.execution_options(yield_per=20_000).execute(stmt):
            chunk.append(condition_value(row))
            if len(chunk) == REFERENCE_CHUNK:
                _reference_ranks(chunk, values, expected)
                chunk = []
        _reference_ranks(chunk, values, expected)
        matches = Counter(offer_id for _, offer_id in expected)
        per_offer = [matches[offer_id] for offer_id in chosen]
        if not written <= set(expected):
            return False, per_offer
        unstored = {pair: rank for pair, rank in expected.items() if pair not in written}
        facts = {offer.id: shortlist.Offer.of(offer.employer_name, value) for offer, (_, value) in zip(offers, values)}
        return all(_left_out_by_rule(conn, settings, unstored, facts)), per_offer


def _left_out_by_rule(conn, settings, unstored: dict[tuple[int, int], int], facts: dict[int, shortlist.Offer]):
    """For each unstored pair (with its rank), whether the seeker's stored candidates leave it
    out by the shortlist's rule."""
    if unstored and not settings.candidates_per_day:
        yield False  # without a shortlist every pair is stored
        return
    c = RecommendationCandidate.__table__.c
    seekers = sorted({seeker_id for seeker_id, _ in unstored})
    held: dict[int, list[tuple[int, str | None]]] = {}
    for start in range(0, len(seekers), 5_000):
        rows = conn.execute(select(c.seeker_id, c.score, *JobOffer.__table__.c)
                            .join(JobOffer.__table__, JobOffer.id == c.job_offer_id)
                            .where(c.seeker_id.in_(seekers[start:start + 5_000]))).all()
        for row in rows:
            offer = shortlist.Offer.of(row.employer_name, offer_value(row))
            held.setdefault(row.seeker_id, []).append((shortlist.order_key(row.score, offer), offer.employer))
    for (seeker_id, offer_id), rank in unstored.items():
        offer = facts[offer_id]
        yield shortlist.counted_ahead(shortlist.order_key(rank, offer), offer.employer, held.get(seeker_id, []),
                                      settings.recommendations_per_employer) >= settings.candidates_per_day


def _reference_ranks(conditions: list[matchers.Condition], offers: list, ranks: dict[tuple[int, int], int]) -> None:
    """The reference's (seeker, offer) pairs into ``ranks``, each with its candidate's rank: the
    best of the seeker's matching conditions (``matchers.ranking``)."""
    if not conditions:
        return
    reference = matchers.ReferenceMatcher(conditions)
    by_id = {condition.condition_id: condition for condition in conditions}
    today = clock.local_date(utcnow())
    for offer_id, offer in offers:
        for match in reference.match(offer):
            condition = by_id[match.condition_id]
            rank = ranking.rank_score(match.score, offer, wage_min=condition.wage_min, wage_type=condition.wage_type,
                                      today=today)
            pair = (match.seeker_id, offer_id)
            ranks[pair] = max(rank, ranks.get(pair, rank))

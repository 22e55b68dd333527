"""The pipeline benchmark: one batch of new job offers through real worker processes on Redis +
PostgreSQL, from the hints to the candidates, then one recommendation round to the inbox items
and queued digests.

In a throw-away PostgreSQL database it seeds ``seekers`` seekers (with their registered
conditions and saved searches) and ``offers`` job offers left pending, starts
``mypage-worker worker`` (dramatiq processes on Redis, consuming only the matching queue so the
numbers are about producing inbox items and mails, not sending them), waits until every
process has loaded its condition index, then sends the hints for all offers and polls the
database until no offer is pending (each offer's candidates commit with its status): that is
``match_s``. Then, with the workers stopped, it runs one recommendation round for every seeker,
its seeker windows shared between ``round_processes`` processes (``round_s``).
``end_to_end_s`` is hints sent → round committed. The cold start (index load) is reported
separately. Not a timed test: one command that prints JSON.
"""

from __future__ import annotations

import time
from datetime import date

from sqlalchemy import func, select

from worker.bench.harness import (
    count_rows,
    forget_namespace,
    reaped_children_cpu_seconds,
    throwaway_database,
    worker_settings,
    workers,
)
from worker.db import create_schema, make_engine
from worker.domain.models import InboxItem, JobOffer, MatchingStatus, OutboxMail, RecommendationCandidate
from worker.pipeline.rounds import round_now

TARGET_CANDIDATES_PER_S = 100_000
TARGET_BATCH_S = 60.0


def run(*, offers: int, seekers: int, seed: int = 7, processes: int = 2, threads: int = 4, round_processes: int = 1,
        postgres_url: str = "postgresql://postgres@127.0.0.1:5432/postgres",
        redis_url: str = "redis://127.0.0.1:6379/0", timeout_s: float = 1800.0,
        log: callable = lambda message: None, profile: str = "realistic") -> dict:
    from worker.actors.broker import connect
    from worker.seed.load import seed_database

    with throwaway_database(postgres_url) as url:
        engine = make_engine(url)
        create_schema(engine)
        log(f"seeding {seekers:,} seekers and {offers:,} pending offers")
        report = seed_database(engine, seekers=seekers, jobs=offers, seed=seed, new_jobs_pending=offers,
                               today=date.today(), profile=profile)
        settings, env = worker_settings(url, redis_url)
        namespace = settings.redis_namespace
        log(f"starting {processes} worker processes × {threads} threads")
        arguments = ["--processes", str(processes), "--threads", str(threads), "--queues", "matching"]
        with workers(env, arguments) as (worker,):
            builds = worker.ready.wait_for(processes, timeout_s)
            pending = list(_scalars(engine, select(JobOffer.id).where(
                JobOffer.matching_status == MatchingStatus.PENDING.value).order_by(JobOffer.id)))
            dispatcher = connect(settings)
            log(f"sending hints for {len(pending):,} offers")
            started = time.perf_counter()
            dispatcher.match_job_offers(pending)
            while count_rows(engine, JobOffer, JobOffer.matching_status == MatchingStatus.PENDING.value) and \
                    time.perf_counter() - started < timeout_s:
                time.sleep(0.2)
            match_s = time.perf_counter() - started
            dispatcher.broker.close()
        worker.ready.wait_closed(60)  # stopped: its log's last batches are read
        left_out = worker.ready.left_out
        forget_namespace(redis_url, namespace)
        candidates = count_rows(engine, RecommendationCandidate)
        saved_search_mails = count_rows(engine, OutboxMail)
        log(f"{candidates:,} candidates in {match_s:.1f} s; one round for every seeker")
        round_started, children_before = time.perf_counter(), reaped_children_cpu_seconds()
        chosen = round_now(engine, settings.model_copy(update={"round_processes": round_processes}))
        round_s = time.perf_counter() - round_started
        # The workers were reaped before the round: what the children spent since is the round's.
        round_processes_cpu_s = reaped_children_cpu_seconds() - children_before
        seconds = match_s + round_s
        items = count_rows(engine, InboxItem)
        mails = count_rows(engine, OutboxMail)
        most = _most_items_per_seeker(engine)
        left = count_rows(engine, JobOffer, JobOffer.matching_status == MatchingStatus.PENDING.value)
        engine.dispose()
    result = {
        "date": date.today().isoformat(),
        "offers": offers,
        "seekers": seekers,
        "conditions": report.conditions,
        "processes": processes,
        "threads": threads,
        "round_processes": round_processes,
        "offers_left_pending": left,
        "candidates": candidates,
        "candidates_per_s": round(candidates / match_s, 1),
        # Every (seeker, offer) pair matched: the candidates stored and those the day's
        # shortlist left out (``worker.pipeline.shortlist``), as the workers logged them.
        "matches": candidates + left_out,
        "matches_per_s": round((candidates + left_out) / match_s, 1),
        "left_out": left_out,
        "match_s": round(match_s, 2),
        "round_s": round(round_s, 2),
        "round_processes_cpu_s": round(round_processes_cpu_s, 1),
        "inbox_items": items,
        "seekers_reached": len(chosen.seekers),
        "mails_queued": mails,
        "digests_queued": chosen.mails_queued,
        "saved_search_mails": saved_search_mails,
        "max_items_per_seeker_day": most,
        "budget": settings.recommendations_per_day,
        "end_to_end_s": round(seconds, 2),
        "offers_per_s": round((offers - left) / match_s, 1),
        "index_build_s": round(max(b for _, b in builds), 2),
        "indexed_conditions": builds[0][0],
        "seed_s": round(report.seconds, 1),
        "targets": {"candidates_per_s": TARGET_CANDIDATES_PER_S, "end_to_end_s": TARGET_BATCH_S,
                    "max_items_per_seeker_day": settings.recommendations_per_day},
    }
    result["met"] = {"candidates_per_s": result["candidates_per_s"] >= TARGET_CANDIDATES_PER_S,
                     "end_to_end_s": seconds <= TARGET_BATCH_S and left == 0,
                     "max_items_per_seeker_day": most <= settings.recommendations_per_day}
    return result


def _scalars(engine, stmt):
    with engine.connect() as conn:
        return conn.execute(stmt).scalars().all()


def _most_items_per_seeker(engine) -> int:
    """The most おすすめ求人 one seeker got (all in today's round)."""
    per_seeker = (select(func.count().label("n")).select_from(InboxItem).group_by(InboxItem.seeker_id)
                  .subquery())
    with engine.connect() as conn:
        return conn.execute(select(func.coalesce(func.max(per_seeker.c.n), 0))).scalar_one()

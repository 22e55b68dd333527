"""The index-load benchmark (issue 10): how long a worker or shard process takes, from its start,
to hold its conditions in a ready ``IndexCache`` (``IndexCache.build``).

It seeds a throw-away PostgreSQL database with enough seekers for about ``conditions``
recommendable conditions (``worker.seed``; or reads a database given with ``database_url``,
seeding nothing), then builds the index in a fresh process — so the CPU seconds and the peak
resident memory are the load's own, not the seeding's — and prints what that process measured:
wall seconds, CPU seconds (user + system, this process only: PostgreSQL's work runs in its own
processes beside it), conditions loaded and the peak RSS. The target is 60 s for a shard of a
million conditions (``met``; pro rata for more). Not a timed test: one command that prints JSON.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import resource
import time
from datetime import date

from worker.cli.database import CommandError

TARGET_S_PER_MILLION = 60.0
# Recommendable conditions per seeded seeker: about 3.3 conditions each, of seekers of whom about
# 60 % may receive recommendations (``worker.seed``); measured on both profiles at seed 1.
CONDITIONS_PER_SEEKER = 2.0


def run(*, conditions: int, profile: str = "dense", shards: int = 1, shard: int = 0, seed: int = 1,
        postgres_url: str = "postgresql://postgres@127.0.0.1:5432/postgres", database_url: str | None = None,
        log: callable = lambda message: None) -> dict:
    if database_url is not None:
        seeded, seed_s = None, None
        measured = _measure_in_fresh_process(database_url, shards, shard)
    else:
        from worker.bench.harness import throwaway_database
        from worker.db import create_schema, make_engine
        from worker.seed.load import seed_database

        with throwaway_database(postgres_url) as url:
            engine = make_engine(url)
            create_schema(engine)
            seekers = math.ceil(conditions * shards / CONDITIONS_PER_SEEKER)
            log(f"seeding {seekers:,} seekers ({profile})")
            report = seed_database(engine, seekers=seekers, jobs=1, seed=seed, today=date.today(), profile=profile)
            engine.dispose()
            seeded, seed_s = report.conditions, round(report.seconds, 1)
            log(f"loading shard {shard} of {shards}" if shards > 1 else "loading the index")
            measured = _measure_in_fresh_process(url, shards, shard)
    loaded = measured["conditions"]
    target_s = TARGET_S_PER_MILLION * max(1.0, loaded / 1_000_000)  # pro rata beyond a million
    return {
        "date": date.today().isoformat(),
        "profile": profile if database_url is None else None,
        "shards": shards,
        "shard": shard,
        "conditions": loaded,
        "seeded_conditions": seeded,
        "seconds": round(measured["seconds"], 2),
        "cpu_s": round(measured["cpu_s"], 2),
        "conditions_per_s": round(loaded / measured["seconds"]) if measured["seconds"] else None,
        "peak_rss_mb": measured["peak_rss_mb"],
        "distinct_bodies": measured["distinct_bodies"],
        "load_average": round(os.getloadavg()[0], 2),
        "seed_s": seed_s,
        "target_s": round(target_s, 2),
        "met": measured["seconds"] <= target_s,
        "cpus": os.cpu_count(),
    }


def _measure_in_fresh_process(url: str, shards: int, shard: int) -> dict:
    context = multiprocessing.get_context("spawn")
    receiving, sending = context.Pipe(duplex=False)
    process = context.Process(target=_load, args=(url, shards, shard, sending), name="index-load")
    process.start()
    sending.close()
    try:
        result = receiving.recv()
    except EOFError:
        result = None
    process.join()
    if result is None:
        raise CommandError(f"the index-load process ended without a result (exit code {process.exitcode})")
    if "error" in result:
        raise CommandError(result["error"])
    return result


def _load(url: str, shards: int, shard: int, sending) -> None:
    """In the fresh process: build the index once and send back what it cost."""
    try:
        from worker.db import make_engine
        from worker.pipeline.index_cache import IndexCache
        from worker.pipeline.shards import Shard

        cache = IndexCache(make_engine(url), shard=Shard(shard, shards) if shards > 1 else None)
        before, started = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
        cache.build()
        seconds, after = time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF)
        sending.send({
            "conditions": len(cache),
            "seconds": seconds,
            "cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
            "peak_rss_mb": round(after.ru_maxrss / 1024, 1),  # Linux: kilobytes
            "distinct_bodies": cache.distinct_bodies,
        })
    except Exception as exc:  # reported by the parent as one line
        sending.send({"error": f"loading the index failed: {type(exc).__name__}: {exc}"})
    finally:
        sending.close()

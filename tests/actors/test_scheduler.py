"""One scheduler acts at a time, and each tick runs once even when two fire it."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest

from worker.actors.leader import NoLock, PostgresLeaderLock, RedisLeaderLock
from worker.actors.scheduler import Scheduler
from worker.config import load_settings
from worker.pipeline import periodic
from worker.pipeline.hints import NoHints


def second_slot(now, settings):
    return now.strftime("%Y-%m-%dT%H:%M:%S")


class Probe:
    """A periodic job firing every second that records who acted on which tick."""

    def __init__(self):
        self.acted: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def job(self, owner: str) -> periodic.PeriodicJob:
        def run(session, ctx):
            with self._lock:
                self.acted.append((owner, second_slot(ctx.now, ctx.settings)))
            return 1
        return periodic.PeriodicJob("probe", {"second": "*"}, second_slot, run)


def until(condition, timeout=15.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def run_schedulers(engine, settings, probe, locks, seconds=3.5):
    schedulers = [Scheduler(settings, engine, NoHints(), jobs=[probe.job(f"s{n}")], lock=lock, owner=f"s{n}")
                  for n, lock in enumerate(locks)]
    for scheduler in schedulers:
        scheduler.start()
    time.sleep(seconds)
    for scheduler in schedulers:
        scheduler.shutdown()
    return schedulers


@pytest.mark.redis
def test_two_schedulers_act_on_each_tick_once(engine, redis_url):
    settings = load_settings(redis_url=redis_url)
    probe = Probe()
    locks = [RedisLeaderLock(redis_url, key="test:scheduler", ttl_ms=3000) for _ in range(2)]

    run_schedulers(engine, settings, probe, locks)

    slots = Counter(slot for _, slot in probe.acted)
    assert len(slots) >= 2 and set(slots.values()) == {1}
    assert len({owner for owner, _ in probe.acted}) == 1  # the leader acted, the other stood by


def test_without_a_leader_lock_the_tick_table_still_runs_each_tick_once(engine):
    probe = Probe()

    run_schedulers(engine, load_settings(), probe, [NoLock(), NoLock()])

    slots = Counter(slot for _, slot in probe.acted)
    assert len(slots) >= 2 and set(slots.values()) == {1}


@pytest.mark.redis
def test_a_standby_scheduler_takes_over_when_the_leader_stops(engine, redis_url):
    settings = load_settings(redis_url=redis_url)
    probe = Probe()
    first, second = (Scheduler(settings, engine, NoHints(), jobs=[probe.job(name)], owner=name,
                               lock=RedisLeaderLock(redis_url, key="test:scheduler", ttl_ms=1500))
                     for name in ("first", "second"))
    first.start()
    second.start()
    try:
        until(lambda: any(owner == "first" for owner, _ in probe.acted))
        first.shutdown()
        until(lambda: any(owner == "second" for owner, _ in probe.acted))
    finally:
        second.shutdown()

    owners = [owner for owner, _ in probe.acted]
    assert owners[0] == "first" and owners[-1] == "second"
    assert set(Counter(slot for _, slot in probe.acted).values()) == {1}


@pytest.mark.redis
def test_the_redis_lock_belongs_to_one_holder_until_it_lapses(redis_url):
    a = RedisLeaderLock(redis_url, key="test:lock", ttl_ms=400)
    b = RedisLeaderLock(redis_url, key="test:lock", ttl_ms=400)
    assert a.acquire() and not b.acquire()
    assert a.acquire()  # renewing keeps it
    time.sleep(0.6)  # a stopped renewing
    assert b.acquire() and not a.acquire()
    b.release()
    assert a.acquire()


@pytest.mark.postgres
def test_the_postgres_advisory_lock_admits_one_leader(postgres_url):
    from worker.db import make_engine

    engine = make_engine(postgres_url)
    a, b = PostgresLeaderLock(engine, key=4242), PostgresLeaderLock(engine, key=4242)
    try:
        assert a.acquire() and not b.acquire()
        assert a.acquire()
        a.release()
        assert b.acquire()
    finally:
        a.release()
        b.release()
        engine.dispose()

"""Periodic jobs: each tick claimed once, in the job's own transaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from worker.config import Settings
from worker.db import session_scope
from worker.domain.models import InboxItem, MailStatus, OutboxMail, SchedulerTick
from worker.pipeline import periodic
from worker.pipeline.hints import NoHints
from worker.pipeline.index_cache import IndexCache
from worker.pipeline.recommend import match_pending_offers
from worker.pipeline.rounds import run_round

from .conftest import DAYTIME


def ctx(world, settings, now=DAYTIME):
    return periodic.Context(world.engine, settings, NoHints(), now)


def counting_job(runs, *, fail=False):
    def run(session, context):
        runs.append(context.now)
        if fail:
            raise RuntimeError("the job broke")
        return 1
    return periodic.PeriodicJob("probe", {"minute": "*"}, periodic.minute_slot, run)


def test_a_tick_runs_once_however_often_it_fires(world, settings):
    runs = []
    job = counting_job(runs)

    results = [periodic.run_tick(job, ctx(world, settings, DAYTIME + timedelta(seconds=s)), owner=f"s{s}")
               for s in (0, 10, 59)]

    assert results == [1, None, None] and len(runs) == 1
    periodic.run_tick(job, ctx(world, settings, DAYTIME + timedelta(minutes=1)), owner="s")
    assert len(runs) == 2  # the next slot is a new tick


def test_a_failed_job_gives_its_tick_back(world, settings):
    runs = []
    with pytest.raises(RuntimeError):
        periodic.run_tick(counting_job(runs, fail=True), ctx(world, settings), owner="a")

    assert periodic.run_tick(counting_job(runs), ctx(world, settings), owner="b") == 1
    with session_scope(world.engine) as session:
        assert session.execute(select(SchedulerTick.claimed_by)).scalars().all() == ["b"]


def test_daily_jobs_are_keyed_by_the_jst_date():
    settings_jst = Settings()
    late_utc = datetime(2025, 6, 10, 16, 0, tzinfo=UTC)  # 01:00 JST on the 11th
    assert periodic.day_slot(late_utc, settings_jst) == "2025-06-11"
    assert periodic.minute_slot(late_utc, settings_jst) == "2025-06-10T16:00"


def test_every_rule_of_the_leaflet_has_a_job():
    names = {job.name for job in periodic.jobs(Settings())}
    assert {"sweeper", "expire-authentication-keys", "message-retention", "my-page-deletion",
            "no-show-restrictions", "registration-expiry", "leftover-digests", "recommendation-round",
            "recommendation-upkeep"} <= names


def test_recommendation_rounds_run_hourly_in_the_daytime_and_once_per_hour():
    [job] = [job for job in periodic.jobs(Settings()) if job.name == "recommendation-round"]
    assert job.cron == {"hour": "8-20", "minute": 0} and job.slot is periodic.hour_slot


def test_the_scheduled_round_puts_the_collected_candidates_in_the_inbox_once(world, settings):
    seeker = world.seeker()
    world.condition(seeker)
    match_pending_offers(world.engine, settings, IndexCache(world.engine), [world.offer()], now=DAYTIME)
    [job] = [job for job in periodic.jobs(settings) if job.name == "recommendation-round"]

    results = [periodic.run_tick(job, ctx(world, settings, DAYTIME + timedelta(minutes=m)), owner=f"s{m}")
               for m in (0, 1)]

    assert results == [1, None] and len(world.inbox(seeker)) == 1


def test_leftover_items_join_the_next_days_digest_before_eight(world, settings):
    settings = settings.model_copy(update={"quiet_hours_start": 21, "quiet_hours_end": 8})
    seeker = world.seeker()
    world.condition(seeker)
    cache = IndexCache(world.engine)
    match_pending_offers(world.engine, settings, cache, [world.offer()], now=DAYTIME)
    with session_scope(world.engine) as session:
        run_round(session, settings, now=DAYTIME)
    [first] = world.outbox()
    world.update(OutboxMail, first.id, status=MailStatus.SENT.value)
    match_pending_offers(world.engine, settings, cache, [world.offer()], now=DAYTIME + timedelta(hours=2))
    with session_scope(world.engine) as session:
        run_round(session, settings, now=DAYTIME + timedelta(hours=2))
    left = world.inbox(seeker)[-1]
    assert left.mailed_at is None
    morning = datetime(2025, 6, 10, 22, 30, tzinfo=UTC)  # 07:30 JST on the 11th

    with session_scope(world.engine) as session:
        assert periodic.queue_leftover_digests(session, settings, now=morning) == 1

    second = world.outbox("recommendations")[-1]
    assert second.dedupe_key == f"recommend-digest:{seeker}:2025-06-11"
    assert second.context["inbox_item_ids"] == [left.id]
    assert second.next_attempt_at == datetime(2025, 6, 10, 23, 0, tzinfo=UTC)
    assert world.get(InboxItem, left.id).mailed_at is not None

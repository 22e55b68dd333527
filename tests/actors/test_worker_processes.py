"""``mypage-worker worker`` processes on Redis and PostgreSQL, and what happens when things die:
a worker killed with SIGKILL mid-batch, Redis restarted mid-batch, a worker asked to stop.
Each test ends by counting: every recommendation in the inbox once, every mail sent once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from worker.actors.broker import connect
from worker.domain.models import JobOffer
from worker.pipeline.sweeper import sweep

from .conftest import (
    assert_everything_delivered_exactly_once,
    choose,
    matched_offers,
    pending_offers,
    seed,
    settings_from,
    start_worker,
    unsent_mails,
    wait_until,
    worker_env,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


def offer_ids(engine) -> list[int]:
    with engine.connect() as conn:
        return list(conn.execute(select(JobOffer.id).order_by(JobOffer.id)).scalars())


def hint_one_offer_per_message(settings, ids):
    dispatcher = connect(settings)
    dispatcher.offers_per_message = 1  # many small messages: a long batch to interrupt
    dispatcher.match_job_offers(ids)
    return dispatcher


def finish(engine, settings):
    """Play the scheduler: sweep at once, then every half second until nothing is pending; run a
    recommendation round; sweep until nothing is unsent (a mail the dead worker held comes back
    when its short test lease runs out)."""
    dispatcher = connect(settings)
    sweep(engine, dispatcher, settings, grace=timedelta(0))
    wait_until(lambda: pending_offers(engine) == 0, every=0.5,
               between=lambda: sweep(engine, dispatcher, settings, grace=timedelta(seconds=5)))
    choose(engine, settings, dispatcher)
    wait_until(lambda: unsent_mails(engine) == 0, every=0.5,
               between=lambda: sweep(engine, dispatcher, settings, grace=timedelta(seconds=5)))


def test_a_batch_goes_through_worker_processes_on_redis(pg, redis_url, tmp_path, processes):
    seed(pg, seekers=150, offers=30)
    env = worker_env(tmp_path, pg.url.render_as_string(hide_password=False), redis_url)
    settings = settings_from(env)
    start_worker(processes, env)

    dispatcher = connect(settings)
    dispatcher.match_job_offers(offer_ids(pg))
    wait_until(lambda: pending_offers(pg) == 0)
    choose(pg, settings, dispatcher)
    wait_until(lambda: unsent_mails(pg) == 0)

    assert_everything_delivered_exactly_once(pg, settings.outbox_dir, settings=settings)


def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_nothing(pg, redis_url, tmp_path, processes):
    seed(pg, seekers=300, offers=160)
    env = worker_env(tmp_path, pg.url.render_as_string(hide_password=False), redis_url)
    settings = settings_from(env)
    first = start_worker(processes, env)
    hint_one_offer_per_message(settings, offer_ids(pg))

    wait_until(lambda: matched_offers(pg) >= 30, every=0.02)
    first.kill()  # SIGKILL: messages in hand and prefetched stay with the dead worker in Redis
    left = pending_offers(pg)
    assert left > 0, "the batch finished before the kill; make it longer"

    start_worker(processes, env)
    finish(pg, settings)

    assert_everything_delivered_exactly_once(pg, settings.outbox_dir, settings=settings)


def test_redis_restarted_mid_batch_loses_nothing(pg, redis_server, tmp_path, processes):
    seed(pg, seekers=300, offers=160)
    env = worker_env(tmp_path, pg.url.render_as_string(hide_password=False), redis_server.url)
    settings = settings_from(env)
    start_worker(processes, env)
    hint_one_offer_per_message(settings, offer_ids(pg))

    wait_until(lambda: matched_offers(pg) >= 30, every=0.02)
    redis_server.kill()  # no persistence: every queued message is gone
    assert pending_offers(pg) > 0, "the batch finished before Redis went down; make it longer"
    redis_server.start()

    finish(pg, settings)

    assert_everything_delivered_exactly_once(pg, settings.outbox_dir, settings=settings)


def test_sigterm_lets_the_worker_finish_or_hand_back_its_messages(pg, redis_url, tmp_path, processes):
    seed(pg, seekers=300, offers=400)  # long enough that SIGTERM finds work left on a fast machine
    env = worker_env(tmp_path, pg.url.render_as_string(hide_password=False), redis_url)
    settings = settings_from(env)
    first = start_worker(processes, env)
    hint_one_offer_per_message(settings, offer_ids(pg))

    wait_until(lambda: matched_offers(pg) >= 20, every=0.02)
    assert first.terminate() == 0
    assert pending_offers(pg) > 0, "the batch finished before SIGTERM; make it longer"

    start_worker(processes, env)  # no sweeper: what the first worker held must be back in Redis
    wait_until(lambda: pending_offers(pg) == 0)
    choose(pg, settings, connect(settings))
    wait_until(lambda: unsent_mails(pg) == 0)

    assert_everything_delivered_exactly_once(pg, settings.outbox_dir, settings=settings)

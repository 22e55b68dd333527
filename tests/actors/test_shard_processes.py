"""Two shards of the condition index as ``mypage-worker worker --shard I`` processes on Redis and
PostgreSQL, plus one worker for the other queues (offer hints by number, mail): the day's work
goes through, a shard SIGKILLed mid-batch and a shard's messages lost with Redis are both made
good by the sweeper. Each test ends by counting: every candidate once, every mail sent once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from worker.actors.broker import connect
from worker.domain.models import JobOffer, MatchingStatus, OfferShardMatch

from .conftest import (
    assert_everything_delivered_exactly_once,
    choose,
    pending_offers,
    seed,
    settings_from,
    unsent_mails,
    wait_until,
    worker_env,
)
from .test_worker_processes import finish, hint_one_offer_per_message, offer_ids

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

SHARDS = 2


def shard_env(tmp_path, pg, redis_url) -> dict[str, str]:
    env = worker_env(tmp_path, pg.url.render_as_string(hide_password=False), redis_url)
    env["MYPAGE_INDEX_SHARDS"] = str(SHARDS)
    return env


def start_shard(processes, env, shard: int):
    worker = processes(["worker", "--shard", str(shard), "--processes", "1", "--threads", "2"], env)
    worker.wait_for(f"(shard {shard} of {SHARDS})")
    return worker


def start_general(processes, env):
    """The queues that are no shard's (``matching`` for hints by job number, ``mail``)."""
    worker = processes(["worker", "--processes", "1", "--threads", "2"], env)
    worker.wait_for("Worker process is ready for action")
    return worker


def claimed_by(engine, shard: int) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(OfferShardMatch)
                            .where(OfferShardMatch.shard == shard)).scalar_one()


def matched_without(engine, shard: int) -> int:
    """Offers matched though ``shard`` has no record of them (must be none)."""
    with engine.connect() as conn:
        recorded = select(OfferShardMatch.job_offer_id).where(OfferShardMatch.shard == shard)
        return conn.execute(select(func.count()).select_from(JobOffer).where(
            JobOffer.matching_status == MatchingStatus.MATCHED.value, JobOffer.id.not_in(recorded))).scalar_one()


def test_two_shard_workers_deliver_what_one_index_would(pg, redis_url, tmp_path, processes):
    seed(pg, seekers=150, offers=30)
    env = shard_env(tmp_path, pg, redis_url)
    settings = settings_from(env)
    shards = [start_shard(processes, env, i) for i in range(SHARDS)]
    start_general(processes, env)

    dispatcher = connect(settings)
    dispatcher.match_job_offers(offer_ids(pg))
    wait_until(lambda: pending_offers(pg) == 0)
    choose(pg, settings, dispatcher)
    wait_until(lambda: unsent_mails(pg) == 0)

    assert_everything_delivered_exactly_once(pg, settings.outbox_dir, settings=settings)
    assert claimed_by(pg, 0) == claimed_by(pg, 1) == 30
    for i, shard in enumerate(shards):  # each held its own part, not the whole index
        assert any(f"(shard {i} of {SHARDS})" in line for line in shard.lines)


def test_a_shard_killed_mid_batch_is_made_good_by_the_sweeper(pg, redis_url, tmp_path, processes):
    seed(pg, seekers=300, offers=160)
    env = shard_env(tmp_path, pg, redis_url)
    settings = settings_from(env)
    start_shard(processes, env, 0)
    second = start_shard(processes, env, 1)
    start_general(processes, env)
    hint_one_offer_per_message(settings, offer_ids(pg))

    wait_until(lambda: claimed_by(pg, 1) >= 30, every=0.02)
    second.kill()  # SIGKILL: its messages in hand and prefetched stay with the dead worker in Redis
    assert claimed_by(pg, 1) < 160, "shard 1 finished before the kill; make the batch longer"
    assert matched_without(pg, 1) == 0  # an offer shard 1 has not matched is not matched

    start_shard(processes, env, 1)
    finish(pg, settings)

    assert_everything_delivered_exactly_once(pg, settings.outbox_dir, settings=settings)
    assert claimed_by(pg, 0) == claimed_by(pg, 1) == 160


def test_a_shards_messages_lost_with_redis_are_sent_again(pg, redis_server, tmp_path, processes):
    seed(pg, seekers=300, offers=160)
    env = shard_env(tmp_path, pg, redis_server.url)
    settings = settings_from(env)
    start_shard(processes, env, 0)
    start_general(processes, env)
    hint_one_offer_per_message(settings, offer_ids(pg))  # to both queues; shard 1 is not running yet

    wait_until(lambda: claimed_by(pg, 0) >= 30, every=0.02)
    redis_server.kill()  # no persistence: shard 1's whole queue is gone, and the rest of shard 0's
    assert claimed_by(pg, 1) == 0 and matched_without(pg, 1) == 0
    redis_server.start()
    start_shard(processes, env, 1)

    finish(pg, settings)

    assert_everything_delivered_exactly_once(pg, settings.outbox_dir, settings=settings)
    assert claimed_by(pg, 0) == claimed_by(pg, 1) == 160

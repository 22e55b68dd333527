"""Hints with shards of the condition index: an offer goes to every shard's queue (or to the
shards the sweeper names), a condition change to the shard of its seeker; with one shard the
queues and messages are today's. And which queues ``mypage-worker worker`` consumes."""

from __future__ import annotations

import uuid

import pytest
from dramatiq import Message
from dramatiq.brokers.stub import StubBroker

from worker import announce
from worker.actors.broker import connect
from worker.actors.dispatch import Dispatcher
from worker.actors.processes import worker_queues
from worker.actors.sender import declare
from worker.config import SettingsError, load_settings
from worker.pipeline.shards import shard_of


def stub_dispatcher(shards: int) -> tuple[StubBroker, Dispatcher]:
    broker = StubBroker()
    return broker, Dispatcher(broker, declare(broker, shards=shards), shards=shards)


def queued(broker: StubBroker) -> dict[str, list[tuple[str, tuple]]]:
    found = {}
    for name, queue in broker.queues.items():
        messages = [Message.decode(data) for data in list(queue.queue)]
        if messages:
            found[name] = [(m.actor_name, tuple(m.args)) for m in messages]
    return found


def test_a_new_offer_hint_goes_to_every_shards_queue():
    broker, dispatcher = stub_dispatcher(3)
    dispatcher.match_job_offers([5, 6])
    assert queued(broker) == {f"matching-{i}": [(f"match_shard_offers_{i}", ([5, 6], i))] for i in range(3)}


def test_the_sweeper_can_send_an_offer_to_one_shard_only():
    broker, dispatcher = stub_dispatcher(3)
    dispatcher.match_job_offers([5], shards=[1])
    assert queued(broker) == {"matching-1": [("match_shard_offers_1", ([5], 1))]}


def test_a_condition_change_goes_to_the_shard_of_its_seeker():
    broker, dispatcher = stub_dispatcher(2)
    seeker = next(s for s in range(1, 100) if shard_of(s, 2) == 1)
    dispatcher.send("condition_changed", 40, seeker)
    assert queued(broker) == {"matching-1": [("shard_condition_changed_1", (40, 1))]}


def test_a_condition_change_without_its_seeker_goes_to_every_shard():
    broker, dispatcher = stub_dispatcher(2)
    dispatcher.send("condition_changed", 40)
    assert queued(broker) == {f"matching-{i}": [(f"shard_condition_changed_{i}", (40, i))] for i in range(2)}


def test_one_shard_declares_and_sends_as_before():
    broker, dispatcher = stub_dispatcher(1)
    dispatcher.match_job_offers([5, 6])
    dispatcher.send("condition_changed", 40)
    assert not any(name.startswith("matching-") for name in broker.queues)
    assert queued(broker) == {"matching": [("match_job_offers", ([5, 6],)), ("condition_changed", (40,))]}


@pytest.mark.redis
def test_announcements_reach_the_shard_queues_on_redis(redis_url):
    settings = load_settings(redis_url=redis_url, redis_namespace=f"test-{uuid.uuid4().hex[:8]}", index_shards=2)
    announce.configure(settings)
    try:
        announce.condition_changed(3, seeker_id=next(s for s in range(1, 100) if shard_of(s, 2) == 0))
        connect(settings).match_job_offers([1, 2])
    finally:
        announce.register(None)
    assert connect(settings).queue_depths() == {"mail": 0, "matching": 0, "matching-0": 2, "matching-1": 1}


def test_a_shard_worker_consumes_only_its_shards_queues():
    settings = load_settings(index_shards=3)
    assert worker_queues(settings, None, [1]) == ["matching-1"]
    assert worker_queues(settings, None, [0, 2]) == ["matching-0", "matching-2"]
    assert worker_queues(settings, None, None) == ["mail", "matching"]  # holds no conditions
    assert worker_queues(load_settings(), None, None) is None  # one shard: every queue, as before


def test_a_worker_may_hold_only_shards_that_exist():
    assert load_settings(index_shards=2, worker_shards="0,1").own_shards == (0, 1)
    assert load_settings(index_shards=2).own_shards == ()
    assert load_settings().own_shards == (0,)
    with pytest.raises(SettingsError, match="MYPAGE_WORKER_SHARDS"):
        load_settings(index_shards=2, worker_shards="2")

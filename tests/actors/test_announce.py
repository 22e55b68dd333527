"""The main site's hints: sent through the configured broker, never raising for it."""

from __future__ import annotations

import uuid

import pytest

from worker import announce
from worker.actors.broker import connect
from worker.config import load_settings


@pytest.fixture(autouse=True)
def fresh_announce():
    yield
    announce.register(None)


def test_without_a_broker_a_hint_is_dropped_quietly(caplog):
    announce.configure(load_settings(redis_url=None))
    caplog.set_level("DEBUG")

    announce.job_offer_posted("13010-00000001")

    assert "the sweeper will pick the work up" in caplog.text


def test_a_broker_failure_does_not_reach_the_main_site(caplog):
    class Down:
        def send(self, actor_name, *args):
            raise ConnectionError("redis is down")

    announce.register(Down())

    announce.condition_changed(7)  # no exception

    assert "could not send condition_changed(7,)" in caplog.text


@pytest.mark.redis
def test_with_redis_configured_hints_land_in_the_workers_queue(redis_url):
    settings = load_settings(redis_url=redis_url, redis_namespace=f"test-{uuid.uuid4().hex[:8]}")
    announce.configure(settings)

    announce.job_offer_posted("13010-00000001")
    announce.condition_changed(3)
    announce.mail_queued(5)
    announce.mail_queued()

    assert connect(settings).queue_depths() == {"mail": 2, "matching": 2}

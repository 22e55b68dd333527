"""The broker, built from settings when the program starts (never at import).

Redis when ``settings.redis_url`` is set — the production set-up, with dramatiq's Prometheus
middleware when ``prometheus_port`` is set; otherwise dramatiq's in-process StubBroker, whose
messages live in this process's memory and are consumed by worker threads in this process
(``mypage-worker run``). Either way the database is the source of truth: what the broker loses,
the sweeper sends again.
"""

from __future__ import annotations

import os

import dramatiq
from dramatiq.brokers.stub import StubBroker

from worker import announce
from worker.actors.dispatch import Dispatcher
from worker.actors.runtime import AppContext, Runtime, install_log_context
from worker.actors.sender import connect, declare
from worker.config import Settings

__all__ = ["connect", "make_broker", "setup"]  # connect: re-exported for the callers of old


def make_broker(settings: Settings) -> dramatiq.Broker:
    if settings.redis_url:
        from dramatiq.brokers.redis import RedisBroker

        broker = RedisBroker(url=settings.redis_url, namespace=settings.redis_namespace)
        if settings.prometheus_port:
            # Read by dramatiq's module when it is imported; its exposition server runs as a
            # fork of dramatiq's CLI and serves every worker process's metrics, ours included.
            os.environ.setdefault("dramatiq_prom_port", str(settings.prometheus_port))
            from dramatiq.middleware.prometheus import Prometheus

            broker.add_middleware(Prometheus())
        return broker
    return StubBroker()


def setup(settings: Settings, *, runtime: Runtime | None = None, warm_up: bool = True) -> Dispatcher:
    """A worker process's start-up: the broker with our middleware and actors, made the global
    broker (dramatiq's CLI and Worker look there). Returns the dispatcher for hints."""
    install_log_context()
    runtime = runtime or Runtime(settings)
    broker = make_broker(settings)
    broker.add_middleware(AppContext(runtime, warm_up=warm_up))
    dramatiq.set_broker(broker)
    dispatcher = Dispatcher(broker, declare(broker, shards=settings.index_shards), shards=settings.index_shards)
    runtime.dispatcher = dispatcher
    announce.register(dispatcher)  # hints sent from this process go to this broker
    return dispatcher


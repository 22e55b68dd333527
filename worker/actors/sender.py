"""The declared actors bound to a broker, and a send-only connection to the Redis broker.

Apart from ``broker`` (which sets up a consuming process and registers its dispatcher with
``worker.announce``) so that ``announce`` can connect a sender without importing the module
that imports it."""

from __future__ import annotations

import dramatiq

from worker.actors import tasks  # noqa: F401  (the actors: fills registry.SPECS)
from worker.actors.dispatch import Dispatcher
from worker.actors.registry import SPECS, ActorSpec, sharded_name, sharded_queue
from worker.config import Settings


def declare(broker: dramatiq.Broker, *, shards: int = 1) -> dict[str, dramatiq.Actor]:
    """Bind every actor to ``broker``; returns them by name. With several shards of the
    condition index, each sharded actor once per shard, on that shard's queue."""
    actors = {}
    for name, spec in SPECS.items():
        if not spec.sharded:
            actors[name] = _bind(broker, spec, name, spec.queue)
        elif shards > 1:
            for shard in range(shards):
                actors[sharded_name(name, shard)] = _bind(broker, spec, sharded_name(name, shard),
                                                          sharded_queue(spec.queue, shard))
    return actors


def _bind(broker: dramatiq.Broker, spec: ActorSpec, name: str, queue: str) -> dramatiq.Actor:
    return dramatiq.actor(
        spec.fn, broker=broker, actor_name=name, queue_name=queue,
        max_retries=spec.max_retries, min_backoff=spec.min_backoff, max_backoff=spec.max_backoff,
        time_limit=spec.time_limit,
    )


def connect(settings: Settings) -> Dispatcher | None:
    """A sender only (the main site, staff commands, benchmarks): actors declared on a Redis
    broker, nothing consumed. None without Redis: there is no worker to reach from another
    process, and the running worker's sweeper picks the pending rows up."""
    if not settings.redis_url:
        return None
    from dramatiq.brokers.redis import RedisBroker

    broker = RedisBroker(url=settings.redis_url, namespace=settings.redis_namespace)
    return Dispatcher(broker, declare(broker, shards=settings.index_shards), shards=settings.index_shards)

"""Actor declarations, kept apart from any broker.

``@actor(...)`` records a function with its queue and its explicit delivery options; ``declare``
binds them all to the broker built at start-up. So importing ``worker.actors.tasks`` never picks
a broker (dramatiq's own decorator would bind to a global one at import time).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import dramatiq


@dataclass(frozen=True)
class ActorSpec:
    fn: Callable
    queue: str
    max_retries: int
    min_backoff: int  # ms
    max_backoff: int  # ms
    time_limit: int  # ms

    @property
    def name(self) -> str:
        return self.fn.__name__


SPECS: dict[str, ActorSpec] = {}


def actor(*, queue: str, max_retries: int, min_backoff: int, max_backoff: int, time_limit: int):
    def record(fn: Callable) -> Callable:
        SPECS[fn.__name__] = ActorSpec(fn, queue, max_retries, min_backoff, max_backoff, time_limit)
        return fn

    return record


def declare(broker: dramatiq.Broker) -> dict[str, dramatiq.Actor]:
    """Bind every actor to ``broker``; returns them by name."""
    from worker.actors import tasks  # noqa: F401  (fills SPECS)

    return {
        name: dramatiq.actor(
            spec.fn, broker=broker, actor_name=name, queue_name=spec.queue,
            max_retries=spec.max_retries, min_backoff=spec.min_backoff, max_backoff=spec.max_backoff,
            time_limit=spec.time_limit,
        )
        for name, spec in SPECS.items()
    }

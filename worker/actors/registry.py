"""Actor declarations, kept apart from any broker.

``@actor(...)`` records a function with its queue and its explicit delivery options;
``worker.actors.sender.declare`` binds them all to the broker built at start-up. So importing
``worker.actors.tasks`` never picks a broker (dramatiq's own decorator would bind to a global one
at import time), and this module imports none of the actors it records.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ActorSpec:
    fn: Callable
    queue: str
    max_retries: int
    min_backoff: int  # ms
    max_backoff: int  # ms
    time_limit: int  # ms
    # Declared once per shard of the condition index when there are several (``sharded_name``,
    # ``sharded_queue``), never when there is one; the message's last argument is the shard.
    sharded: bool = False

    @property
    def name(self) -> str:
        return self.fn.__name__


def sharded_name(name: str, shard: int) -> str:
    return f"{name}_{shard}"


def sharded_queue(queue: str, shard: int) -> str:
    """Shard I's queue: ``matching-I`` (what ``mypage-worker worker --shard I`` consumes)."""
    return f"{queue}-{shard}"


SPECS: dict[str, ActorSpec] = {}


def actor(*, queue: str, max_retries: int, min_backoff: int, max_backoff: int, time_limit: int,
          sharded: bool = False):
    def record(fn: Callable) -> Callable:
        SPECS[fn.__name__] = ActorSpec(fn, queue, max_retries, min_backoff, max_backoff, time_limit, sharded)
        return fn

    return record


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

    @property
    def name(self) -> str:
        return self.fn.__name__


SPECS: dict[str, ActorSpec] = {}


def actor(*, queue: str, max_retries: int, min_backoff: int, max_backoff: int, time_limit: int):
    def record(fn: Callable) -> Callable:
        SPECS[fn.__name__] = ActorSpec(fn, queue, max_retries, min_backoff, max_backoff, time_limit)
        return fn

    return record


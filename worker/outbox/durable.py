"""A database write that survives a lost connection: tried again on a fresh one, with backoff,
for as long as the caller can wait (see ``worker.outbox.record``)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

log = logging.getLogger(__name__)

DISCONNECTS = (OperationalError, InterfaceError)
_R = TypeVar("_R")


def durably(work: Callable[[int], _R], *, patience_s: float) -> _R:
    """Run ``work(retry_number)`` (one transaction), again on a fresh connection after the
    database connection failed, until it succeeds or ``patience_s`` has passed."""
    give_up_at = time.monotonic() + patience_s
    delay, retry_number = 0.05, 0
    while True:
        try:
            return work(retry_number)
        except DBAPIError as exc:
            if not (isinstance(exc, DISCONNECTS) or exc.connection_invalidated):
                raise
            if time.monotonic() + delay > give_up_at:
                raise
            # The exception's text may quote statement parameters: name its class only.
            log.warning("outbox: a database call failed (%s); trying again on a fresh connection",
                        type(exc.orig).__name__ if exc.orig is not None else type(exc).__name__)
        time.sleep(delay)
        delay, retry_number = min(delay * 2, 1.0), retry_number + 1



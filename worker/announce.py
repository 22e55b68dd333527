"""Hints from the main site to the worker (re-exported by ``worker.api``).

The main site commits its change first (a job offer row, a condition row), then calls one of
these. They send a small message naming an id and return; they never raise for a broker
problem, because the database already holds the work and the worker's sweeper (offers pending
matching) and index refresh (conditions changed since the watermark) find it within a minute
even when the hint is lost.

Sending goes through a dispatcher the actors package provides: a worker process registers its
own at start-up; any other process (the main site) gets one connected to the Redis broker of
its settings on first use — call :func:`configure` at start-up to pass settings explicitly.
Without Redis (embedded mode) there is no broker another process could reach: the hint is
dropped and the running worker's sweeper does the job.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Protocol

log = logging.getLogger(__name__)


class Dispatcher(Protocol):
    def send(self, actor_name: str, *args: Any) -> None: ...


_lock = threading.Lock()
_dispatcher: Dispatcher | None = None
_configured = False


def register(dispatcher: Dispatcher | None) -> None:
    """Use ``dispatcher`` for every hint from now on (None: send nothing)."""
    global _dispatcher, _configured
    with _lock:
        _dispatcher, _configured = dispatcher, True


def configure(settings) -> None:
    """Connect to the broker named by ``settings`` (Redis), or send nothing without one."""
    from worker.actors.sender import connect  # not actors.broker: that module imports this one

    register(connect(settings))


def condition_changed(condition_id: int, seeker_id: int | None = None) -> None:
    """A seeker's condition was created, changed or deleted. With shards of the condition index
    (``MYPAGE_INDEX_SHARDS``), naming the seeker sends the hint to its one shard; without, every
    shard gets it."""
    if seeker_id is None:
        _send("condition_changed", int(condition_id))
    else:
        _send("condition_changed", int(condition_id), int(seeker_id))


def job_offer_posted(job_number: str) -> None:
    """A job offer was posted (committed with matching status pending)."""
    _send("job_offer_posted", str(job_number))


def mail_queued(outbox_id: int | None = None) -> None:
    """A mail that should go out at once was committed to the outbox (e.g. the 認証キー mail):
    that one when its id is known, else a round of delivery of every due mail."""
    if outbox_id is None:
        _send("deliver_due_mail")
    else:
        _send("deliver_mail", int(outbox_id))


def _send(actor_name: str, *args: Any) -> None:
    if not _configured:
        from worker.config import load_settings

        with _lock:
            first = not _configured
        if first:
            configure(load_settings())
    dispatcher = _dispatcher
    if dispatcher is None:
        log.debug("no broker to send %s%r to; the sweeper will pick the work up", actor_name, args)
        return
    try:
        dispatcher.send(actor_name, *args)
    except Exception:
        log.warning("could not send %s%r; the sweeper will pick the work up", actor_name, args, exc_info=True)

"""What dramatiq's CLI loads in each worker process (``mypage-worker worker``):
``dramatiq worker.actors.entry:boot``. Calling ``boot`` is that process's start-up: settings from
the environment, the broker, the actors. Nothing happens at import."""

from __future__ import annotations

import signal
import time

from worker.actors.broker import setup
from worker.config import load_settings

REPEAT_WINDOW_S = 5.0


def boot() -> None:
    _debounce_termination()
    setup(load_settings())


def _debounce_termination() -> None:
    """dramatiq treats a worker process's second SIGTERM as "kill now". Process managers that
    signal the whole process group (honcho, systemd's control-group mode, ``kill -- -PGID``)
    deliver two at once — theirs and the one dramatiq's main process forwards — which would turn
    a graceful stop into a kill. A repeat within a few seconds is the same request; a later one
    still means "kill now"."""
    graceful = signal.getsignal(signal.SIGTERM)
    if not callable(graceful):
        return
    first: list[float] = []

    def handler(signum, frame):
        now = time.monotonic()
        if first and now - first[0] < REPEAT_WINDOW_S:
            return
        first[:1] = [now]
        graceful(signum, frame)

    signal.signal(signal.SIGTERM, handler)

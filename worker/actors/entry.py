"""What dramatiq's CLI loads in each worker process (``mypage-worker worker``):
``dramatiq worker.actors.entry:boot``. Calling ``boot`` is that process's start-up: settings from
the environment, the broker, the actors. Nothing happens at import."""

from __future__ import annotations

from worker.actors.broker import setup
from worker.config import load_settings


def boot() -> None:
    setup(load_settings())

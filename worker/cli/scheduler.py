"""``mypage-worker scheduler``: the periodic jobs (the Procfile's ``scheduler:``). Run as many as
you like: one holds the leader lock and acts, and each tick runs once."""

from __future__ import annotations

import logging
import signal
import threading

from worker.config import load_settings

log = logging.getLogger(__name__)


def register(sub) -> None:
    parser = sub.add_parser("scheduler", help="run the periodic jobs (sweeper, retention, registration, …)")
    parser.set_defaults(func=_scheduler)


def wait_for_termination() -> None:
    """Block until SIGTERM or SIGINT."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    while not stop.is_set():
        stop.wait(1.0)


def _scheduler(args) -> int:
    from worker.actors.scheduler import Scheduler
    from worker.actors.sender import connect
    from worker.cli.database import open_database
    from worker.pipeline.hints import NoHints

    settings = load_settings()
    engine = open_database(settings)
    hints = connect(settings)
    if hints is None:
        log.warning("no MYPAGE_REDIS_URL: the jobs run, but their hints reach no worker; "
                    "on embedded defaults use `mypage-worker run`")
    scheduler = Scheduler(settings, engine, hints or NoHints()).start()
    log.info("scheduler started with %d periodic jobs; SIGTERM stops it", len(scheduler.jobs))
    wait_for_termination()
    log.info("stopping the scheduler: finishing the job in hand")
    scheduler.shutdown(wait=True)
    engine.dispose()
    return 0

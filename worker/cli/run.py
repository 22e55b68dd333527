"""``mypage-worker run``: worker threads and the scheduler in one process — the embedded set-up
(SQLite under ./var, in-process broker, mails as .eml files under ./var/outbox). SIGTERM or
Ctrl-C stops it gracefully: the scheduler finishes its job in hand, worker threads finish
their message; queued hints are dropped and re-sent by the sweeper at the next start."""

from __future__ import annotations

import logging
from datetime import timedelta

from worker.cli import args as types
from worker.config import load_settings

log = logging.getLogger(__name__)


def register(sub) -> None:
    parser = sub.add_parser("run", help="worker and scheduler in one process (embedded defaults)")
    parser.add_argument("--threads", type=types.positive, help="worker threads (default MYPAGE_WORKER_THREADS)")
    parser.set_defaults(func=_run)


def _run(args) -> int:
    from worker import metrics
    from worker.actors.inprocess import InProcessWorker
    from worker.actors.runtime import Runtime
    from worker.actors.scheduler import Scheduler
    from worker.cli.database import open_database
    from worker.cli.scheduler import wait_for_termination
    from worker.pipeline.sweeper import sweep

    settings = load_settings()
    settings.make_var_dir()
    engine = open_database(settings)  # embedded: migrated (under a lock: two `run` may start at once)
    worker = InProcessWorker(settings, threads=args.threads, runtime=Runtime(settings, engine=engine)).start()
    engine = worker.runtime.engine
    if settings.prometheus_port:
        metrics.serve(settings.prometheus_port)
    # Work left from the last run (its hints died with it) goes out at once, not in a minute.
    sweep(engine, worker.dispatcher, settings, grace=timedelta(0))
    scheduler = Scheduler(settings, engine, worker.dispatcher).start()
    log.info("mypage-worker is running (%s broker, database %s); Ctrl-C stops it",
             "Redis" if settings.redis_url else "in-process", engine.url.render_as_string(hide_password=True))
    wait_for_termination()
    log.info("stopping: the scheduler and worker threads finish the work in hand")
    scheduler.shutdown(wait=True)
    worker.stop()
    return 0

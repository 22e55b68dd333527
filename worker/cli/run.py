"""``mypage-worker run``: worker threads and the scheduler in one process — the embedded set-up
(SQLite under ./var, in-process broker, mails as .eml files under ./var/outbox). SIGTERM or
Ctrl-C stops it gracefully: the scheduler finishes its job in hand, worker threads finish
their message; queued hints are dropped and re-sent by the sweeper at the next start."""

from __future__ import annotations

import logging
from datetime import timedelta

from worker.config import load_settings

log = logging.getLogger(__name__)


def register(sub) -> None:
    parser = sub.add_parser("run", help="worker and scheduler in one process (embedded defaults)")
    parser.add_argument("--threads", type=int, help="worker threads (default MYPAGE_WORKER_THREADS)")
    parser.set_defaults(func=_run)


def _run(args) -> int:
    from worker import metrics
    from worker.actors.inprocess import InProcessWorker
    from worker.actors.scheduler import Scheduler
    from worker.cli.scheduler import wait_for_termination
    from worker.migrate import upgrade
    from worker.pipeline.sweeper import sweep

    settings = load_settings()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    if not settings.database_url:  # embedded: keep the SQLite file at the current schema
        upgrade(settings.effective_database_url)
    worker = InProcessWorker(settings, threads=args.threads).start()
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

"""The scheduler: APScheduler firing the periodic jobs of ``worker.pipeline.periodic``.

Only the holder of the leader lock acts (``worker.actors.leader``), and every tick is claimed in
the ``scheduler_tick`` table by (job, time slot) in the job's own transaction — so when two
schedulers fire the same tick, it runs once. The jobs run in the scheduler's process (they are
short database work); what they find for the workers (offers to match, mails to send) goes out
as hints.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.engine import Engine

from worker.actors.leader import LeaderLock, leader_lock
from worker.config import Settings
from worker.domain import clock
from worker.domain.models import utcnow
from worker.pipeline import periodic
from worker.pipeline.hints import Hints

log = logging.getLogger(__name__)


class Scheduler:
    def __init__(self, settings: Settings, engine: Engine, hints: Hints, *,
                 jobs: list[periodic.PeriodicJob] | None = None, lock: LeaderLock | None = None,
                 owner: str | None = None):
        self.settings, self.engine, self.hints = settings, engine, hints
        self.jobs = jobs if jobs is not None else periodic.jobs(settings)
        self.lock = lock or leader_lock(settings, engine)
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.leading = False
        self._renewed = False
        self._lock_guard = threading.Lock()
        self._scheduler = BackgroundScheduler(
            timezone=clock.JST,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30},
        )
        for job in self.jobs:
            self._scheduler.add_job(self._fire, CronTrigger(timezone=clock.JST, **job.cron), args=[job],
                                    id=job.name, name=job.name)
        self._scheduler.add_job(self._renew, IntervalTrigger(seconds=self.lock.renew_every_s),
                                id="leader-lock", name="leader-lock")

    def start(self) -> "Scheduler":
        self._renew()
        self._scheduler.start()
        log.debug("scheduler %s started with %d jobs", self.owner, len(self.jobs))
        return self

    def shutdown(self, *, wait: bool = True) -> None:
        """Stop firing; with ``wait`` the job in hand finishes first. Then give up the lock."""
        self._scheduler.shutdown(wait=wait)
        with self._lock_guard:
            self.lock.release()
            self.leading = False

    def _renew(self) -> bool:
        with self._lock_guard:
            leading = self.lock.acquire()
            if leading != self.leading:
                # A change is news; the first answer at start-up is not (a normal start is quiet).
                log.log(logging.INFO if self._renewed else logging.DEBUG, "scheduler %s %s", self.owner,
                        "is now the leader" if leading else "is standing by")
            self.leading, self._renewed = leading, True
            return leading

    def _fire(self, job: periodic.PeriodicJob) -> None:
        if not self._renew():
            return
        ctx = periodic.Context(self.engine, self.settings, self.hints, utcnow())
        try:
            result = periodic.run_tick(job, ctx, owner=self.owner)
        except Exception:
            log.exception("periodic job %s failed; its next firing tries again", job.name)
            return
        if result is not None and result:
            log.info("periodic job %s: %d", job.name, result)

"""Recommendation batches started from the console run in a thread of the console process,
one at a time, reporting progress the page polls. The batch itself is the pipeline's
(``worker.pipeline.batch``), the same code as ``mypage-worker recommend``."""

from __future__ import annotations

import itertools
import logging
import threading
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.engine import Engine

from worker.config import Settings
from worker.db import session_scope
from worker.domain.models import utcnow
from worker.pipeline.batch import offers_since, recommendation_batch
from worker.pipeline.index_cache import IndexCache
from worker.pipeline.recommend import RecommendReport
from worker.services.audit import record

log = logging.getLogger(__name__)


@dataclass
class BatchJob:
    id: int
    staff_id: int
    since: date
    prefecture: str | None
    dry_run: bool
    started_at: datetime = field(default_factory=utcnow)
    phase: str = "準備中"  # 準備中 → 条件を読み込み中 → 照合中 → 完了 / 失敗
    total: int = 0
    done: int = 0
    conditions: int = 0
    report: RecommendReport | None = None
    error: str | None = None
    finished_at: datetime | None = None

    @property
    def finished(self) -> bool:
        return self.finished_at is not None

    def counts(self) -> dict[str, int]:
        r = self.report or RecommendReport()
        return {"offers": self.total, "conditions": self.conditions, "matches": r.matches,
                "seekers": len(r.seekers), "inbox_items": r.inbox_items, "mails_queued": r.mails_queued,
                "digests_extended": r.digests_extended, "saved_search_mails": r.saved_search_mails}


class BatchRunner:
    def __init__(self, engine: Engine, settings: Settings, dispatcher=None):
        self.engine, self.settings, self.dispatcher = engine, settings, dispatcher
        self.jobs: dict[int, BatchJob] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def running(self) -> BatchJob | None:
        # A copy: the dashboard asks from another thread while ``start`` may be adding a job.
        return next((job for job in list(self.jobs.values()) if not job.finished), None)

    def start(self, *, staff_id: int, since: date, prefecture: str | None, dry_run: bool) -> BatchJob | None:
        """The new job, or None while another batch is running (one at a time keeps the
        database's load and the counts readable)."""
        with self._lock:
            if self.running() is not None:
                return None
            job = BatchJob(next(self._ids), staff_id, since, prefecture, dry_run)
            self.jobs[job.id] = job
        threading.Thread(target=self._run, args=(job,), name=f"console-batch-{job.id}", daemon=True).start()
        return job

    def wait(self, job: BatchJob, timeout: float = 60.0) -> None:  # for tests and shutdown
        for thread in threading.enumerate():
            if thread.name == f"console-batch-{job.id}":
                thread.join(timeout)

    def _run(self, job: BatchJob) -> None:
        try:
            ids = offers_since(self.engine, self.settings, since=job.since, prefecture=job.prefecture)
            job.total, job.phase = len(ids), "条件を読み込み中"
            cache = IndexCache(self.engine)
            cache.build()
            job.conditions, job.phase = len(cache), "照合中"
            job.report = recommendation_batch(self.engine, self.settings, ids, dry_run=job.dry_run, cache=cache,
                                              samples=10, progress=lambda n: setattr(job, "done", job.done + n))
            if not job.dry_run and self.dispatcher is not None and job.report.mails_due_now:
                self.dispatcher.deliver_due_mail()
            job.phase = "完了"
        except Exception as exc:  # shown on the page and logged; the batch's own transactions rolled back
            log.exception("console batch %s failed", job.id)
            job.error, job.phase = f"{type(exc).__name__}: {exc}"[:300], "失敗"
        finally:
            job.finished_at = utcnow()
            self._audit(job)

    def _audit(self, job: BatchJob) -> None:
        where = f"、都道府県 {job.prefecture}" if job.prefecture else ""
        kind = "試行（dry run）" if job.dry_run else "実行"
        with session_scope(self.engine) as session:
            record(session, staff_id=job.staff_id, action="batch.dry_run" if job.dry_run else "batch.run",
                   summary=f"推薦バッチ{kind}: {job.since} 以降に受け付けた求人{where}" + ("（失敗）" if job.error else ""),
                   details={"since": job.since.isoformat(), "prefecture": job.prefecture, "failed": bool(job.error),
                            **job.counts()}, now=job.finished_at)

"""Importing job offers from a JSONL file in the matchers' contract (``mypage-worker import-jobs``).

Each line is read with ``matchers.parsing.read_jsonl`` (a hostile line — invalid UTF-8, nesting
100,000 deep, an integer of 5,000 digits, a gigabyte without a line end — is a bad line, never the
end of the run) and checked against ``matchers.schema.JobRecord``; a bad line is reported with its
line number and every bad field and skipped, the good ones are stored (insert-or-ignore on the job
number: an offer already present is left as it is) with matching status pending, and their ids are
returned so the caller can hint the workers. Should the database still refuse a batch, its rows
are retried one by one, so one row the database cannot hold costs that row only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DataError, IntegrityError

import matchers
from matchers.parsing import InvalidRecord, job_offer, job_record, read_jsonl
from matchers.schema import JobRecord
from worker.db import insert_ignore, session_scope
from worker.domain import clock
from worker.domain.models import JobOffer, MatchingStatus, utcnow
from worker.services.calendar import end_of_month_after_next

LINES_PER_TRANSACTION = 500
DATABASE = "(database)"


@dataclass(frozen=True)
class Rejection:
    """A line that was not imported: every ``(field, reason)`` found on it."""

    line: int
    problems: tuple[tuple[str, str], ...]

    @property
    def field(self) -> str:
        return self.problems[0][0]

    @property
    def reason(self) -> str:
        return self.problems[0][1]


@dataclass
class ImportReport:
    lines: int = 0
    imported: int = 0  # new offers stored
    already_present: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    pending_ids: list[int] = field(default_factory=list)  # stored offers still waiting to be matched


def read_jobs(path: Path) -> Iterator[tuple[int, dict | Rejection]]:
    """(line number, row for the job_offer table or the reason it was rejected); blank lines skipped."""
    with path.open("rb") as stream:
        for number, value in read_jsonl(stream):
            if isinstance(value, InvalidRecord):
                yield number, Rejection(number, tuple(value.problems))
                continue
            try:
                yield number, job_offer_row(job_record(value))
            except InvalidRecord as exc:
                yield number, Rejection(number, tuple(exc.problems))


def import_jobs(engine: Engine, path: Path, *, progress: Callable[[int], None] | None = None) -> ImportReport:
    report = ImportReport()
    batch: list[tuple[int, dict]] = []
    for number, result in read_jobs(path):
        report.lines += 1
        if isinstance(result, Rejection):
            report.rejected.append(result)
        else:
            batch.append((number, result))
        if len(batch) >= LINES_PER_TRANSACTION:
            _store(engine, batch, report)
            batch = []
        if progress:
            progress(1)
    if batch:
        _store(engine, batch, report)
    return report


def _store(engine: Engine, batch: list[tuple[int, dict]], report: ImportReport) -> None:
    try:
        _insert(engine, [row for _, row in batch], report)
    except (DataError, IntegrityError):
        # The schema should let nothing through that the database refuses; if something still is
        # refused, find the row one at a time instead of losing the good rows beside it.
        for number, row in batch:
            try:
                _insert(engine, [row], report)
            except (DataError, IntegrityError) as exc:
                reason = f"データベースが受け付けません（{type(exc.orig).__name__ if exc.orig else type(exc).__name__}）"
                report.rejected.append(Rejection(number, ((DATABASE, reason),)))
        report.rejected.sort(key=lambda rejection: rejection.line)


def _insert(engine: Engine, rows: list[dict], report: ImportReport) -> None:
    unique = list({r["job_number"]: r for r in rows}.values())
    with session_scope(engine) as session:
        inserted = insert_ignore(session, JobOffer, unique, conflict=["job_number"])
        pending = list(session.execute(
            select(JobOffer.id).where(JobOffer.job_number.in_([r["job_number"] for r in unique]),
                                      JobOffer.matching_status == MatchingStatus.PENDING.value)
            .order_by(JobOffer.id)).scalars())
    report.pending_ids.extend(pending)  # counted only once the transaction has committed
    report.imported += inserted
    report.already_present += len(rows) - inserted


def job_offer_row(job: JobRecord | matchers.JobOffer, record: dict | None = None) -> dict:
    """The job_offer table row for a job line, checked by the schema (pending matching). A parsed
    ``JobOffer`` with its raw ``record`` is accepted too (the demo's callers)."""
    if not isinstance(job, JobRecord):
        job = job_record(record)
    offer = job_offer(job)
    now = utcnow()
    # 紹介期限日 defaults to the end of the month after next from 受付年月日 (the leaflet's rule),
    # so every offer closes some day: a recommendation is kept while its offer is open, and an
    # offer open for ever would keep its chosen candidates for ever.
    deadline = job.referral_deadline or end_of_month_after_next(offer.received_on or clock.local_date(now))
    return {
        "job_number": offer.job_number,
        "title": offer.title,
        "description": offer.description,
        "employer_name": offer.employer_name,
        "industry_code": job.industry_code,
        "occupation_code": offer.occupation_code,
        "prefecture_code": offer.prefecture_code,
        "municipality_code": offer.municipality_code,
        "employment_form": offer.employment_form,
        "wage_type": offer.wage_type,
        "wage_min": offer.wage_min,
        "wage_max": offer.wage_max,
        "licenses": list(offer.licenses),
        "received_on": offer.received_on,
        "referral_deadline": deadline,
        "online_application": offer.online_application,
        "matching_status": MatchingStatus.PENDING.value,
        "created_at": now,
    }

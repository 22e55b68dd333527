"""Importing job offers from a JSONL file in the matchers' contract (``mypage-worker import-jobs``).

Each line is checked with ``matchers.parse_job``; a bad line is reported with its line number,
field and reason and skipped, the good ones are stored (insert-or-ignore on the job number: an
offer already present is left as it is) with matching status pending, and their ids are returned
so the caller can hint the workers. Extra fields of the seed generator (``industry_code``,
``referral_deadline``) are kept when present and well-formed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine

import matchers
from worker.db import insert_ignore, session_scope
from worker.domain.models import JobOffer, MatchingStatus, utcnow

LINES_PER_TRANSACTION = 500
_INDUSTRY = re.compile(r"[0-9]{2}")


@dataclass(frozen=True)
class Rejection:
    line: int
    field: str
    reason: str


@dataclass
class ImportReport:
    lines: int = 0
    imported: int = 0  # new offers stored
    already_present: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    pending_ids: list[int] = field(default_factory=list)  # stored offers still waiting to be matched


def read_jobs(path: Path) -> Iterator[tuple[int, dict | Rejection]]:
    """(line number, row for the job_offer table or the reason it was rejected); blank lines skipped."""
    # Read bytes and decode line by line: one line that is not UTF-8 is a bad line, not the end.
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield number, Rejection(number, "(line)", f"UTF-8 として読めません（{exc.start + 1} バイト目）")
                continue
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, Rejection(number, "(line)", f"JSON として読めません: {exc.msg}")
                continue
            try:
                offer = matchers.parse_job(record)
            except matchers.InvalidRecord as exc:
                yield number, Rejection(number, exc.field, exc.reason)
                continue
            yield number, job_offer_row(offer, record)


def import_jobs(engine: Engine, path: Path, *, progress: Callable[[int], None] | None = None) -> ImportReport:
    report = ImportReport()
    batch: list[dict] = []
    for number, result in read_jobs(path):
        report.lines += 1
        if isinstance(result, Rejection):
            report.rejected.append(result)
        else:
            batch.append(result)
        if len(batch) >= LINES_PER_TRANSACTION:
            _store(engine, batch, report)
            batch = []
        if progress:
            progress(1)
    if batch:
        _store(engine, batch, report)
    return report


def _store(engine: Engine, rows: list[dict], report: ImportReport) -> None:
    unique = list({r["job_number"]: r for r in rows}.values())
    with session_scope(engine) as session:
        inserted = insert_ignore(session, JobOffer, unique, conflict=["job_number"])
        report.pending_ids.extend(session.execute(
            select(JobOffer.id).where(JobOffer.job_number.in_([r["job_number"] for r in unique]),
                                      JobOffer.matching_status == MatchingStatus.PENDING.value)
            .order_by(JobOffer.id)).scalars())
    report.imported += inserted
    report.already_present += len(rows) - inserted


def job_offer_row(offer: matchers.JobOffer, record: dict) -> dict:
    """The job_offer table row for a parsed JSONL job line (pending matching)."""
    industry = record.get("industry_code")
    deadline = record.get("referral_deadline")
    try:
        deadline = date.fromisoformat(deadline) if isinstance(deadline, str) else None
    except ValueError:
        deadline = None
    return {
        "job_number": offer.job_number,
        "title": offer.title[:200],
        "description": offer.description,
        "employer_name": offer.employer_name[:200],
        "industry_code": industry if isinstance(industry, str) and _INDUSTRY.fullmatch(industry) else None,
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
        "created_at": utcnow(),
    }

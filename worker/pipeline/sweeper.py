"""The sweeper: the database is the source of truth, the broker only carries hints.

Every minute (a scheduler job) it finds work the hints should have started and sends the hints
again: job offers still pending matching some time after they arrived, mails whose sending
worker died (lease expired: back to pending), mails due now. Sending a hint twice is harmless —
every actor is safe to run twice — so a lost message, a killed worker or a restarted Redis
delays work by about a minute and never loses it.

With shards of the condition index (``MYPAGE_INDEX_SHARDS`` > 1) a pending offer is re-sent only
to the shards that have not recorded it (``worker.pipeline.shards``); one that every shard has
recorded but that is still pending is turned matched here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine

from worker.config import Settings
from worker.db import session_scope
from worker.domain.models import JobOffer, MatchingStatus, utcnow
from worker.outbox.claim import due_mail_ids
from worker.outbox.sweep import expire_stale_mails, requeue_expired_leases
from worker.pipeline import shards
from worker.pipeline.hints import Hints

# An offer gets its own hint when it arrives; the sweeper only re-sends after this grace, so a
# long but healthy queue is not flooded with duplicates.
MATCH_GRACE = timedelta(minutes=2)
MAX_OFFERS_PER_SWEEP = 20_000
MAILS_PER_DELIVERY = 100  # one deliver_due run sends up to the mail batch size
MAX_DELIVERY_HINTS = 16


@dataclass
class SweepReport:
    offers_hinted: int = 0
    leases_requeued: int = 0
    mails_expired: int = 0
    mails_due: int = 0
    delivery_hints: int = 0


def sweep(engine: Engine, hints: Hints, settings: Settings, *, now: datetime | None = None,
          grace: timedelta = MATCH_GRACE, mails_per_delivery: int = MAILS_PER_DELIVERY) -> SweepReport:
    now = now or utcnow()
    report = SweepReport()
    report.leases_requeued = requeue_expired_leases(engine, now=now, max_attempts=settings.mail_max_attempts)
    report.mails_expired = expire_stale_mails(engine, now=now)
    offer_ids = pending_offer_ids(engine, older_than=now - grace)
    if settings.index_shards > 1:
        report.offers_hinted = _hint_missing_shards(engine, hints, offer_ids, settings.index_shards, now)
    else:
        if offer_ids:
            hints.match_job_offers(offer_ids)
        report.offers_hinted = len(offer_ids)
    due = due_mail_ids(engine, limit=mails_per_delivery * MAX_DELIVERY_HINTS, now=now)
    report.mails_due = len(due)
    if due:
        report.delivery_hints = min(MAX_DELIVERY_HINTS, math.ceil(len(due) / mails_per_delivery))
        hints.deliver_due_mail(report.delivery_hints)
    return report


def pending_offer_ids(engine: Engine, *, older_than: datetime | None = None,
                      limit: int = MAX_OFFERS_PER_SWEEP) -> list[int]:
    stmt = select(JobOffer.id).where(JobOffer.matching_status == MatchingStatus.PENDING.value)
    if older_than is not None:
        stmt = stmt.where(JobOffer.created_at <= older_than)
    with engine.connect() as conn:
        return list(conn.execute(stmt.order_by(JobOffer.id).limit(limit)).scalars())


def _hint_missing_shards(engine: Engine, hints: Hints, offer_ids: list[int], count: int, now: datetime) -> int:
    """Each pending offer to the shards without its record; returns the offers hinted."""
    with engine.connect() as conn:
        missing = shards.missing_shards(conn, offer_ids, count)
    finished = [offer_id for offer_id, absent in missing.items() if not absent]
    if finished:
        with session_scope(engine) as session:
            shards.complete(session, finished, count, now)
    for shard in range(count):
        ids = [offer_id for offer_id, absent in missing.items() if shard in absent]
        if ids:
            hints.match_job_offers(ids, shards=[shard])
    return len(offer_ids) - len(finished)

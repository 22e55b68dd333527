"""The sweeper: the database is the source of truth, the broker only carries hints.

Every minute (a scheduler job) it finds work the hints should have started and sends the hints
again: job offers still pending matching some time after they arrived, mails whose sending
worker died (lease expired: back to pending), mails due now. Sending a hint twice is harmless —
every actor is safe to run twice — so a lost message, a killed worker or a restarted Redis
delays work by about a minute and never loses it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine

from worker.config import Settings
from worker.domain.models import JobOffer, MatchingStatus, utcnow
from worker.outbox.claim import due_mail_ids
from worker.outbox.sweep import expire_stale_mails, requeue_expired_leases
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

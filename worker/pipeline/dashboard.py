"""What the console's dashboard shows beyond ``read_status``: mails by status today and hour by
hour over the last 48 hours, the mails the quiet hours hold (and when they leave) and the
latest failures. Read-only; times are UTC, the page shows them in JST."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from worker.config import Settings
from worker.domain.models import MailStatus, OutboxMail, utcnow
from worker.pipeline.status import Status, read_status
from worker.services.quiet_hours import HELD_KINDS, in_quiet_hours, sending_time

HOURS = 48
# The chart's series: delivered, given up on, and everything still on its way.
SERIES = {"sent": (MailStatus.SENT.value,),
          "failed": (MailStatus.FAILED.value, MailStatus.SUPPRESSED.value, MailStatus.EXPIRED.value),
          "waiting": (MailStatus.PENDING.value, MailStatus.SENDING.value, MailStatus.UNCERTAIN.value)}


@dataclass
class HourBucket:
    start: datetime  # UTC, on the hour
    counts: dict[str, int] = field(default_factory=dict)  # series → mails created in the hour

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class Held:
    mails: int = 0
    first_leaves: datetime | None = None
    last_leaves: datetime | None = None


@dataclass
class Failure:
    kind: str
    status: str
    attempts: int
    last_error: str
    at: datetime


@dataclass
class Dashboard:
    status: Status
    now: datetime
    today: dict[str, int]  # mails created today (JST) by status
    hours: list[HourBucket]
    held: Held
    failures: list[Failure]


def read_dashboard(engine: Engine, settings: Settings, *, now: datetime | None = None) -> Dashboard:
    now = now or utcnow()
    midnight = datetime.combine(now.astimezone(settings.tz).date(), time.min, tzinfo=settings.tz)
    with engine.connect() as conn:
        today = dict(conn.execute(select(OutboxMail.status, func.count()).where(OutboxMail.created_at >= midnight)
                                  .group_by(OutboxMail.status)).all())
        hours = _hours(conn, now)
        held = _held(conn, settings, now)
        failures = [Failure(r.kind, r.status, r.attempts, r.last_error or "", r.sent_at or r.created_at)
                    for r in conn.execute(
                        select(OutboxMail.kind, OutboxMail.status, OutboxMail.attempts, OutboxMail.last_error,
                               OutboxMail.sent_at, OutboxMail.created_at)
                        .where(OutboxMail.status == MailStatus.FAILED.value)
                        .order_by(OutboxMail.id.desc()).limit(10))]
    return Dashboard(read_status(engine), now, {s.value: int(today.get(s.value, 0)) for s in MailStatus},
                     hours, held, failures)


def _hours(conn, now: datetime) -> list[HourBucket]:
    first = (now - timedelta(hours=HOURS - 1)).replace(minute=0, second=0, microsecond=0)
    buckets = [HourBucket(first + timedelta(hours=n), dict.fromkeys(SERIES, 0)) for n in range(HOURS)]
    series_of = {status: name for name, statuses in SERIES.items() for status in statuses}
    counts: Counter = Counter()
    # Read as (created_at, status) pairs and bucketed here: the same code on SQLite and PostgreSQL.
    for created_at, status in conn.execute(select(OutboxMail.created_at, OutboxMail.status)
                                           .where(OutboxMail.created_at >= first)):
        index = int((created_at - first).total_seconds() // 3600)
        if 0 <= index < HOURS and status in series_of:
            counts[(index, series_of[status])] += 1
    for (index, name), n in counts.items():
        buckets[index].counts[name] = n
    return buckets


def _held(conn, settings: Settings, now: datetime) -> Held:
    """Pending offer mails that wait for the end of the quiet hours: due during them, or queued
    in them and due exactly when they end."""
    held = Held()
    rows = conn.execute(select(OutboxMail.next_attempt_at, func.count())
                        .where(OutboxMail.status == MailStatus.PENDING.value, OutboxMail.kind.in_(sorted(HELD_KINDS)))
                        .group_by(OutboxMail.next_attempt_at))
    for due, n in rows:
        when = max(due, now)
        leaves = sending_time(when, settings)  # later than ``when``: due in the quiet hours
        just_before = due - timedelta(seconds=1)
        queued_for_morning = due > now and in_quiet_hours(just_before, settings) and \
            due == sending_time(just_before, settings)
        if leaves > when or queued_for_morning:
            held.mails += n
            held.first_leaves = min(filter(None, (held.first_leaves, leaves)))
            held.last_leaves = max(filter(None, (held.last_leaves, leaves)))
    return held

"""What ``mypage-worker status`` shows: work waiting in the database (and the mails the quiet
hours hold, with the time they leave) and the accounts staff watch. Queue depths come from the
broker (the CLI adds them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from worker.config import Settings
from worker.domain import clock
from worker.domain.models import (
    WAITING_MAIL_STATUSES,
    AccountState,
    JobOffer,
    MailStatus,
    MatchingStatus,
    OutboxMail,
    Seeker,
    SuppressedAddress,
)
from worker.services.quiet_hours import HELD_KINDS, in_quiet_hours, sending_time


@dataclass
class Status:
    offers_waiting: int = 0
    oldest_offer_waiting: datetime | None = None
    mails: dict[str, int] = field(default_factory=dict)  # outbox rows by status
    suppressed_addresses: int = 0
    accounts: dict[str, int] = field(default_factory=dict)  # restricted, unusable
    mails_held: int = 0  # waiting for the end of the quiet hours (now, or the next ones)
    held_until: datetime | None = None  # when they leave (UTC); None: no quiet hours ahead holds any


def quiet_window(now: datetime, settings: Settings) -> tuple[datetime, datetime] | None:
    """The quiet hours ``now`` is in, or else the next ones, as (start, end) in UTC; None when
    the quiet hours are switched off."""
    if settings.quiet_hours_start == settings.quiet_hours_end:
        return None
    if in_quiet_hours(now, settings):
        return now, sending_time(now, settings)
    local = clock.local(now)
    start = local.replace(hour=settings.quiet_hours_start, minute=0, second=0, microsecond=0)
    if start <= local:
        start += timedelta(days=1)
    return start, sending_time(start, settings)


def read_status(engine: Engine, settings: Settings | None = None, *, now: datetime | None = None) -> Status:
    """With ``settings`` and ``now``, also the mails the quiet hours hold."""
    status = Status()
    with engine.connect() as conn:
        status.offers_waiting, status.oldest_offer_waiting = conn.execute(
            select(func.count(), func.min(JobOffer.created_at))
            .where(JobOffer.matching_status == MatchingStatus.PENDING.value)).one()
        by_status = dict(conn.execute(select(OutboxMail.status, func.count()).group_by(OutboxMail.status)).all())
        status.mails = {s.value: int(by_status.get(s.value, 0)) for s in MailStatus}
        status.suppressed_addresses = conn.execute(select(func.count()).select_from(SuppressedAddress)).scalar_one()
        states = dict(conn.execute(select(Seeker.account_state, func.count()).where(
            Seeker.account_state.in_((AccountState.RESTRICTED.value, AccountState.UNUSABLE.value)))
            .group_by(Seeker.account_state)).all())
        status.accounts = {s: int(states.get(s, 0)) for s in (AccountState.RESTRICTED.value,
                                                              AccountState.UNUSABLE.value)}
        window = quiet_window(now, settings) if settings is not None and now is not None else None
        if window is not None:
            start, end = window
            quiet_now = in_quiet_hours(now, settings)
            held = [OutboxMail.status.in_(WAITING_MAIL_STATUSES),
                    OutboxMail.kind.in_(sorted(HELD_KINDS)), OutboxMail.next_attempt_at <= end]
            if not quiet_now:  # only those due once tonight's quiet hours have begun
                held.append(OutboxMail.next_attempt_at >= start)
            # (In the quiet hours a held mail keeps its past due time untouched until the morning.)
            status.mails_held = conn.execute(select(func.count()).select_from(OutboxMail).where(*held)).scalar_one()
            if quiet_now or status.mails_held:
                status.held_until = end
    return status

"""What ``mypage-worker status`` shows: work waiting in the database and the accounts staff
watch. Queue depths come from the broker (the CLI adds them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from worker.domain.models import AccountState, JobOffer, MailStatus, MatchingStatus, OutboxMail, Seeker, SuppressedAddress


@dataclass
class Status:
    offers_waiting: int = 0
    oldest_offer_waiting: datetime | None = None
    mails: dict[str, int] = field(default_factory=dict)  # outbox rows by status
    suppressed_addresses: int = 0
    accounts: dict[str, int] = field(default_factory=dict)  # restricted, unusable


def read_status(engine: Engine) -> Status:
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
    return status

"""Claiming due mails: one conditional UPDATE takes a round of them with a lease."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, or_, select, update
from sqlalchemy.engine import Engine

from worker.domain.models import WAITING_MAIL_STATUSES, MailStatus, OutboxMail, utcnow
from worker.outbox.durable import durably
from worker.services.quiet_hours import HELD_KINDS

TABLE = OutboxMail.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ClaimedMail:
    """A snapshot of an outbox row at the moment this worker claimed it."""

    id: int
    kind: str
    dedupe_key: str
    recipient: str | None
    context: Mapping[str, Any]
    attempts: int  # including this one; also the fencing token for recording the outcome
    expires_at: datetime | None
    uncertain_at: datetime | None


def _due(now, *, quiet: bool = False):
    """Waiting, due and not expired; in the quiet hours, not one of the kinds they hold (those
    stay untouched, their attempts uncounted, until the morning)."""
    condition = and_(
        TABLE.c.status.in_(WAITING_MAIL_STATUSES),
        TABLE.c.next_attempt_at <= now,
        or_(TABLE.c.expires_at.is_(None), TABLE.c.expires_at > now),
    )
    return and_(condition, TABLE.c.kind.not_in(sorted(HELD_KINDS))) if quiet else condition


def _claim_statement(*, quiet: bool):
    return (
        update(TABLE)
        .where(TABLE.c.id.in_(bindparam("outbox_ids", expanding=True)), _due(bindparam("now"), quiet=quiet))
        .values(status=MailStatus.SENDING.value, lease_until=bindparam("lease_until"), attempts=TABLE.c.attempts + 1,
                send_started_at=None)
        .returning(TABLE.c.id, TABLE.c.kind, TABLE.c.dedupe_key, TABLE.c.recipient, TABLE.c.context, TABLE.c.attempts,
                   TABLE.c.expires_at, TABLE.c.uncertain_at)
    )


# Built once: delivery runs these for every mail, and composing the expressions anew each time
# cost more than executing them.
_CLAIM = {False: _claim_statement(quiet=False), True: _claim_statement(quiet=True)}
def due_mail_ids(engine: Engine, *, limit: int = 1000, now: datetime | None = None,
                 quiet: bool = False) -> list[int]:
    """Ids of mails that may be sent now, oldest due first (``quiet``: it is the quiet hours)."""
    now = now or utcnow()
    query = select(TABLE.c.id).where(_due(now, quiet=quiet)).order_by(TABLE.c.next_attempt_at, TABLE.c.id).limit(limit)
    with engine.connect() as conn:
        return list(conn.execute(query).scalars())


def claim_mails(engine: Engine, outbox_ids: Sequence[int], *, lease_s: float, now: datetime | None = None,
                quiet: bool = False, patience_s: float = 0.0) -> list[ClaimedMail]:
    """Take these mails for one round of sending: one conditional UPDATE. The mails returned are
    ours until ``now + lease_s``, in the order asked; the others were not due any more or another
    worker got there first (its UPDATE matched, ours found them no longer waiting)."""
    if not outbox_ids:
        return []
    now = now or utcnow()
    params = {"outbox_ids": list(outbox_ids), "now": now, "lease_until": now + timedelta(seconds=lease_s)}

    def claim(_retry: int) -> list[ClaimedMail]:
        # A retry after a connection lost mid-commit may miss rows the lost commit took: they are
        # ours, unknown to us and unsent, and come back pending when the lease ends.
        with engine.begin() as conn:
            return [ClaimedMail(**row._mapping) for row in conn.execute(_CLAIM[quiet], params)]

    position = {outbox_id: n for n, outbox_id in enumerate(outbox_ids)}
    return sorted(durably(claim, patience_s=patience_s), key=lambda mail: position[mail.id])


def claim_mail(engine: Engine, outbox_id: int, *, lease_s: float, now: datetime | None = None,
               quiet: bool = False) -> ClaimedMail | None:
    """One mail: see :func:`claim_mails`. None when it is not due or another worker has it."""
    claimed = claim_mails(engine, [outbox_id], lease_s=lease_s, now=now, quiet=quiet)
    return claimed[0] if claimed else None



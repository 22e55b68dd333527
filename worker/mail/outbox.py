"""The outbox rows' life, in conditional updates (see RELIABILITY.md, rules 1, 4 and 6).

pending ──claim──▶ sending ──250──▶ sent
   ▲                  │  ├─4xx, timeout, connection error─▶ pending (backoff) … failed
   │                  │  ├─5xx─▶ failed (+ address suppressed)
   │                  │  ├─dropped after DATA─▶ uncertain ──claim──▶ sending (once more)
   │                  │  └─suppressed address / expired key / no longer needed─▶ suppressed / expired / cancelled
   └── lease expired (the worker died) ◀──┘

Every change out of ``sending`` is conditional on the row still being ours: status sending with
the attempt number we claimed it with. A worker whose lease ran out and whose row went to another
worker therefore cannot overwrite that worker's outcome.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, or_, select, update
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from worker.config import Settings
from worker.domain.models import MailStatus, OutboxMail, utcnow
from worker.mail.suppression import suppress
from worker.services.quiet_hours import HELD_KINDS

_T = OutboxMail.__table__  # type: ignore[attr-defined]
_WAITING = (MailStatus.PENDING.value, MailStatus.UNCERTAIN.value)
DEFAULT_MAX_ATTEMPTS: int = Settings.model_fields["mail_max_attempts"].default


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
        _T.c.status.in_(_WAITING),
        _T.c.next_attempt_at <= now,
        or_(_T.c.expires_at.is_(None), _T.c.expires_at > now),
    )
    return and_(condition, _T.c.kind.not_in(sorted(HELD_KINDS))) if quiet else condition


def _claim_statement(*, quiet: bool):
    return (
        update(_T)
        .where(_T.c.id == bindparam("outbox_id"), _due(bindparam("now"), quiet=quiet))
        .values(status=MailStatus.SENDING.value, lease_until=bindparam("lease_until"), attempts=_T.c.attempts + 1)
        .returning(_T.c.id, _T.c.kind, _T.c.dedupe_key, _T.c.recipient, _T.c.context, _T.c.attempts,
                   _T.c.expires_at, _T.c.uncertain_at)
    )


# Built once: delivery runs these for every mail, and composing the expressions anew each time
# cost more than executing them.
_CLAIM = {False: _claim_statement(quiet=False), True: _claim_statement(quiet=True)}
_STILL_OURS = update(_T).where(
    _T.c.id == bindparam("claimed_id"),
    _T.c.status == MailStatus.SENDING.value,
    _T.c.attempts == bindparam("claimed_attempts"),
)

_SENT = _STILL_OURS.values(status=MailStatus.SENT.value, lease_until=None, sent_at=bindparam("sent_at"),
                           message_id=bindparam("message_id"), recipient=None, last_error=None)
# Mails whose context holds personal data rather than ids: the withdrawal mail carries the name of
# a seeker whose row is already gone. Once the mail is final, that context goes with the address.
PERSONAL_CONTEXT_KINDS = frozenset({"withdrawn"})
_SENT_FORGETTING = _SENT.values(context={})


def _forgotten(kind: str) -> dict[str, Any]:
    return {"context": {}} if kind in PERSONAL_CONTEXT_KINDS else {}


def due_mail_ids(engine: Engine, *, limit: int = 1000, now: datetime | None = None,
                 quiet: bool = False) -> list[int]:
    """Ids of mails that may be sent now, oldest due first (``quiet``: it is the quiet hours)."""
    now = now or utcnow()
    query = select(_T.c.id).where(_due(now, quiet=quiet)).order_by(_T.c.next_attempt_at, _T.c.id).limit(limit)
    with engine.connect() as conn:
        return list(conn.execute(query).scalars())


def claim_mail(engine: Engine, outbox_id: int, *, lease_s: float, now: datetime | None = None,
               quiet: bool = False) -> ClaimedMail | None:
    """Take the mail for one send: a conditional UPDATE; None when it is not due or another
    worker got there first (its UPDATE matched, ours found the row no longer waiting)."""
    now = now or utcnow()
    with engine.begin() as conn:
        row = conn.execute(_CLAIM[quiet], {"outbox_id": outbox_id, "now": now,
                                    "lease_until": now + timedelta(seconds=lease_s)}).first()
    return ClaimedMail(**row._mapping) if row is not None else None


def _finish(conn: Connection, claimed: ClaimedMail, **values: Any) -> bool:
    stmt = _STILL_OURS.values(lease_until=None, **values)
    return conn.execute(stmt, {"claimed_id": claimed.id, "claimed_attempts": claimed.attempts}).rowcount == 1


def mark_sent(engine: Engine, claimed: ClaimedMail, *, message_id: str, now: datetime | None = None) -> bool:
    """The server said 250: record it at once, in its own commit. The address is no longer kept."""
    params = {"claimed_id": claimed.id, "claimed_attempts": claimed.attempts,
              "sent_at": now or utcnow(), "message_id": message_id}
    stmt = _SENT_FORGETTING if claimed.kind in PERSONAL_CONTEXT_KINDS else _SENT
    with engine.begin() as conn:
        return conn.execute(stmt, params).rowcount == 1


def mark_final(engine: Engine, claimed: ClaimedMail, status: MailStatus, *, error: str | None = None,
               suppress_address: bool = False, message_id: str | None = None) -> bool:
    """failed / suppressed / expired / cancelled: the mail will never be sent; the address is
    dropped (after, for a 5xx, putting its hash on the suppression list in the same commit).
    ``message_id`` records what the server was offered, when it was."""
    values: dict[str, Any] = {"message_id": message_id} if message_id else {}
    with engine.begin() as conn:
        done = _finish(conn, claimed, status=status.value, recipient=None,
                       last_error=error[:500] if error else None, **_forgotten(claimed.kind), **values)
        if done and suppress_address and claimed.recipient:
            suppress(Session(bind=conn), claimed.recipient, reason=f"outbox {claimed.id}: {error or ''}")
        return done


def mark_retry(engine: Engine, claimed: ClaimedMail, *, at: datetime, error: str, uncertain: bool = False,
               message_id: str | None = None, now: datetime | None = None) -> bool:
    """Back to waiting until ``at``: pending after a transient failure, uncertain after a drop after DATA."""
    values: dict[str, Any] = {"next_attempt_at": at, "last_error": error[:500]}
    if message_id:
        values["message_id"] = message_id
    if uncertain:
        values.update(status=MailStatus.UNCERTAIN.value, uncertain_at=now or utcnow())
    else:
        values.update(status=MailStatus.PENDING.value)
    with engine.begin() as conn:
        return _finish(conn, claimed, **values)


def requeue_expired_leases(engine: Engine, *, now: datetime | None = None,
                           max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> int:
    """The sweeper: a mail whose worker died mid-send goes back to pending (or, when it has used
    up its attempts — a mail that kills its worker every time — to failed). Returns the rows moved."""
    now = now or utcnow()
    expired = and_(_T.c.status == MailStatus.SENDING.value, _T.c.lease_until < now)
    give_up = update(_T).where(expired, _T.c.attempts >= max_attempts).values(
        status=MailStatus.FAILED.value, lease_until=None, recipient=None, last_error="lease expired on the last attempt")
    with engine.begin() as conn:
        failed = conn.execute(give_up.where(_T.c.kind.in_(PERSONAL_CONTEXT_KINDS)).values(context={})).rowcount
        failed += conn.execute(give_up).rowcount
        requeued = conn.execute(
            update(_T).where(expired)
            .values(status=MailStatus.PENDING.value, lease_until=None, next_attempt_at=now,
                    last_error="lease expired: the sending worker stopped")
        ).rowcount
    return failed + requeued


def expire_stale_mails(engine: Engine, *, now: datetime | None = None, outbox_id: int | None = None) -> int:
    """Waiting mails whose content expired (an 認証キー) become expired, never sent (all of
    them, or just ``outbox_id``)."""
    now = now or utcnow()
    stmt = update(_T).where(_T.c.status.in_(_WAITING), _T.c.expires_at.is_not(None), _T.c.expires_at <= now)
    if outbox_id is not None:
        stmt = stmt.where(_T.c.id == outbox_id)
    with engine.begin() as conn:
        return conn.execute(stmt.values(status=MailStatus.EXPIRED.value, recipient=None)).rowcount

"""Recording what happened to a claimed mail: outcomes, the mark that its send started, lease
renewals — each conditional on the row still being ours (status sending with the attempt number we
claimed it with), several in one commit, retried on a fresh connection when the connection is lost."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from worker.domain.models import MailStatus, utcnow
from worker.outbox.claim import TABLE as _T
from worker.outbox.claim import ClaimedMail
from worker.outbox.durable import DISCONNECTS, durably
from worker.outbox.suppression import suppress

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


@dataclass
class Write:
    """One conditional change to a row this worker claimed: ``values`` if it is still ours."""

    mail: ClaimedMail
    values: dict[str, Any]
    status: MailStatus  # the row's status after the change (sending for a renewal or a start mark)
    attempts: int  # the row's attempts after the change
    suppress_reason: str | None = None  # also put the address on the suppression list
    statement: Any = field(default=None, repr=False)  # a prebuilt statement, for the frequent writes


def sent(claimed: ClaimedMail, *, message_id: str, now: datetime | None = None) -> Write:
    """The server said 250. The address is no longer kept."""
    values = {"sent_at": now or utcnow(), "message_id": message_id}
    statement = _SENT_FORGETTING if claimed.kind in PERSONAL_CONTEXT_KINDS else _SENT
    return Write(claimed, values, MailStatus.SENT, claimed.attempts, statement=statement)


def final(claimed: ClaimedMail, status: MailStatus, *, error: str | None = None, suppress_address: bool = False,
          message_id: str | None = None) -> Write:
    """failed / suppressed / expired / cancelled: the mail will never be sent; the address is
    dropped (after, for a 5xx, putting its hash on the suppression list in the same commit).
    ``message_id`` records what the server was offered, when it was."""
    values: dict[str, Any] = {"status": status.value, "recipient": None, "lease_until": None,
                              "last_error": error[:500] if error else None, **_forgotten(claimed.kind)}
    if message_id:
        values["message_id"] = message_id
    reason = f"outbox {claimed.id}: {error or ''}" if suppress_address and claimed.recipient else None
    return Write(claimed, values, status, claimed.attempts, suppress_reason=reason)


def retry(claimed: ClaimedMail, *, at: datetime, error: str, uncertain: bool = False,
          message_id: str | None = None, now: datetime | None = None) -> Write:
    """Back to waiting until ``at``: pending after a transient failure, uncertain after a drop after DATA."""
    status = MailStatus.UNCERTAIN if uncertain else MailStatus.PENDING
    values: dict[str, Any] = {"status": status.value, "next_attempt_at": at, "last_error": error[:500],
                              "lease_until": None}
    if message_id:
        values["message_id"] = message_id
    if uncertain:
        values["uncertain_at"] = now or utcnow()
    return Write(claimed, values, status, claimed.attempts)


def release(claimed: ClaimedMail, *, at: datetime, error: str) -> Write:
    """Back to waiting until ``at`` with the attempt given back: nothing was tried on this mail
    (the relay was unavailable, or the database failed while it was being composed)."""
    status = MailStatus.UNCERTAIN if claimed.uncertain_at is not None else MailStatus.PENDING
    values = {"status": status.value, "attempts": claimed.attempts - 1, "next_attempt_at": at,
              "last_error": error[:500], "lease_until": None, "send_started_at": None}
    return Write(claimed, values, status, claimed.attempts - 1)


def started(claimed: ClaimedMail, *, now: datetime | None = None) -> Write:
    """About to hand the mail to the server: committed first, so that if no outcome is ever
    recorded the sweeper knows this attempt may have delivered it."""
    return Write(claimed, {"send_started_at": now or utcnow()}, MailStatus.SENDING, claimed.attempts)


def renewed(claimed: ClaimedMail, *, lease_until: datetime) -> Write:
    return Write(claimed, {"lease_until": lease_until}, MailStatus.SENDING, claimed.attempts)


class OutboxUnavailable(Exception):
    """The database could not be written within the time the lease allowed."""


def record(engine: Engine, writes: Sequence[Write], *, patience_s: float = 0.0) -> list[bool]:
    """Apply ``writes`` in one commit; for each, whether the row was still ours. A lost connection
    is retried on a fresh one for up to ``patience_s`` seconds; then ``OutboxUnavailable``."""
    if not writes:
        return []

    def apply(retry_number: int) -> list[bool]:
        done = []
        with engine.begin() as conn:
            for write in writes:
                ours = _apply(conn, write)
                if not ours and retry_number:
                    # The commit of a try whose connection was lost may have gone through.
                    ours = _already_applied(conn, write)
                done.append(ours)
                if ours and write.suppress_reason and write.mail.recipient:
                    suppress(Session(bind=conn), write.mail.recipient, reason=write.suppress_reason)
        return done

    try:
        return durably(apply, patience_s=patience_s)
    except DISCONNECTS as exc:
        raise OutboxUnavailable(f"the outbox could not be written: {type(exc).__name__}") from None


def _apply(conn: Connection, write: Write) -> bool:
    fence = {"claimed_id": write.mail.id, "claimed_attempts": write.mail.attempts}
    if write.statement is not None:
        return conn.execute(write.statement, {**fence, **write.values}).rowcount == 1
    return conn.execute(_STILL_OURS.values(**write.values), fence).rowcount == 1


def _already_applied(conn: Connection, write: Write) -> bool:
    if write.status is MailStatus.SENDING:
        return False  # a renewal or start mark that matched nothing: the row is not ours
    row = conn.execute(select(_T.c.status, _T.c.attempts).where(_T.c.id == write.mail.id)).first()
    return row is not None and (row.status, row.attempts) == (write.status.value, write.attempts)


def mark_sent(engine: Engine, claimed: ClaimedMail, *, message_id: str, now: datetime | None = None) -> bool:
    """Record one 250 at once, in its own commit."""
    return record(engine, [sent(claimed, message_id=message_id, now=now)])[0]



"""The outbox rows' life, in conditional updates (see RELIABILITY.md, rules 1, 4 and 6).

pending ──claim──▶ sending ──(send_started_at)──250──▶ sent
   ▲                  │  ├─4xx, timeout, connection error─▶ pending (backoff) … failed
   │                  │  ├─5xx─▶ failed (+ address suppressed)
   │                  │  ├─dropped after DATA─▶ uncertain ──claim──▶ sending (once more)
   │                  │  ├─relay unavailable─▶ pending (uncharged: attempts back as they were)
   │                  │  └─suppressed address / expired key / no longer needed─▶ suppressed / expired / cancelled
   └── lease expired (the worker died) ◀──┘   …or uncertain, when it had started the send

Every change out of ``sending`` is conditional on the row still being ours: status sending with
the attempt number we claimed it with. A worker whose lease ran out and whose row went to another
worker therefore cannot overwrite that worker's outcome.

Writes that must not be lost (an outcome after the server's 250, the mark that a send started)
are retried on a fresh connection for as long as the lease allows (:func:`record`). If they still
cannot be written, ``send_started_at`` — committed before the send — tells the sweeper that the
mail may have been delivered: the row becomes uncertain, not pending, and its one resend carries
the same Message-ID.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import and_, bindparam, case, func, or_, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlmodel import Session

from worker.domain.models import MailStatus, OutboxMail, utcnow
from worker.mail.suppression import suppress
from worker.services.quiet_hours import HELD_KINDS

log = logging.getLogger(__name__)

_T = OutboxMail.__table__  # type: ignore[attr-defined]
_WAITING = (MailStatus.PENDING.value, MailStatus.UNCERTAIN.value)


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
        .where(_T.c.id.in_(bindparam("outbox_ids", expanding=True)), _due(bindparam("now"), quiet=quiet))
        .values(status=MailStatus.SENDING.value, lease_until=bindparam("lease_until"), attempts=_T.c.attempts + 1,
                send_started_at=None)
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


# ------------------------------------------------------------------------------ recording


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
    except _DISCONNECTS as exc:
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


_DISCONNECTS = (OperationalError, InterfaceError)
_R = TypeVar("_R")


def durably(work: Callable[[int], _R], *, patience_s: float) -> _R:
    """Run ``work(retry_number)`` (one transaction), again on a fresh connection after the
    database connection failed, until it succeeds or ``patience_s`` has passed."""
    give_up_at = time.monotonic() + patience_s
    delay, retry_number = 0.05, 0
    while True:
        try:
            return work(retry_number)
        except DBAPIError as exc:
            if not (isinstance(exc, _DISCONNECTS) or exc.connection_invalidated):
                raise
            if time.monotonic() + delay > give_up_at:
                raise
            # The exception's text may quote statement parameters: name its class only.
            log.warning("outbox: database write failed (%s); trying again on a fresh connection",
                        type(exc.orig).__name__ if exc.orig is not None else type(exc).__name__)
        time.sleep(delay)
        delay, retry_number = min(delay * 2, 1.0), retry_number + 1


# ------------------------------------------------------------------------------ the sweeper's side


def requeue_expired_leases(engine: Engine, *, max_attempts: int, now: datetime | None = None) -> int:
    """The sweeper: a mail whose worker died or lost the database mid-send goes back to waiting —
    uncertain when its send had started (it may have been delivered: one more try, same
    Message-ID), pending otherwise — or to failed once it has used up ``max_attempts``
    (``MYPAGE_MAIL_MAX_ATTEMPTS``: a mail that kills its worker every time) or was already
    uncertain once. Returns the rows moved."""
    now = now or utcnow()
    expired = and_(_T.c.status == MailStatus.SENDING.value, _T.c.lease_until < now)
    reached_server = _T.c.send_started_at.is_not(None)
    give_up = update(_T).where(expired, _T.c.attempts >= max_attempts).values(
        status=MailStatus.FAILED.value, lease_until=None, recipient=None,
        uncertain_at=case((reached_server, func.coalesce(_T.c.uncertain_at, now)), else_=_T.c.uncertain_at),
        last_error=case((reached_server, "lease expired on the last attempt, after the send had started: "
                                         "it may have been delivered"),
                        else_="lease expired on the last attempt"))
    uncertain_twice = update(_T).where(expired, reached_server, _T.c.uncertain_at.is_not(None)).values(
        status=MailStatus.FAILED.value, lease_until=None, recipient=None,
        last_error="uncertain twice: lease expired after a send had started, and an earlier one was uncertain")
    with engine.begin() as conn:
        moved = 0
        for stmt in (give_up, uncertain_twice):
            moved += conn.execute(stmt.where(_T.c.kind.in_(PERSONAL_CONTEXT_KINDS)).values(context={})).rowcount
            moved += conn.execute(stmt).rowcount
        moved += conn.execute(
            update(_T).where(expired, reached_server)
            .values(status=MailStatus.UNCERTAIN.value, uncertain_at=now, lease_until=None, next_attempt_at=now,
                    last_error="lease expired after the send had started: it may have been delivered")
        ).rowcount
        moved += conn.execute(
            update(_T).where(expired)
            .values(status=MailStatus.PENDING.value, lease_until=None, next_attempt_at=now,
                    last_error="lease expired: the sending worker stopped")
        ).rowcount
    return moved


def expire_stale_mails(engine: Engine, *, now: datetime | None = None, outbox_id: int | None = None) -> int:
    """Waiting mails whose content expired (an 認証キー) become expired, never sent (all of
    them, or just ``outbox_id``)."""
    now = now or utcnow()
    stmt = update(_T).where(_T.c.status.in_(_WAITING), _T.c.expires_at.is_not(None), _T.c.expires_at <= now)
    if outbox_id is not None:
        stmt = stmt.where(_T.c.id == outbox_id)
    with engine.begin() as conn:
        return conn.execute(stmt.values(status=MailStatus.EXPIRED.value, recipient=None)).rowcount

"""The sweeper's side of the outbox: leases of workers that stopped, and key mails that expired."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, case, func, update
from sqlalchemy.engine import Engine

from worker.domain.models import WAITING_MAIL_STATUSES, MailStatus, utcnow
from worker.outbox.claim import TABLE as _T
from worker.outbox.record import PERSONAL_CONTEXT_KINDS


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
    stmt = update(_T).where(_T.c.status.in_(WAITING_MAIL_STATUSES), _T.c.expires_at.is_not(None), _T.c.expires_at <= now)
    if outbox_id is not None:
        stmt = stmt.where(_T.c.id == outbox_id)
    with engine.begin() as conn:
        return conn.execute(stmt.values(status=MailStatus.EXPIRED.value, recipient=None)).rowcount

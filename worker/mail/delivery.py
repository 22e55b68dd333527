"""Sending what the outbox holds: claim, send, record — one mail at a time over one connection.

Each mail is claimed just before it is sent (a conditional UPDATE with a lease), so a lease only
has to cover one send and mails not yet reached stay free for other workers. Its outcome is
committed right after the server's reply. Logs name outbox ids and mail kinds only: never an
address, never a key.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from worker.config import Settings
from worker.domain.models import MailStatus, OutboxMail, utcnow
from worker.mail.declaration import MailExpired, MailNotNeeded
from worker.mail.message import UnsafeHeaderValue, build_message, message_id_for
from worker.mail.outbox import (
    ClaimedMail,
    claim_mail,
    due_mail_ids,
    expire_stale_mails,
    mark_final,
    mark_retry,
    mark_sent,
)
from worker.mail.registry import UnknownMail, declaration_of
from worker.mail.render import render_mail
from worker.mail.suppression import is_suppressed
from worker.mail.transport import DeliveryFailed, Failure, Transport, transport_for
from worker.services.quiet_hours import in_quiet_hours

log = logging.getLogger(__name__)

# The local part takes every character the login form accepts (RFC 5322 atext), so no part of
# an address a server quotes back survives the scrub.
_ADDRESS = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0  # back to pending after a transient failure, with backoff
    uncertain: int = 0  # dropped after DATA: one more try later with the same Message-ID
    failed: int = 0
    suppressed: int = 0
    expired: int = 0
    cancelled: int = 0
    not_claimed: int = 0  # no longer due, or another worker claimed it first
    lease_lost: int = 0  # our lease ran out and the sweeper gave the mail to someone else
    deferred: int = 0  # left waiting: the server could not be reached or refused our sender
    connections: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


_REPORT_FIELD = {
    MailStatus.SENT: "sent", MailStatus.PENDING: "retrying", MailStatus.UNCERTAIN: "uncertain",
    MailStatus.FAILED: "failed", MailStatus.SUPPRESSED: "suppressed", MailStatus.EXPIRED: "expired",
    MailStatus.CANCELLED: "cancelled",
}


def deliver_due(engine: Engine, settings: Settings, *, limit: int = 100, now: datetime | None = None) -> DeliveryReport:
    """Send up to ``limit`` due mails over one connection (dramatiq actors are synchronous)."""
    return asyncio.run(deliver_due_async(engine, settings, limit=limit, now=now))


def deliver_mail(engine: Engine, settings: Settings, outbox_id: int) -> str:
    """Send one outbox mail if it is due; returns the row's status afterwards."""
    return asyncio.run(deliver_mail_async(engine, settings, outbox_id))


async def deliver_due_async(engine: Engine, settings: Settings, *, limit: int = 100,
                            now: datetime | None = None) -> DeliveryReport:
    clock = _clock(now)
    report = DeliveryReport(expired=expire_stale_mails(engine, now=clock()))
    quiet = in_quiet_hours(clock(), settings)
    ids = due_mail_ids(engine, limit=limit, now=clock(), quiet=quiet)
    transport = transport_for(settings)
    try:
        for position, outbox_id in enumerate(ids):
            mail = claim_mail(engine, outbox_id, lease_s=settings.mail_lease_s, now=clock(), quiet=quiet)
            if mail is None:
                report.not_claimed += 1
                continue
            status, stop = await _attempt(engine, settings, mail, transport, clock)
            _count(report, status)
            if stop:
                report.deferred = len(ids) - position - 1
                break
    finally:
        await transport.close()
        report.connections = transport.connections
    return report


async def deliver_mail_async(engine: Engine, settings: Settings, outbox_id: int) -> str:
    expire_stale_mails(engine, outbox_id=outbox_id)
    mail = claim_mail(engine, outbox_id, lease_s=settings.mail_lease_s,
                      quiet=in_quiet_hours(utcnow(), settings))
    if mail is None:
        return _status_of(engine, outbox_id)
    transport = transport_for(settings)
    try:
        status, _ = await _attempt(engine, settings, mail, transport, utcnow)
    finally:
        await transport.close()
    return status.value if status is not None else _status_of(engine, outbox_id)


async def _attempt(engine: Engine, settings: Settings, mail: ClaimedMail, transport: Transport,
                   clock: Callable[[], datetime]) -> tuple[MailStatus | None, bool]:
    """One claimed mail, start to recorded outcome. Returns (its new status or None when the
    lease was lost, whether the rest of the batch should wait)."""
    try:
        message = _compose(engine, settings, mail, clock())
    except _Final as final:
        return _record_final(engine, mail, final.status, final.reason), False
    except Exception as exc:  # a bug or a database hiccup while rendering: retried like a 4xx
        log.exception("outbox %s (%s): could not be composed", mail.id, mail.kind)
        failure = DeliveryFailed(Failure.TRANSIENT, f"{type(exc).__name__}: {exc}")
        return _after_failure(engine, settings, mail, failure, clock()), False
    # The claim checked expiry too; checking again right before sending closes the gap.
    if mail.expires_at is not None and mail.expires_at <= clock():
        return _record_final(engine, mail, MailStatus.EXPIRED, "the key expired before it could be sent"), False
    try:
        await transport.send(message, sender=settings.mail_from, recipient=mail.recipient)
    except DeliveryFailed as failure:
        return _after_failure(engine, settings, mail, failure, clock()), failure.stop_batch
    if not mark_sent(engine, mail, message_id=message["Message-ID"], now=clock()):
        log.warning("outbox %s (%s): sent, but its lease had passed to another worker", mail.id, mail.kind)
        return None, False
    log.info("outbox %s (%s): sent", mail.id, mail.kind)
    return MailStatus.SENT, False


class _Final(Exception):
    def __init__(self, status: MailStatus, reason: str):
        self.status, self.reason = status, reason


def _compose(engine: Engine, settings: Settings, mail: ClaimedMail, now: datetime) -> EmailMessage:
    if not mail.recipient:
        raise _Final(MailStatus.CANCELLED, "no recipient")
    try:
        declaration = declaration_of(mail.kind)
        with Session(engine) as session:
            if is_suppressed(session, mail.recipient):
                raise _Final(MailStatus.SUPPRESSED, "the address is on the suppression list")
            context = declaration.context(session, settings, mail.context)
        rendered = render_mail(mail.kind, context)
        return build_message(rendered, to=mail.recipient, mail_from=settings.mail_from,
                             from_name=settings.mail_from_name,
                             message_id=message_id_for(mail.dedupe_key, settings.mail_from),
                             date=now.astimezone(settings.tz))
    except MailExpired as exc:
        raise _Final(MailStatus.EXPIRED, str(exc)) from exc
    except MailNotNeeded as exc:
        raise _Final(MailStatus.CANCELLED, str(exc)) from exc
    except (UnknownMail, UnsafeHeaderValue) as exc:
        raise _Final(MailStatus.FAILED, str(exc)) from exc


def _after_failure(engine: Engine, settings: Settings, mail: ClaimedMail, failure: DeliveryFailed,
                   now: datetime) -> MailStatus | None:
    error = _scrub(failure.detail)
    offered = message_id_for(mail.dedupe_key, settings.mail_from)
    if failure.failure is Failure.PERMANENT:
        return _record_final(engine, mail, MailStatus.FAILED, error, suppress_address=True, message_id=offered)
    if failure.failure is Failure.UNCERTAIN:
        if mail.uncertain_at is not None:
            return _record_final(engine, mail, MailStatus.FAILED, f"uncertain twice; {error}", message_id=offered)
        at = now + timedelta(seconds=settings.mail_retry_base_s)
        log.warning("outbox %s (%s): outcome unknown (%s); one retry with the same Message-ID", mail.id, mail.kind, error)
        done = mark_retry(engine, mail, at=at, error=error, uncertain=True, message_id=offered, now=now)
        return _recorded(done, mail, MailStatus.UNCERTAIN)
    if mail.attempts >= settings.mail_max_attempts:
        return _record_final(engine, mail, MailStatus.FAILED, f"gave up after {mail.attempts} attempts; {error}",
                             message_id=offered)
    at = now + retry_delay(settings, mail.attempts)
    log.info("outbox %s (%s): attempt %s failed (%s); retry at %s", mail.id, mail.kind, mail.attempts, error, at.isoformat())
    return _recorded(mark_retry(engine, mail, at=at, error=error, message_id=offered), mail, MailStatus.PENDING)


def retry_delay(settings: Settings, attempts: int) -> timedelta:
    """Exponential backoff: base, 2×base, 4×base, … never more than the cap."""
    seconds = settings.mail_retry_base_s * 2 ** min(max(attempts - 1, 0), 32)
    return timedelta(seconds=min(seconds, settings.mail_retry_cap_s))


def _record_final(engine: Engine, mail: ClaimedMail, status: MailStatus, reason: str, *,
                  suppress_address: bool = False, message_id: str | None = None) -> MailStatus | None:
    log.log(logging.INFO if status is not MailStatus.FAILED else logging.WARNING,
            "outbox %s (%s): %s (%s)", mail.id, mail.kind, status.value, _scrub(reason))
    done = mark_final(engine, mail, status, error=_scrub(reason), suppress_address=suppress_address,
                      message_id=message_id)
    return _recorded(done, mail, status)


def _recorded(done: bool, mail: ClaimedMail, status: MailStatus) -> MailStatus | None:
    if not done:
        log.warning("outbox %s (%s): its lease had passed to another worker; outcome not recorded", mail.id, mail.kind)
        return None
    return status


def _count(report: DeliveryReport, status: MailStatus | None) -> None:
    field = _REPORT_FIELD[status] if status is not None else "lease_lost"
    setattr(report, field, getattr(report, field) + 1)


def _status_of(engine: Engine, outbox_id: int) -> str:
    with Session(engine) as session:
        status = session.execute(select(OutboxMail.status).where(OutboxMail.id == outbox_id)).scalar_one_or_none()
    if status is None:
        raise LookupError(f"no outbox mail {outbox_id}")
    return status


def _scrub(text: str) -> str:
    """Server replies and exceptions often quote the address; the outbox and logs must not."""
    return _ADDRESS.sub("[address]", text)[:500]


def _clock(now: datetime | None) -> Callable[[], datetime]:
    return (lambda: now) if now is not None else utcnow

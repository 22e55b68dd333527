"""Sending what the outbox holds: claim, send, record — in rounds of a few mails over one connection.

A round claims up to ``ROUND`` due mails in one conditional UPDATE (with a lease), composes them,
commits that their sends are starting, sends them one by one and records their outcomes in one
commit. Fewer commits per mail is most of what makes 200 mails/s on one connection; the price is
that a worker killed mid-round leaves up to ``ROUND`` mails whose outcome is unknown, and those
the sweeper makes uncertain (one more try with the same Message-ID), never silently sent twice.

The lease never expires under a live sender: before each send, a lease with less than one
worst-case send left (``Settings.min_mail_lease_s``) is renewed, and the send itself is cut at the
lease's end (``deadline``), so a worker that cannot renew stops instead of racing the sweeper.

A relay that is unavailable (see ``Failure.RELAY``) stops the batch; the mails are released
without being charged an attempt, and the process's breaker for that relay backs off.

Logs name outbox ids and mail kinds only: never an address, never a key.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlmodel import Session

from worker.config import Settings
from worker.domain.models import MailStatus, OutboxMail, utcnow
from worker.mail.breaker import RelayBreaker, breaker_for
from worker.mail.declaration import MailExpired, MailNotNeeded, RowSource
from worker.mail.message import UnsafeHeaderValue, build_message, message_id_for
from worker.mail.registry import UnknownMail, declaration_of
from worker.mail.render import render_mail
from worker.mail.rows import ConnectionRows
from worker.mail.transport import DeliveryFailed, Failure, transport_for
from worker.outbox.claim import ClaimedMail, claim_mails, due_mail_ids
from worker.outbox.durable import durably
from worker.outbox.record import OutboxUnavailable, Write, final, record, release, renewed, retry, sent, started
from worker.outbox.suppression import address_hash, suppressed_among
from worker.outbox.sweep import expire_stale_mails
from worker.services.quiet_hours import in_quiet_hours

log = logging.getLogger(__name__)

# The local part takes every character the login form accepts (RFC 5322 atext), so no part of
# an address a server quotes back survives the scrub.
_ADDRESS = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")
ROUND = 16  # mails claimed, marked started and recorded together


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
    deferred: int = 0  # left waiting, uncharged: the relay was unavailable (or the batch stopped)
    relay_unavailable: int = 0  # 1 when the relay's breaker stopped or skipped this batch
    unrecorded: int = 0  # handled, but the database could not be written: the sweeper settles them
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
    # Both are safe to repeat: a lost connection is tried again briefly, then the actor retries.
    report = DeliveryReport(expired=durably(lambda _: expire_stale_mails(engine, now=clock()), patience_s=2.0))
    quiet = in_quiet_hours(clock(), settings)
    ids = durably(lambda _: due_mail_ids(engine, limit=limit, now=clock(), quiet=quiet), patience_s=2.0)
    if ids:
        await _Batch(engine, settings, clock, report, quiet).run(ids)
    return report


async def deliver_mail_async(engine: Engine, settings: Settings, outbox_id: int) -> str:
    expire_stale_mails(engine, outbox_id=outbox_id)
    report = DeliveryReport()
    await _Batch(engine, settings, utcnow, report, in_quiet_hours(utcnow(), settings)).run([outbox_id])
    return _status_of(engine, outbox_id)


class _Batch:
    """One batch: its connection, its lease clock and its report."""

    def __init__(self, engine: Engine, settings: Settings, clock: Callable[[], datetime], report: DeliveryReport,
                 quiet: bool):
        self.engine, self.settings, self.clock, self.report, self.quiet = engine, settings, clock, report, quiet
        self.breaker: RelayBreaker = breaker_for(settings)
        self.loop = asyncio.get_running_loop()
        self.lease_ends = 0.0  # event-loop time at which the lease of the mails in hand ends

    async def run(self, ids: Sequence[int]) -> None:
        if not self.breaker.allow(self.clock()):
            self.report.relay_unavailable = 1
            log.info("outbox: the relay is backing off; %d due mails wait", len(ids))
            return
        self.transport = transport_for(self.settings)
        try:
            for start in range(0, len(ids), ROUND):
                if not await self._round(ids[start:start + ROUND]):
                    self.report.deferred += max(0, len(ids) - start - ROUND)
                    break
        finally:
            await self.transport.close()
            self.report.connections = self.transport.connections

    # -------------------------------------------------------------------------- one round

    async def _round(self, ids: Sequence[int]) -> bool:
        """Claim, compose, mark started, send, record. False when the batch must stop."""
        settings = self.settings
        lease_from = self.loop.time()
        try:
            claimed = claim_mails(self.engine, ids, lease_s=settings.mail_lease_s, now=self.clock(),
                                  quiet=self.quiet, patience_s=self._patience())
        except (OperationalError, InterfaceError):
            log.warning("outbox: the database is unavailable; the batch stops")
            self.report.deferred += len(ids)
            return False
        self.lease_ends = lease_from + settings.mail_lease_s
        self.report.not_claimed += len(ids) - len(claimed)
        writes, ready = self._compose_all(claimed)
        writes += [started(mail, now=self.clock()) for mail, _ in ready]
        done = self._record(writes)
        if done is None:
            return False
        ready = self._still_ours(ready, done[len(done) - len(ready):])
        writes = []
        lost: set[int] = set()
        for position, (mail, message) in enumerate(ready):
            if self.lease_ends - self.loop.time() < (self.transport.replies_next_send + 1) * settings.smtp_timeout_s:
                # Less than one worst-case send (and a timeout to record it) left: renew, recording
                # what is done so far.
                rest = [m for m, _ in ready[position:] if m.id not in lost]
                lease_from = self.loop.time()
                until = self.clock() + timedelta(seconds=settings.mail_lease_s)
                done = self._record(writes + [renewed(m, lease_until=until) for m in rest])
                if done is None:
                    return False
                self.lease_ends = lease_from + settings.mail_lease_s
                lost |= {m.id for m, ours in zip(rest, done[len(writes):]) if not ours}
                writes = []
            if mail.id in lost:
                self.report.lease_lost += 1
                continue  # the row is not ours any more: never send it
            write, stop = await self._send(mail, message)
            writes.append(write)
            if stop:
                at = write.values["next_attempt_at"]
                writes += [release(m, at=at, error="not tried: the relay was unavailable")
                           for m, _ in ready[position + 1:]]
                self._record(writes)
                return False
        return self._record(writes) is not None

    def _still_ours(self, ready: list, flags: list[bool]) -> list:
        for (mail, _), ours in zip(ready, flags):
            if not ours:
                log.warning("outbox %s (%s): its lease had passed to another worker; not sent", mail.id, mail.kind)
                self.report.lease_lost += 1
        return [pair for pair, ours in zip(ready, flags) if ours]

    def _compose_all(self, claimed: list[ClaimedMail]) -> tuple[list[Write], list[tuple[ClaimedMail, EmailMessage]]]:
        writes: list[Write] = []
        ready: list[tuple[ClaimedMail, EmailMessage]] = []
        try:
            with self.engine.connect() as conn:
                listed = suppressed_among(Session(bind=conn), [mail.recipient for mail in claimed if mail.recipient])
                rows = ConnectionRows(conn)
                for mail in claimed:
                    try:
                        if mail.recipient and address_hash(mail.recipient) in listed:
                            raise _Final(MailStatus.SUPPRESSED, "the address is on the suppression list")
                        ready.append((mail, _compose(rows, self.settings, mail, self.clock())))
                    except _Final as exc:
                        writes.append(self._final(mail, exc.status, exc.reason))
                    except (OperationalError, InterfaceError):
                        raise
                    except Exception as exc:  # a bug while rendering: retried like a 4xx
                        log.exception("outbox %s (%s): could not be composed", mail.id, mail.kind)
                        conn.rollback()
                        failure = DeliveryFailed(Failure.TRANSIENT, f"{type(exc).__name__}: {exc}")
                        writes.append(self._after_failure(mail, failure))
        except (OperationalError, InterfaceError):
            # The database failed mid-round: the mails not yet composed wait, uncharged.
            done = {w.mail.id for w in writes} | {mail.id for mail, _ in ready}
            writes += [self._db_failed(mail) for mail in claimed if mail.id not in done]
        return writes, ready

    def _db_failed(self, mail: ClaimedMail) -> Write:
        log.warning("outbox %s (%s): the database failed while composing; it waits, uncharged", mail.id, mail.kind)
        return release(mail, at=self.clock(), error="the database failed while the mail was composed")

    async def _send(self, mail: ClaimedMail, message: EmailMessage) -> tuple[Write, bool]:
        """One send. Returns what to record, and whether the batch stops."""
        # The claim checked expiry too; checking again right before sending closes the gap.
        if mail.expires_at is not None and mail.expires_at <= self.clock():
            return self._final(mail, MailStatus.EXPIRED, "the key expired before it could be sent"), False
        # Cut the send where the lease would stop covering it, leaving a timeout to record it.
        deadline = self.lease_ends - self.settings.smtp_timeout_s
        try:
            await self.transport.send(message, sender=self.settings.mail_from, recipient=mail.recipient,
                                      deadline=deadline)
        except DeliveryFailed as failure:
            if failure.failure is Failure.RELAY:
                return self._relay_unavailable(mail, failure), True
            self.breaker.succeeded()  # it answered: the relay is up
            return self._after_failure(mail, failure), False
        self.breaker.succeeded()
        log.info("outbox %s (%s): sent", mail.id, mail.kind)
        return sent(mail, message_id=message["Message-ID"], now=self.clock()), False

    def _relay_unavailable(self, mail: ClaimedMail, failure: DeliveryFailed) -> Write:
        at = self.breaker.failed(self.clock())
        self.report.relay_unavailable = 1
        log.warning("outbox %s (%s): the relay is unavailable (%s); the batch waits until %s, uncharged",
                    mail.id, mail.kind, _scrub(failure.detail), at.isoformat())
        return release(mail, at=at, error=_scrub(failure.detail))

    def _after_failure(self, mail: ClaimedMail, failure: DeliveryFailed) -> Write:
        settings, now = self.settings, self.clock()
        error = _scrub(failure.detail)
        offered = message_id_for(mail.dedupe_key, settings.mail_from)
        if failure.failure is Failure.PERMANENT:
            return self._final(mail, MailStatus.FAILED, error, suppress_address=True, message_id=offered)
        if failure.failure is Failure.UNCERTAIN:
            if mail.uncertain_at is not None:
                return self._final(mail, MailStatus.FAILED, f"uncertain twice; {error}", message_id=offered)
            at = now + timedelta(seconds=settings.mail_retry_base_s)
            log.warning("outbox %s (%s): outcome unknown (%s); one retry with the same Message-ID",
                        mail.id, mail.kind, error)
            return retry(mail, at=at, error=error, uncertain=True, message_id=offered, now=now)
        if mail.attempts >= settings.mail_max_attempts:
            return self._final(mail, MailStatus.FAILED, f"gave up after {mail.attempts} attempts; {error}",
                               message_id=offered)
        at = now + retry_delay(settings, mail.attempts)
        log.info("outbox %s (%s): attempt %s failed (%s); retry at %s", mail.id, mail.kind, mail.attempts, error,
                 at.isoformat())
        return retry(mail, at=at, error=error, message_id=offered)

    def _final(self, mail: ClaimedMail, status: MailStatus, reason: str, *, suppress_address: bool = False,
               message_id: str | None = None) -> Write:
        log.log(logging.INFO if status is not MailStatus.FAILED else logging.WARNING,
                "outbox %s (%s): %s (%s)", mail.id, mail.kind, status.value, _scrub(reason))
        return final(mail, status, error=_scrub(reason), suppress_address=suppress_address,
                            message_id=message_id)

    def _record(self, writes: list[Write]) -> list[bool] | None:
        """Commit ``writes`` and count them; None when the database stayed unavailable (the
        batch stops; the sweeper settles the rows when their lease ends)."""
        try:
            done = record(self.engine, writes, patience_s=self._patience())
        except OutboxUnavailable:
            outcomes = [w for w in writes if w.status is not MailStatus.SENDING]
            self.report.unrecorded += len(outcomes)
            log.warning("outbox: %d outcomes could not be recorded (database unavailable); the batch stops and "
                        "the sweeper makes mails whose send had started uncertain", len(outcomes))
            return None
        for write, ours in zip(writes, done):
            if write.status is MailStatus.SENDING:
                continue
            if not ours:
                log.warning("outbox %s (%s): its lease had passed to another worker; outcome not recorded",
                            write.mail.id, write.mail.kind)
                self.report.lease_lost += 1
            elif write.attempts < write.mail.attempts:
                self.report.deferred += 1  # released uncharged
            else:
                field = _REPORT_FIELD[write.status]
                setattr(self.report, field, getattr(self.report, field) + 1)
        return done

    def _patience(self) -> float:
        """How long a database write may be retried: while the lease still covers the mails."""
        return max(1.0, self.lease_ends - self.loop.time() - self.settings.smtp_timeout_s)


class _Final(Exception):
    def __init__(self, status: MailStatus, reason: str):
        self.status, self.reason = status, reason


def _compose(rows: RowSource, settings: Settings, mail: ClaimedMail, now: datetime) -> EmailMessage:
    if not mail.recipient:
        raise _Final(MailStatus.CANCELLED, "no recipient")
    try:
        context = declaration_of(mail.kind).context(rows, settings, mail.context)
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


def retry_delay(settings: Settings, attempts: int) -> timedelta:
    """Exponential backoff: base, 2×base, 4×base, … never more than the cap."""
    seconds = settings.mail_retry_base_s * 2 ** min(max(attempts - 1, 0), 32)
    return timedelta(seconds=min(seconds, settings.mail_retry_cap_s))


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

"""Recommendation digests and saved-search mails in the outbox.

A seeker gets at most ``settings.recommendation_mails_per_day`` おすすめ求人 mails per JST day, never
during the quiet hours. The day's first digest has the dedupe key
``recommend-digest:<seeker>:<YYYY-MM-DD>`` (the day it may be sent); the n-th, when more than one
a day is allowed, ``…:<YYYY-MM-DD>:<n>``. While a digest is still pending (not yet claimed for
sending) newer inbox items are appended to it under a row lock and a conditional update; once it
is claimed, items go to the next digest of the day, or wait for tomorrow's (the daily leftover job).

A saved search the seeker opted into (``Condition.notify`` and ``Seeker.saved_search_mails``)
gets one ``saved-search-new-jobs`` mail a day, ``saved-search:<condition>:<YYYY-MM-DD>``, with
the new offers appended while it is pending.

Everything runs inside the caller's transaction, after the inbox items were inserted; on
PostgreSQL the pending rows are locked (``FOR UPDATE``) in id order, on SQLite the transaction
already holds the database's write lock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlmodel import Session

from worker.config import Settings
from worker.domain.models import InboxItem, MailStatus, OutboxMail
from worker.pipeline.quiet_hours import local_date, sending_time
from worker.services.outbox import enqueue_mail

IN_CHUNK = 5_000
MAX_ROUNDS = 3  # insert-or-append rounds; each lost race moves a seeker to the next round


@dataclass
class MailOutcome:
    queued: int = 0  # new outbox rows
    extended: int = 0  # pending rows that got more items
    attached: list[int] = field(default_factory=list)  # inbox item ids now in a digest
    due_now: bool = False  # a mail may be sent at once (not held by the quiet hours)


def digest_key(seeker_id: int, day, n: int) -> str:
    base = f"recommend-digest:{seeker_id}:{day.isoformat()}"
    return base if n == 1 else f"{base}:{n}"


def saved_search_key(condition_id: int, day) -> str:
    return f"saved-search:{condition_id}:{day.isoformat()}"


def queue_recommendation_digests(session: Session, settings: Settings, items: Mapping[int, list[int]],
                                 recipients: Mapping[int, str | None], *, now: datetime) -> MailOutcome:
    """Put ``items`` (seeker id → inbox item ids not yet mailed) into the seekers' digests and mark
    the attached items mailed. Items of a seeker whose daily limit is used up stay unmailed."""
    outcome = MailOutcome()
    limit = settings.recommendation_mails_per_day
    if limit <= 0 or not items:
        return outcome
    send_at = sending_time(now, settings)
    day = local_date(send_at, settings)
    keys = {s: [digest_key(s, day, n) for n in range(1, limit + 1)] for s in items}

    def context(seeker_id: int, ids: Iterable[int]) -> dict:
        return {"seeker_id": seeker_id, "inbox_item_ids": sorted(set(ids))}

    def insert(seeker_id: int, key: str) -> bool:
        return enqueue_mail(session, kind="recommendations", dedupe_key=key, recipient=recipients.get(seeker_id),
                            context=context(seeker_id, items[seeker_id]), seeker_id=seeker_id,
                            not_before=send_at)

    done = _insert_or_append(session, keys, insert, lambda row, s: context(s, [*row.context.get("inbox_item_ids", ()),
                                                                            *items[s]]), outcome)
    attached = [item for s in done for item in items[s]]
    for start in range(0, len(attached), IN_CHUNK):
        table = InboxItem.__table__
        session.connection().execute(update(table).where(table.c.id.in_(attached[start:start + IN_CHUNK]))
                                     .values(mailed_at=now))
    outcome.attached = attached
    outcome.due_now = bool(done) and send_at <= now
    return outcome


def queue_saved_search_mails(session: Session, settings: Settings, offers: Mapping[int, tuple[int, list[int]]],
                             recipients: Mapping[int, str | None], *, now: datetime) -> MailOutcome:
    """``offers``: saved condition id → (seeker id, new job offer ids). One mail a day per search."""
    outcome = MailOutcome()
    if not offers:
        return outcome
    send_at = sending_time(now, settings)
    day = local_date(send_at, settings)
    keys = {c: [saved_search_key(c, day)] for c in offers}

    def context(condition_id: int, ids: Iterable[int]) -> dict:
        seeker_id, _ = offers[condition_id]
        return {"seeker_id": seeker_id, "condition_id": condition_id, "job_offer_ids": sorted(set(ids))}

    def insert(condition_id: int, key: str) -> bool:
        seeker_id, new = offers[condition_id]
        return enqueue_mail(session, kind="saved-search-new-jobs", dedupe_key=key,
                            recipient=recipients.get(seeker_id), context=context(condition_id, new),
                            seeker_id=seeker_id, not_before=send_at)

    done = _insert_or_append(session, keys, insert,
                             lambda row, c: context(c, [*row.context.get("job_offer_ids", ()), *offers[c][1]]),
                             outcome)
    outcome.due_now = bool(done) and send_at <= now
    return outcome


def _insert_or_append(session: Session, keys: Mapping[int, list[str]], insert, merged_context,
                      outcome: MailOutcome) -> set[int]:
    """For each owner (seeker or condition) with its candidate dedupe keys in order: append to
    the pending row among them, else insert the first unused key, else give up (limit reached).
    Returns the owners whose content now sits in a mail."""
    done: set[int] = set()
    remaining = dict(keys)
    for _ in range(MAX_ROUNDS):
        if not remaining:
            break
        existing = _rows(session, [k for ks in remaining.values() for k in ks])
        appends: dict[int, int] = {}  # row id → owner
        lost: dict[int, list[str]] = {}
        for owner in sorted(remaining):
            rows = [existing[k] for k in remaining[owner] if k in existing]
            pending = next((r for r in rows if r.status == MailStatus.PENDING), None)
            if pending is not None:
                appends[pending.id] = owner
                continue
            free = [k for k in remaining[owner] if k not in existing]
            if not free:
                continue  # today's mails are used up: the items wait for tomorrow
            if insert(owner, free[0]):
                outcome.queued += 1
                done.add(owner)
            else:
                lost[owner] = remaining[owner]  # created concurrently: append to it next round
        locked = _lock_pending(session, sorted(appends))
        changes = []
        for row_id, owner in appends.items():
            row = locked.get(row_id)
            if row is None:  # claimed for sending in the meantime: try the next key
                lost[owner] = remaining[owner]
                continue
            changes.append({"row_id": row_id, "new_context": merged_context(row, owner)})
            done.add(owner)
        if changes:
            table = OutboxMail.__table__
            session.connection().execute(
                update(table)
                .where(table.c.id == bindparam("row_id"), table.c.status == MailStatus.PENDING.value)
                .values(context=bindparam("new_context")),
                changes,
            )
            outcome.extended += len(changes)
        remaining = lost
    return done


def _rows(session: Session, keys: list[str]) -> dict[str, OutboxMail]:
    found = {}
    for start in range(0, len(keys), IN_CHUNK):
        stmt = (select(OutboxMail.id, OutboxMail.dedupe_key, OutboxMail.status)
                .where(OutboxMail.dedupe_key.in_(keys[start:start + IN_CHUNK])))
        for row in session.execute(stmt):
            found[row.dedupe_key] = row
    return found


def _lock_pending(session: Session, ids: list[int]):
    """The rows among ``ids`` still pending, locked until the transaction ends (PostgreSQL)."""
    found = {}
    for start in range(0, len(ids), IN_CHUNK):
        stmt = (select(OutboxMail.id, OutboxMail.context)
                .where(OutboxMail.id.in_(ids[start:start + IN_CHUNK]), OutboxMail.status == MailStatus.PENDING.value)
                .order_by(OutboxMail.id))
        if session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(of=OutboxMail)
        for row in session.execute(stmt):
            found[row.id] = row
    return found

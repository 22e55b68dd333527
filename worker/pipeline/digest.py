"""Recommendation digests and saved-search mails in the outbox.

A seeker gets at most ``settings.recommendation_mails_per_day`` おすすめ求人 mails per JST day, never
during the quiet hours. The day's first digest has the dedupe key
``recommend-digest:<seeker>:<YYYY-MM-DD>`` (the day it may be sent); the n-th, when more than one
a day is allowed, ``…:<YYYY-MM-DD>:<n>``. A new digest waits ``settings.digest_delay_s`` before it
may be sent, so the offers of one batch arrive in one mail rather than the first offer alone
using up the day. While a digest is still pending, newer items are appended to it under a row
lock and a conditional update; once it has been claimed for sending, items go to the day's next
digest, or wait for tomorrow's (the leftover job).

A saved search the seeker opted into (``Condition.notify`` and ``Seeker.saved_search_mails``)
gets one ``saved-search-new-jobs`` mail a day, ``saved-search:<condition>:<YYYY-MM-DD>``; its new
offers are appended as rows of ``saved_search_hit`` (no lock, no rewrite) and the mail lists
them when it is sent.

Everything runs inside the caller's transaction; on PostgreSQL the pending rows are locked
(``FOR UPDATE``) in id order, on SQLite the transaction already holds the database's write lock.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
from sqlalchemy import bindparam, select, update
from sqlmodel import Session

from worker.config import Settings
from worker.domain import clock
from worker.domain.models import WAITING_MAIL_STATUSES, MailStatus, OutboxMail, SavedSearchHit
from worker.outbox.enqueue import outbox_row
from worker.pipeline.bulk import among, chunks, copy_if_all_new, enqueue_mails, insert_ignore_columns, is_postgres
from worker.services.quiet_hours import sending_time

MAX_ROUNDS = 3  # insert-or-append rounds; each lost race moves an owner to the next round


@dataclass
class MailOutcome:
    queued: int = 0  # new outbox rows
    extended: int = 0  # pending rows that got more content
    placed: set[int] = field(default_factory=set)  # owners (seekers / conditions) now in a mail
    earliest: datetime | None = None  # when the first of the new mails may be sent
    mails: tuple[date, dict[int, int]] | None = None  # saved searches: their mail day, search id → mail id


def digest_key(seeker_id: int, day, n: int) -> str:
    base = f"recommend-digest:{seeker_id}:{day.isoformat()}"
    return base if n == 1 else f"{base}:{n}"


def saved_search_key(condition_id: int, day) -> str:
    return f"saved-search:{condition_id}:{day.isoformat()}"


def digest_send_time(now: datetime, settings: Settings) -> datetime:
    return sending_time(now + timedelta(seconds=settings.digest_delay_s), settings)


def queue_recommendation_digests(session: Session, settings: Settings, items: Mapping[int, list[int]],
                                 recipients: Mapping[int, str | None], *, now: datetime,
                                 more: Mapping[int, int] | None = None) -> MailOutcome:
    """Put ``items`` (seeker id → new inbox item ids) into the seekers' digests. The seekers left
    out of ``outcome.placed`` have used up today's mails: their items wait for tomorrow.
    ``more``: seeker id → how many more of their matches wait unchosen (the mail says so); a
    digest appended to takes the latest count."""
    more = more or {}
    limit = settings.recommendation_mails_per_day
    if limit <= 0 or not items:
        return MailOutcome()
    send_at = digest_send_time(now, settings)
    day = clock.local_date(send_at)

    def new(seeker_id: int, key: str) -> dict:
        return outbox_row(kind="recommendations", dedupe_key=key, recipient=recipients.get(seeker_id),
                          seeker_id=seeker_id, not_before=send_at,
                          context=_with_more({"seeker_id": seeker_id, "inbox_item_ids": sorted(set(items[seeker_id]))},
                                             more, seeker_id))

    def merged(context: dict, seeker_id: int) -> dict:
        ids = sorted({*context.get("inbox_item_ids", ()), *items[seeker_id]})
        return _with_more({**context, "inbox_item_ids": ids}, more, seeker_id)

    keys = {s: [digest_key(s, day, n) for n in range(1, limit + 1)] for s in items}
    outcome = _insert_or_append(session, keys, new, merged)
    outcome.earliest = send_at if outcome.queued else None
    return outcome


def _with_more(context: dict, more: Mapping[int, int], seeker_id: int) -> dict:
    if seeker_id in more:
        return {**context, "more_count": more[seeker_id]}
    return context


@dataclass
class SavedSearchHits:
    """New offers for saved searches, as columns: one (search, offer, seeker) a row."""

    condition_id: np.ndarray
    job_offer_id: np.ndarray
    seeker_id: np.ndarray


class KnownMails:
    """What one process has learnt of its saved searches' mails of the current mail day: search
    (condition) id → the id of its mail, for mails that exist. A search's hits go to one mail a
    day, and a broad search is hit by most batches of the day: without this memory every batch
    looked each hit search's mail up again by its dedupe key, the largest part of a batch's
    time at national scale. A mail once made is never deleted (erasure cancels and scrubs it,
    ``worker.services.erasure``), so a mail known stays known; only mails whose transaction
    committed are learnt (:meth:`learn`, after the commit), so a rolled-back insert is not
    believed. A new mail day starts empty. Thread-safe: a process's matching threads share it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.day: date | None = None
        self._mail_of = np.zeros(0, dtype=np.int64)  # search id → mail id, 0: not known

    def mail_ids(self, day: date, search_ids: np.ndarray) -> np.ndarray:
        """The known mail id of each search of ``day`` (0 where none is known)."""
        with self._lock:
            found = np.zeros(len(search_ids), dtype=np.int64)
            if day != self.day or not len(search_ids):
                return found
            inside = search_ids < len(self._mail_of)
            found[inside] = self._mail_of.take(search_ids[inside])
            return found

    def learn(self, day: date | None, mail_of: Mapping[int, int]) -> None:
        """Mails of ``day`` that exist, committed: search id → mail id. A later day starts afresh;
        an earlier one is not kept."""
        if day is None or not mail_of:
            return
        with self._lock:
            if self.day is None or day > self.day:
                self.day, self._mail_of = day, np.zeros(0, dtype=np.int64)
            elif day < self.day:
                return
            searches = np.fromiter(mail_of.keys(), dtype=np.int64, count=len(mail_of))
            top = int(searches.max()) + 1
            if top > len(self._mail_of):
                grown = np.zeros(max(top, 2 * len(self._mail_of)), dtype=np.int64)
                grown[:len(self._mail_of)] = self._mail_of
                self._mail_of = grown
            self._mail_of[searches] = np.fromiter(mail_of.values(), dtype=np.int64, count=len(mail_of))


def queue_saved_search_mails(session: Session, settings: Settings, hits: SavedSearchHits,
                             recipients: Mapping[int, str | None], *, now: datetime,
                             all_new: bool = False, known: KnownMails | None = None) -> MailOutcome:
    """Append ``hits`` to ``saved_search_hit`` for the day their mail may be sent, and give each
    search with a new hit its one mail of that day if it has none yet. The mail carries no list:
    it reads the day's hits when it is sent, so a batch never rewrites a mail nor waits for
    another batch appending to it (it only share-locks the waiting mail, so that the mail is not
    claimed before the batch's hits are committed: ``_hold_waiting``). ``all_new``: the offers
    were just claimed, so no hit can exist yet (one COPY). A hit for a day whose mail was
    already claimed for sending is kept but not mailed: one mail a day per search, as before.
    ``known``: the process's memory of the day's mails; the searches whose mail it knows are
    not looked up by key again, and ``outcome.mails`` holds what to teach it after the commit."""
    if not len(hits.condition_id):
        return MailOutcome()
    send_at = digest_send_time(now, settings)
    day = clock.local_date(send_at)
    # In key order, as the candidates: two transactions writing overlapping hits (a staff batch
    # beside the actor) wait for each other on the key in the same order, never deadlock.
    order = np.lexsort((hits.job_offer_id, hits.condition_id))
    columns = {"condition_id": ("int4", hits.condition_id[order]), "job_offer_id": ("int4", hits.job_offer_id[order]),
               "seeker_id": ("int4", hits.seeker_id[order]), "day": ("date", day), "created_at": ("timestamptz", now)}
    if all_new and copy_if_all_new(session, SavedSearchHit, columns):
        hit_searches = np.unique(hits.condition_id)
    else:
        hit_searches = np.unique(np.fromiter((row.condition_id for row in insert_ignore_columns(
            session, SavedSearchHit, columns, conflict=["condition_id", "job_offer_id"], returning=["condition_id"])),
            dtype=np.int64))
    mail_ids = known.mail_ids(day, hit_searches) if known is not None else np.zeros(len(hit_searches), np.int64)
    known_here = mail_ids > 0
    remembered = mail_ids[known_here].tolist()
    seeker_of = dict(zip(hits.condition_id.tolist(), hits.seeker_id.tolist()))
    keys = {saved_search_key(c, day): c for c in hit_searches[~known_here].tolist()}
    existing = _rows(session, list(keys))

    def new(key: str) -> dict:
        condition_id = keys[key]
        seeker_id = seeker_of[condition_id]
        return outbox_row(kind="saved-search-new-jobs", dedupe_key=key, recipient=recipients.get(seeker_id),
                          seeker_id=seeker_id, not_before=send_at,
                          context={"seeker_id": seeker_id, "condition_id": condition_id, "day": day.isoformat()})

    # In key order, as ``_insert_or_append``: concurrent inserts of one key wait, never deadlock.
    inserted = enqueue_mails(session, (new(key) for key in sorted(keys) if key not in existing))
    # A key another batch inserted meanwhile (ours waited for it, then did nothing): its mail is
    # the one these hits are for, and waits for them as the others do.
    raced = [key for key in keys if key not in existing and key not in inserted]
    if raced:
        existing.update(_rows(session, raced))
    # The remembered mails' status is not read: the lock takes those still waiting.
    _hold_waiting(session, sorted(remembered + [row.id for row in existing.values()
                                                if row.status in WAITING_MAIL_STATUSES]))
    mails = dict(zip(hit_searches[known_here].tolist(), remembered))
    mails.update((keys[key], row.id) for key, row in existing.items())
    mails.update((keys[key], mail_id) for key, mail_id in inserted.items())
    return MailOutcome(queued=len(inserted), placed=set(mails), earliest=send_at if inserted else None,
                       mails=(day, mails))


def _hold_waiting(session: Session, ids: list[int]) -> None:
    """PostgreSQL: share-lock the day's mails still waiting that this transaction's hits are for,
    until it ends. A mail is composed from the hits committed when it is claimed: the claim's
    UPDATE waits for these locks, so it cannot take the mail while hits written for it are still
    uncommitted (and lose them, the day's mail being sent). Shared, in id order: batches do not
    wait for each other. Mails no longer waiting are left unlocked. SQLite: the transaction
    already holds the database's write lock."""
    if not is_postgres(session):
        return
    for part in chunks(session, ids):
        session.connection().execute(select(OutboxMail.id).where(among(session, OutboxMail.id, part),
                                                                 OutboxMail.status.in_(WAITING_MAIL_STATUSES))
                                     .order_by(OutboxMail.id).with_for_update(read=True, of=OutboxMail))


def _insert_or_append(session: Session, keys: Mapping[int, list[str]], new: Callable[[int, str], dict],
                      merged: Callable[[dict, int], dict]) -> MailOutcome:
    """For each owner with its candidate dedupe keys in order: append to the pending row among
    them, else insert the first unused key, else leave it (the day's mails are used up).
    Inserts go first, in key order, then the row locks in id order: the same order in every
    transaction, so concurrent workers wait for each other instead of deadlocking."""
    outcome = MailOutcome()
    remaining = dict(keys)
    for _ in range(MAX_ROUNDS):
        if not remaining:
            break
        existing = _rows(session, [k for ks in remaining.values() for k in ks])
        appends: dict[int, int] = {}  # row id → owner
        inserts: dict[str, int] = {}  # dedupe key → owner
        for owner in sorted(remaining):
            rows = [existing[k] for k in remaining[owner] if k in existing]
            pending = next((r for r in rows if r.status == MailStatus.PENDING), None)
            if pending is not None:
                appends[pending.id] = owner
                continue
            free = [k for k in remaining[owner] if k not in existing]
            if free:
                inserts[free[0]] = owner
        inserted = enqueue_mails(session, (new(owner, key) for key, owner in sorted(inserts.items())))
        outcome.queued += len(inserted)
        outcome.placed.update(inserts[key] for key in inserted)
        lost = {owner: remaining[owner] for key, owner in inserts.items() if key not in inserted}
        locked = _lock_pending(session, sorted(appends))
        changes = []
        for row_id, owner in appends.items():
            row = locked.get(row_id)
            if row is None:  # claimed for sending in the meantime: try the next key
                lost[owner] = remaining[owner]
                continue
            changes.append({"row_id": row_id, "new_context": merged(row.context, owner)})
            outcome.placed.add(owner)
        if changes:
            set_contexts(session, changes)
            outcome.extended += len(changes)
        remaining = lost
    return outcome


def set_contexts(session: Session, changes: list[dict]) -> None:
    """The conditional update of the appended contexts (rows still pending, which the caller
    holds locked): one statement with two arrays on PostgreSQL, executemany on SQLite."""
    table = OutboxMail.__table__
    if is_postgres(session):
        cursor = session.connection().connection.driver_connection.cursor()
        cursor.execute(
            "UPDATE outbox_mail SET context = v.context::json "
            "FROM unnest(%s::bigint[], %s::text[]) AS v(id, context) "
            "WHERE outbox_mail.id = v.id AND outbox_mail.status = %s",
            ([c["row_id"] for c in changes], [json.dumps(c["new_context"], ensure_ascii=False) for c in changes],
             MailStatus.PENDING.value))
        return
    session.connection().execute(
        update(table)
        .where(table.c.id == bindparam("row_id"), table.c.status == MailStatus.PENDING.value)
        .values(context=bindparam("new_context")),
        changes,
    )


def _rows(session: Session, keys: list[str]) -> dict[str, object]:
    found = {}
    for part in chunks(session, keys):
        stmt = (select(OutboxMail.id, OutboxMail.dedupe_key, OutboxMail.status)
                .where(among(session, OutboxMail.dedupe_key, part)))
        for row in session.connection().execute(stmt):
            found[row.dedupe_key] = row
    return found


def _lock_pending(session: Session, ids: list[int]) -> dict[int, object]:
    """The rows among ``ids`` still pending, locked until the transaction ends (PostgreSQL)."""
    found = {}
    for part in chunks(session, ids):
        stmt = (select(OutboxMail.id, OutboxMail.context)
                .where(among(session, OutboxMail.id, part), OutboxMail.status == MailStatus.PENDING.value)
                .order_by(OutboxMail.id))
        if is_postgres(session):
            stmt = stmt.with_for_update(of=OutboxMail)
        for row in session.connection().execute(stmt):
            found[row.id] = row
    return found


def unplaced(items: Mapping[int, Iterable[int]], outcome: MailOutcome) -> list[int]:
    """Item ids of the owners the outcome could not place in a mail."""
    return [item for owner, ids in items.items() if owner not in outcome.placed for item in ids]

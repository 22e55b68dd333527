"""A job offer → おすすめ求人 inbox items and mails, in one transaction.

For a batch of offers: match them against the condition index (no locks held), claim the offers
with a conditional update (``pending → matched``; an offer another worker already claimed is
dropped), check in the database that each matched seeker may still receive recommendations
(registration 有効, My Page open or restricted) and that the condition still exists — on
PostgreSQL those seeker rows are share-locked, so a seeker turning 無効 concurrently waits for
this transaction or is seen as 無効 — then insert one inbox item per (seeker, offer) with the
best-scoring match (``recommendation:<seeker>:<offer id>``, insert-or-ignore), and queue the
digest and saved-search mails (``worker.pipeline.digest``). The inbox items, the mails and the
offer's status commit together: a crash before the commit leaves the offer pending for the
sweeper, a second run after it finds the offer matched and the keys taken.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

import matchers
from worker import metrics
from worker.config import Settings
from worker.db import session_scope
from worker.domain.models import (
    Condition,
    ConditionKind,
    InboxItem,
    InboxKind,
    JobOffer,
    MatchingStatus,
    Seeker,
    utcnow,
)
from worker.pipeline import digest
from worker.pipeline.bulk import among, chunks, insert_ignore_returning, is_postgres
from worker.pipeline.values import offer_value
from worker.services.eligibility import recommendable_clause

OFFERS_PER_MESSAGE = 50  # offers matched in one message and one transaction

Matcher = Callable[[Sequence[matchers.JobOffer]], list[list[matchers.Match]]]


@dataclass
class RecommendReport:
    offers: int = 0  # offers matched
    matches: int = 0  # matches with a live seeker and condition
    seekers: set[int] = field(default_factory=set)  # seekers with new inbox items
    inbox_items: int = 0  # inbox items created
    mails_queued: int = 0  # new recommendations mails
    digests_extended: int = 0  # pending digests that got more items
    saved_search_mails: int = 0  # new saved-search-new-jobs mails
    mails_due_now: bool = False  # some mail may be delivered at once
    samples: list[dict] = field(default_factory=list)

    def add(self, other: "RecommendReport", *, samples: int = 0) -> None:
        self.offers += other.offers
        self.matches += other.matches
        self.seekers |= other.seekers
        self.inbox_items += other.inbox_items
        self.mails_queued += other.mails_queued
        self.digests_extended += other.digests_extended
        self.saved_search_mails += other.saved_search_mails
        self.mails_due_now = self.mails_due_now or other.mails_due_now
        self.samples.extend(other.samples[: max(0, samples - len(self.samples))])


@dataclass
class _Live:
    recipients: dict[int, str | None]  # seeker id → e-mail, for seekers who may receive recommendations
    saved_search_mails: set[int]  # seekers who opted in to saved-search mails
    conditions: dict[int, tuple[str, bool]]  # condition id → (kind, notify)


def match_pending_offers(engine: Engine, settings: Settings, match: Matcher, offer_ids: Sequence[int], *,
                         now: datetime | None = None) -> RecommendReport:
    """The matching actor's work: the offers among ``offer_ids`` still pending, in one transaction.
    Safe to run twice: a matched offer is skipped."""
    with session_scope(engine) as session:
        offers = session.execute(
            select(JobOffer).where(JobOffer.id.in_(list(offer_ids)),
                                   JobOffer.matching_status == MatchingStatus.PENDING.value).order_by(JobOffer.id)
        ).scalars().all() if offer_ids else []
        if not offers:
            return RecommendReport()
        report = recommend_offers(session, settings, offers, match, now=now or utcnow())
    count(report)
    return report


def count(report: RecommendReport) -> None:
    """Record a committed report in the Prometheus counters."""
    metrics.count("offers_matched", report.offers)
    metrics.count("inbox_items", report.inbox_items, kind=InboxKind.RECOMMENDATION.value)
    metrics.count("mails_queued", report.mails_queued, kind="recommendations")
    metrics.count("mails_queued", report.saved_search_mails, kind="saved-search-new-jobs")


def offer_ids_for(engine: Engine, job_numbers: Sequence[str]) -> list[int]:
    with engine.connect() as conn:
        return list(conn.execute(select(JobOffer.id).where(JobOffer.job_number.in_(list(job_numbers)))).scalars())


def recommend_offers(session: Session, settings: Settings, offers: Sequence[JobOffer], match: Matcher, *,
                     now: datetime, claim: bool = True, dry_run: bool = False, samples: int = 0) -> RecommendReport:
    """Recommend ``offers`` inside the caller's transaction.

    ``claim``: only offers still pending are processed (the actors); without it, every given
    offer is (staff batches over offers already matched — the dedupe keys keep it exactly-once).
    ``dry_run``: everything a real run does, but no offer is marked matched and no seeker row is
    locked; the caller rolls the transaction back (``worker.pipeline.batch``), so the report is
    exactly what a real run would create."""
    report = RecommendReport()
    results = match([offer_value(o) for o in offers])
    by_number = {o.job_number: o for o in offers}
    if not dry_run:
        claimed = _mark_matched(session, [o.id for o in offers], now)
        if claim:
            by_number = {n: o for n, o in by_number.items() if o.id in claimed}
    report.offers = len(by_number)
    pairs = [(by_number[m.job_number], m) for found in results for m in found if m.job_number in by_number]
    if not pairs:
        return report

    live = _live(session, {m.seeker_id for _, m in pairs}, {m.condition_id for _, m in pairs}, lock=not dry_run)
    pairs = [(o, m) for o, m in pairs if m.seeker_id in live.recipients and m.condition_id in live.conditions]
    report.matches = len(pairs)
    best: dict[tuple[int, int], tuple[JobOffer, matchers.Match]] = {}
    for offer, m in pairs:
        key = (m.seeker_id, offer.id)
        if key not in best or _rank(m, live) > _rank(best[key][1], live):
            best[key] = (offer, m)
    rows = [_inbox_row(offer, m, now) for (_, _), (offer, m) in sorted(best.items())]
    report.samples = [{"job_number": o.job_number, "seeker_id": m.seeker_id, "score": m.score,
                       "reasons": list(m.reasons)} for o, m in list(best.values())[:samples]]

    # Items go in already marked as mailed: nearly all join a digest below; the few whose seeker
    # has used up today's mails are unmarked again, so most rows are written once.
    inserted = insert_ignore_returning(session, InboxItem, rows, conflict=["dedupe_key"],
                                       returning=["id", "seeker_id", "job_offer_id"])
    report.inbox_items = len(inserted)
    items: dict[int, list[int]] = {}
    new_pairs: set[tuple[int, int]] = set()
    for item in inserted:
        items.setdefault(item.seeker_id, []).append(item.id)
        new_pairs.add((item.seeker_id, item.job_offer_id))
    report.seekers = set(items)

    digests = digest.queue_recommendation_digests(session, settings, items, live.recipients, now=now)
    _unmark_mailed(session, digest.unplaced(items, digests))
    saved: dict[int, tuple[int, list[int]]] = {}
    for offer, m in pairs:
        kind, notify = live.conditions[m.condition_id]
        if (kind == ConditionKind.SAVED and notify and m.seeker_id in live.saved_search_mails
                and (m.seeker_id, offer.id) in new_pairs):
            saved.setdefault(m.condition_id, (m.seeker_id, []))[1].append(offer.id)
    searches = digest.queue_saved_search_mails(session, settings, saved, live.recipients, now=now)
    report.mails_queued = digests.queued
    report.digests_extended = digests.extended
    report.saved_search_mails = searches.queued
    report.mails_due_now = any(t is not None and t <= now for t in (digests.earliest, searches.earliest))
    return report


def _rank(m: matchers.Match, live: _Live) -> tuple[int, bool, int]:
    """Higher is better: score, then the registered 求職条件 over a saved search, then the older condition."""
    return (m.score, live.conditions[m.condition_id][0] == ConditionKind.REGISTERED, -m.condition_id)


def _inbox_row(offer: JobOffer, m: matchers.Match, now: datetime) -> dict:
    return {
        "seeker_id": m.seeker_id,
        "kind": InboxKind.RECOMMENDATION.value,
        "dedupe_key": f"recommendation:{m.seeker_id}:{offer.id}",
        "job_offer_id": offer.id,
        "condition_id": m.condition_id,
        "title": offer.title[:200],
        "body": offer.employer_name or "",
        "score": m.score,
        "reasons": list(m.reasons),
        "mailed_at": now,
        "created_at": now,
    }


def _mark_matched(session: Session, offer_ids: list[int], now: datetime) -> set[int]:
    """Conditional update pending → matched; returns the ids this transaction changed."""
    table = JobOffer.__table__
    stmt = (update(table).where(among(session, table.c.id, offer_ids),
                                table.c.matching_status == MatchingStatus.PENDING.value)
            .values(matching_status=MatchingStatus.MATCHED.value, matched_at=now).returning(table.c.id))
    return set(session.connection().execute(stmt).scalars())


def _live(session: Session, seeker_ids: set[int], condition_ids: set[int], *, lock: bool) -> _Live:
    live = _Live({}, set(), {})
    conn = session.connection()
    for part in chunks(session, sorted(seeker_ids)):
        stmt = (select(Seeker.id, Seeker.email, Seeker.saved_search_mails)
                .where(recommendable_clause(), among(session, Seeker.id, part)).order_by(Seeker.id))
        if lock and is_postgres(session):
            stmt = stmt.with_for_update(read=True, of=Seeker)
        for seeker_id, email, saved_search_mails in conn.execute(stmt):
            live.recipients[seeker_id] = email
            if saved_search_mails:
                live.saved_search_mails.add(seeker_id)
    for part in chunks(session, sorted(condition_ids)):
        stmt = select(Condition.id, Condition.kind, Condition.notify).where(among(session, Condition.id, part))
        for condition_id, kind, notify in conn.execute(stmt):
            live.conditions[condition_id] = (kind, bool(notify))
    return live


def _unmark_mailed(session: Session, item_ids: list[int]) -> None:
    table = InboxItem.__table__
    for part in chunks(session, item_ids):
        session.connection().execute(update(table).where(among(session, table.c.id, part)).values(mailed_at=None))


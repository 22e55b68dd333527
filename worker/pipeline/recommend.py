"""A job offer → recommendation candidates (and saved-search mails), in one transaction.

For a batch of offers: match them against the condition index (no locks held), claim the offers
with a conditional update (``pending → matched``; an offer another worker already claimed is
dropped), check in the database that each matched seeker may still receive recommendations
(registration 有効, My Page open or restricted) and that the condition still exists — without
locking them: a candidate is no recommendation yet, and the round that chooses it checks the
seeker again under a lock — then write one candidate per (seeker, offer): the best of
the seeker's matching conditions by ``matchers.ranking.rank_score`` (ids and the score, no text;
COPY on PostgreSQL, insert-or-ignore on the primary key), and queue the saved-search mails.
Which candidates become おすすめ求人 in the inbox, and the digest mail, is the rounds' choice
(``worker.pipeline.rounds``). The candidates, the mails and the offer's status commit together:
a crash before the commit leaves the offer pending for the sweeper, a second run after it finds
the offer matched and the keys taken.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

import matchers
from matchers import ranking
from worker import metrics
from worker.config import Settings
from worker.db import session_scope
from worker.domain.models import (
    Condition,
    ConditionKind,
    InboxKind,
    JobOffer,
    MatchingStatus,
    RecommendationCandidate,
    Seeker,
    utcnow,
)
from worker.pipeline import digest
from worker.pipeline.bulk import among, chunks, insert_ignore_tuples
from worker.pipeline.values import offer_value
from worker.services.eligibility import recommendable_clause
from worker.services.quiet_hours import local_date

OFFERS_PER_MESSAGE = 50  # offers matched in one message and one transaction

Matcher = Callable[[Sequence[matchers.JobOffer]], list[list[matchers.Match]]]


@dataclass
class RecommendReport:
    offers: int = 0  # offers matched
    matches: int = 0  # matches with a live seeker and condition
    candidates: int = 0  # new candidates (one per seeker and offer)
    seekers: set[int] = field(default_factory=set)  # seekers with candidates (a round's: with new inbox items)
    inbox_items: int = 0  # inbox items created
    mails_queued: int = 0  # new recommendations mails
    digests_extended: int = 0  # pending digests that got more items
    saved_search_mails: int = 0  # new saved-search-new-jobs mails
    mails_due_now: bool = False  # some mail may be delivered at once
    samples: list[dict] = field(default_factory=list)

    def add(self, other: "RecommendReport", *, samples: int = 0) -> None:
        self.offers += other.offers
        self.matches += other.matches
        self.candidates += other.candidates
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
    conditions: dict[int, "_LiveCondition"]  # condition id → what ranking and mail need of it


@dataclass(frozen=True)
class _LiveCondition:
    kind: str
    notify: bool
    wage_min: int | None
    wage_type: str | None


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
                     now: datetime, claim: bool = True, samples: int = 0) -> RecommendReport:
    """Collect the candidates of ``offers`` inside the caller's transaction.

    ``claim``: only offers still pending are processed (the actors); without it, every given
    offer is (staff batches over offers already matched — the candidates' key keeps it
    exactly-once). A dry run is this in a transaction that is rolled back
    (``worker.pipeline.batch``)."""
    report = RecommendReport()
    results = match([offer_value(o) for o in offers])
    by_number = {o.job_number: o for o in offers}
    claimed = _mark_matched(session, [o.id for o in offers], now)
    if claim:
        by_number = {n: o for n, o in by_number.items() if o.id in claimed}
    report.offers = len(by_number)
    pairs = [(by_number[m.job_number], m) for found in results for m in found if m.job_number in by_number]
    if not pairs:
        return report

    live = _live(session, {m.seeker_id for _, m in pairs}, {m.condition_id for _, m in pairs})
    pairs = [(o, m) for o, m in pairs if m.seeker_id in live.recipients and m.condition_id in live.conditions]
    report.matches = len(pairs)
    today = local_date(now, settings)
    values = {o.id: offer_value(o) for o in offers}
    best: dict[tuple[int, int], tuple[tuple, JobOffer, matchers.Match, int]] = {}
    for offer, m in pairs:
        key = (m.seeker_id, offer.id)
        condition = live.conditions[m.condition_id]
        rank = ranking.rank_score(m.score, values[offer.id], wage_min=condition.wage_min,
                                  wage_type=condition.wage_type, today=today)
        order = (rank, condition.kind == ConditionKind.REGISTERED, -m.condition_id)
        if key not in best or order > best[key][0]:
            best[key] = (order, offer, m, rank)
    rows = [(seeker_id, offer_id, m.condition_id, rank, now)
            for (seeker_id, offer_id), (_, _, m, rank) in sorted(best.items())]
    report.samples = [{"job_number": o.job_number, "seeker_id": m.seeker_id, "score": rank,
                       "reasons": list(m.reasons)} for _, o, m, rank in list(best.values())[:samples]]

    # Saved searches the seeker asked mail for still hear of each new offer at once: that mail
    # is the search's own, not a recommendation, and has no daily budget but one mail a day.
    # Only then are the inserted pairs read back; otherwise a count is all that is needed.
    notifying = [(offer, m) for offer, m in pairs if m.seeker_id in live.saved_search_mails
                 and live.conditions[m.condition_id].kind == ConditionKind.SAVED
                 and live.conditions[m.condition_id].notify]
    columns = ["seeker_id", "job_offer_id", "condition_id", "score", "created_at"]
    types = ["int4", "int4", "int4", "int4", "timestamptz"]
    conflict = ["seeker_id", "job_offer_id"]
    saved: dict[int, tuple[int, list[int]]] = {}
    if notifying:
        inserted = insert_ignore_tuples(session, RecommendationCandidate, columns, types, rows, conflict=conflict,
                                        returning=["seeker_id", "job_offer_id"])
        new_pairs = {(row.seeker_id, row.job_offer_id) for row in inserted}
        report.candidates = len(new_pairs)
        for offer, m in notifying:
            if (m.seeker_id, offer.id) in new_pairs:
                saved.setdefault(m.condition_id, (m.seeker_id, []))[1].append(offer.id)
    else:
        report.candidates = insert_ignore_tuples(session, RecommendationCandidate, columns, types, rows,
                                                 conflict=conflict)
    report.seekers = {r[0] for r in rows}
    searches = digest.queue_saved_search_mails(session, settings, saved, live.recipients, now=now)
    report.saved_search_mails = searches.queued
    report.mails_due_now = searches.earliest is not None and searches.earliest <= now
    return report


def _mark_matched(session: Session, offer_ids: list[int], now: datetime) -> set[int]:
    """Conditional update pending → matched; returns the ids this transaction changed."""
    table = JobOffer.__table__
    stmt = (update(table).where(among(session, table.c.id, offer_ids),
                                table.c.matching_status == MatchingStatus.PENDING.value)
            .values(matching_status=MatchingStatus.MATCHED.value, matched_at=now).returning(table.c.id))
    return set(session.connection().execute(stmt).scalars())


def _live(session: Session, seeker_ids: set[int], condition_ids: set[int]) -> _Live:
    live = _Live({}, set(), {})
    conn = session.connection()
    for part in chunks(session, sorted(seeker_ids)):
        stmt = (select(Seeker.id, Seeker.email, Seeker.saved_search_mails)
                .where(recommendable_clause(), among(session, Seeker.id, part)).order_by(Seeker.id))
        for seeker_id, email, saved_search_mails in conn.execute(stmt):
            live.recipients[seeker_id] = email
            if saved_search_mails:
                live.saved_search_mails.add(seeker_id)
    for part in chunks(session, sorted(condition_ids)):
        stmt = (select(Condition.id, Condition.kind, Condition.notify, Condition.wage_min, Condition.wage_type)
                .where(among(session, Condition.id, part)))
        for condition_id, kind, notify, wage_min, wage_type in conn.execute(stmt):
            live.conditions[condition_id] = _LiveCondition(kind, bool(notify), wage_min, wage_type)
    return live

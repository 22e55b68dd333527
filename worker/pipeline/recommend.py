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

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import repeat
from typing import Protocol

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

import matchers
from matchers import ranking
from worker import metrics
from worker.config import Settings
from worker.db import session_scope
from worker.domain import clock
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
from worker.pipeline import digest, shards
from worker.pipeline.bulk import among, chunks, insert_ignore_tuples
from worker.pipeline.values import offer_value
from worker.services.eligibility import recommendable_clause

OFFERS_PER_MESSAGE = 50  # offers matched in one message and one transaction



class ColumnMatcher(Protocol):
    """What the pipeline matches with (an ``IndexCache``): columns for the candidates, and
    ``Match`` objects with reasons only for the few offers shown as samples."""

    def match_columns(self, offers: Sequence[matchers.JobOffer]) -> matchers.Columns: ...

    def match_many(self, offers: Sequence[matchers.JobOffer]) -> list[list[matchers.Match]]: ...


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


def match_pending_offers(engine: Engine, settings: Settings, match: ColumnMatcher, offer_ids: Sequence[int], *,
                         now: datetime | None = None, shard: shards.Shard | None = None) -> RecommendReport:
    """The matching actor's work: the offers among ``offer_ids`` still pending, in one transaction.
    Safe to run twice: a matched offer is skipped (with ``shard``: an offer this shard claimed)."""
    with session_scope(engine) as session:
        offers = session.execute(
            select(JobOffer).where(JobOffer.id.in_(list(offer_ids)),
                                   JobOffer.matching_status == MatchingStatus.PENDING.value).order_by(JobOffer.id)
        ).scalars().all() if offer_ids else []
        if not offers:
            return RecommendReport()
        now = now or utcnow()
        report = recommend_offers(session, settings, offers, match, now=now, shard=shard)
        if shard is not None:
            shards.complete(session, [o.id for o in offers], shard.count, now)
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


def recommend_offers(session: Session, settings: Settings, offers: Sequence[JobOffer], match: ColumnMatcher, *,
                     now: datetime, claim: bool = True, samples: int = 0,
                     shard: shards.Shard | None = None) -> RecommendReport:
    """Collect the candidates of ``offers`` inside the caller's transaction.

    ``claim``: only offers still pending are processed (the actors); without it, every given
    offer is (staff batches over offers already matched — the candidates' key keeps it
    exactly-once). A dry run is this in a transaction that is rolled back
    (``worker.pipeline.batch``). ``shard``: ``match`` holds that shard's conditions only, and
    the claim is the shard's own (``worker.pipeline.shards``), not the offer's status."""
    report = RecommendReport()
    values = [offer_value(o) for o in offers]
    found = match.match_columns(values)
    claimed = (_mark_matched(session, [o.id for o in offers], now) if shard is None
               else shards.claim(session, [o.id for o in offers], shard, now))
    taken = np.array([not claim or o.id in claimed for o in offers], dtype=bool)
    report.offers = int(taken.sum())
    keep = taken.take(found.offer)
    if not keep.any():
        return report
    positions, condition_ids = found.offer[keep], found.condition_id[keep]
    seeker_ids, scores = found.seeker_id[keep], found.score[keep]

    live = _live(session, set(np.unique(seeker_ids).tolist()), set(np.unique(condition_ids).tolist()))
    known = _LiveColumns(live)
    alive = np.isin(seeker_ids, known.recipients) & np.isin(condition_ids, known.condition_ids)
    positions, condition_ids, seeker_ids, scores = (
        positions[alive], condition_ids[alive], seeker_ids[alive], scores[alive])
    report.matches = len(positions)
    if not report.matches:
        return report
    at = np.searchsorted(known.condition_ids, condition_ids)  # each match's condition in ``known``
    ranks = _ranks(values, positions, scores, known.wage_floor.take(at), clock.local_date(now))
    offer_ids = np.array([o.id for o in offers], dtype=np.int64).take(positions)
    # The best of a seeker's matching conditions for an offer: the highest rank, then a
    # registered condition over a saved search, then the lowest condition id.
    order = np.lexsort((condition_ids, ~known.registered.take(at), -ranks, offer_ids, seeker_ids))
    first = np.ones(len(order), dtype=bool)
    first[1:] = (np.diff(seeker_ids.take(order)) != 0) | (np.diff(offer_ids.take(order)) != 0)
    best = order[first]  # sorted by seeker, then offer
    rows = list(zip(seeker_ids.take(best).tolist(), offer_ids.take(best).tolist(),
                    condition_ids.take(best).tolist(), ranks.take(best).tolist(), repeat(now)))
    if samples:
        report.samples = _samples(match, values, best[np.lexsort((condition_ids.take(best), positions.take(best)))]
                                  [:samples], positions, condition_ids, ranks)

    # Saved searches the seeker asked mail for still hear of each new offer at once: that mail
    # is the search's own, not a recommendation, and has no daily budget but one mail a day.
    # Only then are the inserted pairs read back; otherwise a count is all that is needed.
    notifying = np.flatnonzero(known.notify.take(at) & np.isin(seeker_ids, known.saved_search_mails))
    notifying = list(zip(seeker_ids.take(notifying).tolist(), offer_ids.take(notifying).tolist(),
                         condition_ids.take(notifying).tolist()))
    columns = ["seeker_id", "job_offer_id", "condition_id", "score", "created_at"]
    types = ["int4", "int4", "int4", "int4", "timestamptz"]
    conflict = ["seeker_id", "job_offer_id"]
    saved: dict[int, tuple[int, list[int]]] = {}
    if notifying:
        inserted = insert_ignore_tuples(session, RecommendationCandidate, columns, types, rows, conflict=conflict,
                                        returning=["seeker_id", "job_offer_id"])
        new_pairs = {(row.seeker_id, row.job_offer_id) for row in inserted}
        report.candidates = len(new_pairs)
        for seeker_id, offer_id, condition_id in notifying:
            if (seeker_id, offer_id) in new_pairs:
                saved.setdefault(condition_id, (seeker_id, []))[1].append(offer_id)
    else:
        report.candidates = insert_ignore_tuples(session, RecommendationCandidate, columns, types, rows,
                                                 conflict=conflict)
    report.seekers = {r[0] for r in rows}
    searches = digest.queue_saved_search_mails(session, settings, saved, live.recipients, now=now)
    report.saved_search_mails = searches.queued
    report.mails_due_now = searches.earliest is not None and searches.earliest <= now
    return report


class _LiveColumns:
    """``_Live`` as sorted numpy columns, so each match's condition is found by a binary search."""

    def __init__(self, live: _Live) -> None:
        self.recipients = np.fromiter(live.recipients, dtype=np.int64, count=len(live.recipients))
        self.saved_search_mails = np.fromiter(live.saved_search_mails, dtype=np.int64,
                                              count=len(live.saved_search_mails))
        ids = sorted(live.conditions)
        conditions = [live.conditions[i] for i in ids]
        self.condition_ids = np.array(ids, dtype=np.int64)
        self.registered = np.array([c.kind == ConditionKind.REGISTERED for c in conditions], dtype=bool)
        self.notify = np.array([c.kind == ConditionKind.SAVED and c.notify for c in conditions], dtype=bool)
        # The minimum wage as a monthly amount, 0 when none is asked (no wage margin then).
        self.wage_floor = np.array([_monthly_floor(c) for c in conditions], dtype=np.int64)


def _monthly_floor(condition: _LiveCondition) -> int:
    if condition.wage_min is None or condition.wage_min <= 0:
        return 0
    return ranking.monthly_amount(condition.wage_min, condition.wage_type)


def _ranks(values: list[matchers.JobOffer], positions: np.ndarray, scores: np.ndarray, floors: np.ndarray,
           today) -> np.ndarray:
    """``ranking.rank_score`` of every match at once: the offer's parts (upper wage, freshness)
    are computed once per offer, the wage margin with numpy per match."""
    uppers = np.array([ranking.monthly_upper_wage(v) or -1 for v in values], dtype=np.int64).take(positions)
    fresh = np.array([ranking.freshness_points(v.received_on, today) for v in values], dtype=np.int64)
    margin = np.zeros(len(positions), dtype=np.int64)
    asked = (floors > 0) & (uppers >= 0)  # ``wage_margin_points`` is 0 without a floor or an offer wage
    percent = (uppers[asked] - floors[asked]) * 100 // floors[asked]  # floor division, as in Python
    margin[asked] = np.clip(percent // ranking.WAGE_MARGIN_PERCENT_PER_POINT, 0, ranking.WAGE_MARGIN_CAP)
    return ranking.MATCH_WEIGHT * scores.astype(np.int64) + margin + fresh.take(positions)


def _samples(match: "ColumnMatcher", values: list[matchers.JobOffer], chosen: np.ndarray, positions: np.ndarray,
             condition_ids: np.ndarray, ranks: np.ndarray) -> list[dict]:
    """A few candidates with their reasons: only these offers are matched again with ``Match``
    objects (the reasons are made for what is shown, never for every candidate)."""
    wanted = sorted(set(positions.take(chosen).tolist()))
    explained = dict(zip(wanted, match.match_many([values[p] for p in wanted])))
    samples = []
    for i in chosen.tolist():
        position, condition_id = int(positions[i]), int(condition_ids[i])
        m = next(m for m in explained[position] if m.condition_id == condition_id)
        samples.append({"job_number": m.job_number, "seeker_id": m.seeker_id, "score": int(ranks[i]),
                        "reasons": list(m.reasons)})
    return samples


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

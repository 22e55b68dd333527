"""A job offer → recommendation candidates (and saved-search mails), in one transaction.

For a batch of offers: match them against the condition index (no locks held), claim the offers
with a conditional update (``pending → matched``; an offer another worker already claimed is
dropped), rank every match with the facts of its condition that the index's process keeps
(``worker.pipeline.condition_facts``) — nothing is read from the database per match: a
candidate is no recommendation yet, and the round that chooses it checks the seeker under a
lock and re-reads the condition — then write one candidate per (seeker, offer): the best of
the seeker's matching conditions by ``matchers.ranking.rank_score`` (ids and the score, no text;
a binary COPY written by numpy on PostgreSQL, insert-or-ignore on the primary key), and queue
the saved-search mails (their few seekers and searches checked in the database first).
Which candidates become おすすめ求人 in the inbox, and the digest mail, is the rounds' choice
(``worker.pipeline.rounds``). The candidates, the mails and the offer's status commit together:
a crash before the commit leaves the offer pending for the sweeper, a second run after it finds
the offer matched and the keys taken.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
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
from worker.pipeline.bulk import among, chunks, copy_if_all_new, insert_ignore_columns
from worker.pipeline.condition_facts import Facts
from worker.pipeline.shortlist import Offer, Shortlist
from worker.pipeline.values import offer_value
from worker.services.eligibility import recommendable_clause

OFFERS_PER_MESSAGE = 50  # offers matched in one message and one transaction



class ColumnMatcher(Protocol):
    """What the pipeline matches with (an ``IndexCache``): columns for the candidates, and
    ``Match`` objects with reasons only for the few offers shown as samples."""

    def match_columns(self, offers: Sequence[matchers.JobOffer]) -> matchers.Columns: ...

    def match_many(self, offers: Sequence[matchers.JobOffer]) -> list[list[matchers.Match]]: ...

    def condition_facts(self, condition_ids: np.ndarray) -> Facts: ...

    def take_changed_seekers(self) -> set[int]: ...


@dataclass
class RecommendReport:
    offers: int = 0  # offers matched
    matches: int = 0  # matches with a live seeker and condition
    left_out: int = 0  # (seeker, offer) pairs not stored: the day's shortlist was ahead of them
    candidates: int = 0  # new candidates (one per seeker and offer)
    seekers: set[int] = field(default_factory=set)  # seekers with candidates (a round's: with new inbox items)
    inbox_items: int = 0  # inbox items created
    mails_queued: int = 0  # new recommendations mails
    digests_extended: int = 0  # pending digests that got more items
    saved_search_mails: int = 0  # new saved-search-new-jobs mails
    mails_due_now: bool = False  # some mail may be delivered at once
    samples: list[dict] = field(default_factory=list)
    saved_search_mail_ids: tuple | None = None  # for ``digest.KnownMails.learn`` once committed

    def add(self, other: "RecommendReport", *, samples: int = 0) -> None:
        self.offers += other.offers
        self.matches += other.matches
        self.left_out += other.left_out
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
    recipients: dict[int, str | None]  # seeker id → e-mail, of the seekers in saved_search_mails
    saved_search_mails: set[int]  # seekers who may receive mail and opted in to saved-search mails
    notifying: set[int]  # their saved searches that ask for mail


def match_pending_offers(engine: Engine, settings: Settings, match: ColumnMatcher, offer_ids: Sequence[int], *,
                         now: datetime | None = None, shard: shards.Shard | None = None,
                         shortlist: Shortlist | None = None,
                         known_mails: digest.KnownMails | None = None) -> RecommendReport:
    """The matching actor's work: the offers among ``offer_ids`` still pending, in one transaction.
    Safe to run twice: a matched offer is skipped (with ``shard``: an offer this shard claimed).
    ``shortlist``: the process's (``worker.actors.runtime``); without one, these offers' own.
    ``known_mails``: the process's memory of the day's saved-search mails, taught what this
    transaction committed."""
    with session_scope(engine) as session:
        offers = session.execute(
            select(JobOffer).where(JobOffer.id.in_(list(offer_ids)),
                                   JobOffer.matching_status == MatchingStatus.PENDING.value).order_by(JobOffer.id)
        ).scalars().all() if offer_ids else []
        if not offers:
            return RecommendReport()
        now = now or utcnow()
        report = recommend_offers(session, settings, offers, match, now=now, shard=shard,
                                  shortlist=shortlist if shortlist is not None else Shortlist.from_settings(settings),
                                  known_mails=known_mails)
        if shard is not None:
            shards.complete(session, [o.id for o in offers], shard.count, now)
    if known_mails is not None and report.saved_search_mail_ids is not None:
        known_mails.learn(*report.saved_search_mail_ids)
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
                     shard: shards.Shard | None = None, shortlist: Shortlist | None = None,
                     known_mails: digest.KnownMails | None = None) -> RecommendReport:
    """Collect the candidates of ``offers`` inside the caller's transaction.

    ``claim``: only offers still pending are processed (the actors); without it, every given
    offer is (staff batches over offers already matched — the candidates' key keeps it
    exactly-once). A dry run is this in a transaction that is rolled back
    (``worker.pipeline.batch``). ``shard``: ``match`` holds that shard's conditions only, and
    the claim is the shard's own (``worker.pipeline.shards``), not the offer's status.
    ``shortlist``: stores only the pairs it admits (``worker.pipeline.shortlist``); None stores
    every pair. ``known_mails``: the saved-search mails known to exist (``digest.KnownMails``);
    the mails this batch found or made are in ``report.saved_search_mail_ids``."""
    if shortlist is not None and not claim:
        # A left-out pair counts as a new saved-search hit (below): true of just-claimed offers only.
        raise ValueError("a shortlist is for offers being claimed; staff batches store every match")
    report = RecommendReport()
    values = [offer_value(o) for o in offers]
    found = match.match_columns(values)
    # A seeker whose conditions changed starts the day afresh: the matches of the old conditions
    # held there may no longer match and must not keep the new ones out. Taken on every batch,
    # shortlist or not, so the index's set never grows.
    changed = match.take_changed_seekers()
    if shortlist is not None:
        for seeker_id in changed:
            shortlist.forget(seeker_id)
    claimed = (_mark_matched(session, [o.id for o in offers], now) if shard is None
               else shards.claim(session, [o.id for o in offers], shard, now))
    taken = np.array([not claim or o.id in claimed for o in offers], dtype=bool)
    report.offers = int(taken.sum())
    keep = taken.take(found.offer)
    if not keep.any():
        return report
    positions, condition_ids = found.offer[keep], found.condition_id[keep]
    seeker_ids, scores = found.seeker_id[keep], found.score[keep]

    # The seekers' and conditions' facts come from the index's process, not the database: the
    # round chooses only for seekers who may receive recommendations, under a lock, and
    # re-reads the chosen conditions (``worker.pipeline.condition_facts``).
    facts = match.condition_facts(condition_ids)
    alive = facts.present
    positions, condition_ids, seeker_ids, scores = (
        positions[alive], condition_ids[alive], seeker_ids[alive], scores[alive])
    registered, notify, floors = facts.registered[alive], facts.notify[alive], facts.wage_floor[alive]
    report.matches = len(positions)
    if not report.matches:
        return report
    ranks = _ranks(values, positions, scores, floors, clock.local_date(now))
    offer_ids = np.array([o.id for o in offers], dtype=np.int64).take(positions)
    # The best of a seeker's matching conditions for an offer: the highest rank, then a
    # registered condition over a saved search, then the lowest condition id.
    order = np.lexsort((condition_ids, ~registered, -ranks, offer_ids, seeker_ids))
    first = np.ones(len(order), dtype=bool)
    first[1:] = (np.diff(seeker_ids.take(order)) != 0) | (np.diff(offer_ids.take(order)) != 0)
    best = order[first]  # sorted by seeker, then offer
    if shortlist is not None:
        facts = {o.id: Offer.of(o.employer_name, v) for o, v in zip(offers, values)}
        admitted = shortlist.admit(clock.local_date(now), seeker_ids.take(best), offer_ids.take(best),
                                   ranks.take(best), facts)
        report.left_out = int(len(best) - admitted.sum())
        best = best[admitted]
    if samples:
        report.samples = _samples(match, values, best[np.lexsort((condition_ids.take(best), positions.take(best)))]
                                  [:samples], positions, condition_ids, ranks)
    columns = {"seeker_id": ("int4", seeker_ids.take(best)), "job_offer_id": ("int4", offer_ids.take(best)),
               "condition_id": ("int4", condition_ids.take(best)), "score": ("int4", ranks.take(best)),
               "created_at": ("timestamptz", now)}
    conflict = ["seeker_id", "job_offer_id"]
    report.seekers = set(np.unique(seeker_ids.take(best)).tolist())

    # Saved searches the seeker asked mail for still hear of each new offer at once: that mail
    # is the search's own, not a recommendation, and has no daily budget but one mail a day.
    # New means a new candidate pair: the hits table keeps a (search, offer) only for a week,
    # the chosen candidate as long as the offer is open, so a staff batch going over an older
    # offer finds the pair and mails nothing again. Only then are the inserted pairs read back,
    # and only those searches and their seekers are checked in the database. A pair the
    # shortlist left out is a hit as well: it is never stored, and a shortlist only sees offers
    # this transaction has just claimed (the hits' key keeps a repeated one out).
    notifying = np.flatnonzero(notify)
    if claim and copy_if_all_new(session, RecommendationCandidate, columns):
        # Just claimed and no key taken (the usual case): every row is new.
        report.candidates, all_new = len(best), True
    elif not len(notifying):
        report.candidates = insert_ignore_columns(session, RecommendationCandidate, columns, conflict=conflict)
        return report
    else:
        inserted = insert_ignore_columns(session, RecommendationCandidate, columns, conflict=conflict,
                                         returning=["seeker_id", "job_offer_id"])
        new_pairs = {(row.seeker_id, row.job_offer_id) for row in inserted}
        report.candidates, all_new = len(new_pairs), False
        stored = set(zip(columns["seeker_id"][1].tolist(), columns["job_offer_id"][1].tolist()))
        notifying = notifying[np.fromiter(
            ((s, o) in new_pairs or (s, o) not in stored
             for s, o in zip(seeker_ids.take(notifying).tolist(), offer_ids.take(notifying).tolist())),
            dtype=bool, count=len(notifying))]
    if not len(notifying):
        return report
    hit_seekers, hit_offers = seeker_ids.take(notifying), offer_ids.take(notifying)
    hit_searches = condition_ids.take(notifying)
    live = saved_search_audience(session, set(hit_seekers.tolist()), set(hit_searches.tolist()))
    wanted = (np.isin(hit_seekers, np.fromiter(live.saved_search_mails, dtype=np.int64))
              & np.isin(hit_searches, np.fromiter(live.notifying, dtype=np.int64)))
    searches = digest.queue_saved_search_mails(
        session, settings, digest.SavedSearchHits(hit_searches[wanted], hit_offers[wanted], hit_seekers[wanted]),
        live.recipients, now=now, all_new=all_new, known=known_mails)
    report.saved_search_mails = searches.queued
    report.saved_search_mail_ids = searches.mails
    report.mails_due_now = searches.earliest is not None and searches.earliest <= now
    return report


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


def saved_search_audience(session: Session, seeker_ids: set[int], condition_ids: set[int]) -> _Live:
    """The saved-search mails' check in the database: which of these conditions are still saved
    searches asking for mail, of a seeker who may receive mail and asked for saved-search mails
    (with the seekers' addresses). One query over the searches joined to their seekers (the
    seekers given only narrow it). Those searches stay locked (FOR KEY SHARE) until the batch
    commits: a seeker deleting one, or being erased, waits for the batch's hits and then deletes
    them too, instead of leaving hits of a gone search behind (SQLite has one writer, the batch,
    already)."""
    live = _Live({}, set(), set())
    conn = session.connection()
    for part in chunks(session, sorted(condition_ids)):
        stmt = (select(Condition.id, Seeker.id, Seeker.email)
                .join(Seeker, Seeker.id == Condition.seeker_id)
                .where(among(session, Condition.id, part), Condition.notify.is_(True),
                       Condition.kind == ConditionKind.SAVED.value, Seeker.saved_search_mails.is_(True),
                       recommendable_clause())
                .order_by(Condition.id).with_for_update(read=True, key_share=True, of=Condition))
        for condition_id, seeker_id, email in conn.execute(stmt):
            if seeker_id in seeker_ids:
                live.notifying.add(condition_id)
                live.saved_search_mails.add(seeker_id)
                live.recipients[seeker_id] = email
    return live

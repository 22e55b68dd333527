"""A staff recommendation batch (``mypage-worker recommend --since DATE``): every offer received
since a date, optionally in one prefecture, matched against today's conditions — offers matched
before included, so a seeker whose conditions changed gets what now fits. The inbox and mail
dedupe keys keep it exactly-once; ``dry_run`` writes nothing and reports what a real run would create."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time

from sqlalchemy import and_, or_, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from worker.config import Settings
from worker.db import session_scope
from worker.domain import clock
from worker.domain.models import JobOffer, MatchingStatus, utcnow
from worker.pipeline import rounds
from worker.pipeline.index_cache import IndexCache
from worker.pipeline.recommend import RecommendReport, count, recommend_offers

OFFERS_PER_TRANSACTION = 100


def offers_since(engine: Engine, settings: Settings, *, since: date, prefecture: str | None = None) -> list[int]:
    """Offers received on or after ``since`` (受付年月日; the day they were stored when it is unknown)."""
    start_of_day = datetime.combine(since, time.min, tzinfo=clock.JST)
    received = or_(JobOffer.received_on >= since,
                   and_(JobOffer.received_on.is_(None), JobOffer.created_at >= start_of_day))
    stmt = select(JobOffer.id).where(received, JobOffer.matching_status != MatchingStatus.WITHDRAWN.value)
    if prefecture:
        stmt = stmt.where(JobOffer.prefecture_code == prefecture)
    with engine.connect() as conn:
        return list(conn.execute(stmt.order_by(JobOffer.id)).scalars())


def recommendation_batch(engine: Engine, settings: Settings, offer_ids: list[int], *, dry_run: bool = False,
                         cache: IndexCache | None = None, now: datetime | None = None, samples: int = 5,
                         progress: Callable[[int], None] | None = None) -> RecommendReport:
    """Collect the candidates of the offers ``offer_ids`` in transactions of
    ``OFFERS_PER_TRANSACTION`` offers, then run a round at once (``worker.pipeline.rounds``).

    A dry run does the very same work in one transaction and rolls it back at the end: each
    chunk and the round see what the steps before them would have written, so its counts are
    the real run's, not an estimate. It marks no offer matched."""
    now = now or utcnow()
    if cache is None:  # an empty cache is falsy: test for None
        cache = IndexCache(engine)
    total = RecommendReport()
    chunks = [offer_ids[start:start + OFFERS_PER_TRANSACTION]
              for start in range(0, len(offer_ids), OFFERS_PER_TRANSACTION)]
    if dry_run:
        with Session(engine, expire_on_commit=False) as dry:
            try:
                for chunk in chunks:
                    report = recommend_offers(dry, settings, _load(dry, chunk), cache, now=now, claim=False,
                                              samples=samples)
                    _progress(total, report, samples, progress, len(chunk))
                chosen = rounds.run_round(dry, settings, now=now)
            finally:
                dry.rollback()
    else:
        for chunk in chunks:
            with session_scope(engine) as session:
                report = recommend_offers(session, settings, _load(session, chunk), cache, now=now,
                                          claim=False, samples=samples)
            count(report)
            _progress(total, report, samples, progress, len(chunk))
        chosen = rounds.round_now(engine, settings, now=now)
    total.inbox_items = chosen.inbox_items
    total.seekers = chosen.seekers
    total.mails_queued = chosen.mails_queued
    total.digests_extended = chosen.digests_extended
    total.mails_due_now = total.mails_due_now or chosen.mails_due_now
    return total


def _progress(total: RecommendReport, report: RecommendReport, samples: int,
              progress: Callable[[int], None] | None, offers: int) -> None:
    total.add(report, samples=samples)
    if progress:
        progress(offers)


def _load(session: Session, ids: list[int]) -> list[JobOffer]:
    return list(session.execute(select(JobOffer).where(JobOffer.id.in_(ids)).order_by(JobOffer.id)).scalars())

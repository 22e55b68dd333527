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
    """Recommend the offers ``offer_ids`` in transactions of ``OFFERS_PER_TRANSACTION`` offers.

    A dry run does the very same work in one transaction and rolls it back at the end: each
    chunk sees what the chunks before it would have written (a digest queued by the first is
    extended by the second), so its counts are the real run's, not an estimate. It locks no
    seeker and marks no offer matched."""
    now = now or utcnow()
    if cache is None:  # an empty cache is falsy: test for None
        cache = IndexCache(engine)
    total = RecommendReport()
    chunks = [offer_ids[start:start + OFFERS_PER_TRANSACTION]
              for start in range(0, len(offer_ids), OFFERS_PER_TRANSACTION)]
    if dry_run:
        with Session(engine) as session:
            try:
                for chunk in chunks:
                    report = recommend_offers(session, settings, _load(session, chunk), cache.match_many, now=now,
                                              claim=False, dry_run=True, samples=samples)
                    session.flush()
                    total.add(report, samples=samples)
                    if progress:
                        progress(len(chunk))
            finally:
                session.rollback()
        return total
    for chunk in chunks:
        with session_scope(engine) as session:
            report = recommend_offers(session, settings, _load(session, chunk), cache.match_many, now=now,
                                      claim=False, samples=samples)
        count(report)
        total.add(report, samples=samples)
        if progress:
            progress(len(chunk))
    return total

def _load(session: Session, ids: list[int]) -> list[JobOffer]:
    return list(session.execute(select(JobOffer).where(JobOffer.id.in_(ids)).order_by(JobOffer.id)).scalars())

"""A round's choice in numpy: which candidates fill each seeker's remaining budget today.

The database hands over the choosable candidates as four integer columns (on PostgreSQL one
packed bytea, no Python object per row): not chosen yet, younger than ``candidate_days``, their
offer open, their seeker one who may receive recommendations. The few offers among them give
each an integer place in the tie order and a number for its employer, and the pairs already
chosen today give the budget and the employer counts used. Then, with sorts and running counts
over whole columns — no loop per seeker:

1. best first within a seeker: the higher score, then the tie order (the newer offer, the higher
   monthly upper wage, the lower job number: ``matchers.ranking``);
2. at most ``recommendations_per_employer`` a day from one employer (事業所名), those used today
   counted: the employer's best ones stay;
3. at most ``recommendations_per_day`` a day per seeker, those used today counted.

This replaced two SQL window functions over every candidate, which sorted the millions of rows
twice inside PostgreSQL at several times this cost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

import numpy as np
from sqlalchemy import and_, case, func, select, true
from sqlmodel import Session

from worker.config import Settings
from worker.domain import clock
from worker.domain.models import JobOffer, RecommendationCandidate, Seeker
from worker.pipeline.bulk import among, chunks, is_postgres
from worker.services.eligibility import recommendable_clause


class Pick(NamedTuple):
    seeker_id: int
    job_offer_id: int
    condition_id: int
    score: int
    eligible: int  # all of the seeker's choosable candidates before the budget


@dataclass(frozen=True)
class _Candidates:
    seeker: np.ndarray
    offer: np.ndarray
    condition: np.ndarray
    score: np.ndarray


def choose(session: Session, settings: Settings, *, now: datetime, since: datetime,
           seekers: range | None = None) -> list[Pick]:
    """The round's picks, by seeker and then best first. ``since``: the JST day's start;
    ``seekers``: a window of seeker ids to choose for (all when None)."""
    found = _choosable(session, settings, now, seekers)
    if not len(found.seeker):
        return []
    offer_ids, at = np.unique(found.offer, return_inverse=True)
    tie, employer_of, employers = _offer_order(session, offer_ids.tolist())
    tie, employer = tie.take(at), employer_of.take(at)
    used_pairs = _chosen_today(session, since, seekers)

    # 1. best first within a seeker
    order = np.lexsort((tie, -found.score, found.seeker))
    seeker, employer_sorted = found.seeker.take(order), employer.take(order)
    # 2. the employer cap: rank within (seeker, employer), keeping the best-first order
    by_employer = np.lexsort((np.arange(len(order)), employer_sorted, seeker))
    employer_rank = np.empty(len(order), dtype=np.int64)
    employer_rank[by_employer] = _running_count(seeker.take(by_employer), employer_sorted.take(by_employer))
    used_employer = _lookup(used_pairs, seeker, employer_sorted, employers)
    eligible_seekers, eligible_counts = np.unique(seeker, return_counts=True)
    kept = order[employer_rank < settings.recommendations_per_employer - used_employer]
    # 3. the daily budget
    seeker = found.seeker.take(kept)
    seeker_rank = _running_count(seeker, np.zeros(len(seeker), dtype=np.int64))
    used_today = _used_by_seeker(used_pairs, seeker)
    kept = kept[seeker_rank < settings.recommendations_per_day - used_today]
    eligible = eligible_counts.take(np.searchsorted(eligible_seekers, found.seeker.take(kept)))
    # ``_make`` builds each tuple in C: ``Pick(*row)`` went through the named tuple's Python
    # ``__new__``, a tenth of a round process's time at national scale.
    return list(map(Pick._make, zip(found.seeker.take(kept).tolist(), found.offer.take(kept).tolist(),
                                    found.condition.take(kept).tolist(), found.score.take(kept).tolist(),
                                    eligible.tolist())))


def _running_count(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """0, 1, 2, … within each run of equal (first, second) in rows sorted by them."""
    n = len(first)
    if not n:
        return np.zeros(0, dtype=np.int64)
    starts = np.ones(n, dtype=bool)
    starts[1:] = (first[1:] != first[:-1]) | (second[1:] != second[:-1])
    start_at = np.maximum.accumulate(np.where(starts, np.arange(n), 0))
    return np.arange(n) - start_at


def _in_window(column, seekers: range | None):
    return true() if seekers is None else and_(column >= seekers.start, column < seekers.stop)


def _choosable(session: Session, settings: Settings, now: datetime, seekers: range | None) -> _Candidates:
    c = RecommendationCandidate.__table__.c
    today = clock.local_date(now)
    stmt = (select(c.seeker_id, c.job_offer_id, c.condition_id, c.score)
            .select_from(RecommendationCandidate.__table__
                         .join(JobOffer.__table__, JobOffer.id == c.job_offer_id)
                         .join(Seeker.__table__, Seeker.id == c.seeker_id))
            .where(c.chosen_at.is_(None), c.created_at >= now - timedelta(days=settings.candidate_days), JobOffer.open_on(today),
                   recommendable_clause(), _in_window(c.seeker_id, seekers),
                   # the same window on the seeker table, so it is read by its key range, not whole
                   _in_window(Seeker.id, seekers)))
    if is_postgres(session):
        return _copy_out(session, stmt)
    rows = session.connection().execute(stmt).all()
    columns = np.array(rows, dtype=np.int64).reshape(-1, 4).T
    return _Candidates(*columns)


def _copy_out(session: Session, stmt) -> _Candidates:
    """The statement's four int4 columns (never NULL) as one bytea the server packs (4 big-endian
    integers a row) and numpy reads: a COPY or a row fetch would cost a Python step per row."""
    compiled = stmt.compile(dialect=session.get_bind().dialect, compile_kwargs={"render_postcompile": True})
    sql = ("SELECT string_agg(int4send(q.seeker_id) || int4send(q.job_offer_id) || int4send(q.condition_id) "
           f"|| int4send(q.score), ''::bytea) FROM ({compiled}) AS q")
    cursor = session.connection().connection.driver_connection.cursor()
    # Every choosable candidate is read, so hash joins are always right here; with a seeker
    # table's statistics missing or stale (a fresh database before autovacuum's first visit)
    # the planner took a nested loop over an index per seeker, five times slower.
    cursor.execute("SET LOCAL enable_nestloop = off")
    cursor.execute(sql, compiled.params, binary=True)
    data = cursor.fetchone()[0] or b""
    cursor.execute("RESET enable_nestloop")
    rows = np.frombuffer(bytes(data), dtype=">i4").reshape(-1, 4).astype(np.int64)
    return _Candidates(*rows.T)


def wage_order():
    """The offer's upper wage as a monthly amount, for the tie order (``matchers.ranking``)."""
    factor = case((JobOffer.wage_type == "daily", 20), (JobOffer.wage_type == "hourly", 160), else_=1)
    return factor * func.coalesce(JobOffer.wage_max, JobOffer.wage_min, 0)


def _offer_order(session: Session, offer_ids: list[int]) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    """For the offers (sorted ids): each one's place in the tie order, its employer's number,
    and the employers' numbers by name."""
    rows = []
    for part in chunks(session, offer_ids):
        rows += session.connection().execute(
            select(JobOffer.id, func.coalesce(JobOffer.employer_name, ""), JobOffer.received_on,
                   wage_order(), JobOffer.job_number).where(among(session, JobOffer.id, part))).all()
    place = {offer_id: i for i, offer_id in enumerate(offer_ids)}
    # The newer offer (an undated one last), the higher wage, the lower job number (by code
    # point, as PostgreSQL's "C" collation compares UTF-8).
    ranked = sorted(rows, key=lambda r: (r[2] is None, -(r[2].toordinal() if r[2] else 0), -r[3], r[4]))
    tie = np.empty(len(offer_ids), dtype=np.int64)
    employer = np.empty(len(offer_ids), dtype=np.int64)
    employers: dict[str, int] = {}
    for i, (offer_id, name, *_) in enumerate(ranked):
        tie[place[offer_id]] = i
        employer[place[offer_id]] = employers.setdefault(name, len(employers))
    return tie, employer, employers


def _chosen_today(session: Session, since: datetime, seekers: range | None) -> list[tuple[int, str]]:
    """(seeker, employer) of every candidate chosen since the day's start."""
    c = RecommendationCandidate.__table__.c
    return [tuple(row) for row in session.connection().execute(
        select(c.seeker_id, func.coalesce(JobOffer.employer_name, ""))
        .select_from(RecommendationCandidate.__table__.join(JobOffer.__table__, JobOffer.id == c.job_offer_id))
        .where(c.chosen_at >= since, _in_window(c.seeker_id, seekers)))]


def _lookup(used: list[tuple[int, str]], seeker: np.ndarray, employer: np.ndarray,
            employers: dict[str, int]) -> np.ndarray:
    """How many each row's (seeker, employer) already got today."""
    counts: dict[tuple[int, int], int] = {}
    for seeker_id, name in used:
        number = employers.get(name)
        if number is not None:  # an employer none of today's candidates has
            counts[(seeker_id, number)] = counts.get((seeker_id, number), 0) + 1
    out = np.zeros(len(seeker), dtype=np.int64)
    if not counts:
        return out
    width = len(employers) + 1
    keys = np.array([s * width + e for s, e in counts], dtype=np.int64)
    values = np.array(list(counts.values()), dtype=np.int64)
    order = np.argsort(keys)
    keys, values = keys[order], values[order]
    wanted = seeker * width + employer
    at = np.clip(np.searchsorted(keys, wanted), 0, len(keys) - 1)
    hit = keys.take(at) == wanted
    out[hit] = values.take(at[hit])
    return out


def _used_by_seeker(used: list[tuple[int, str]], seeker: np.ndarray) -> np.ndarray:
    out = np.zeros(len(seeker), dtype=np.int64)
    if not used:
        return out
    ids, counts = np.unique(np.array([s for s, _ in used], dtype=np.int64), return_counts=True)
    at = np.clip(np.searchsorted(ids, seeker), 0, len(ids) - 1)
    hit = ids.take(at) == seeker
    out[hit] = counts.take(at[hit])
    return out

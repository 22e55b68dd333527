"""Recommendation rounds: which candidates become おすすめ求人 in the inbox, and the digest mail.

Matching (``worker.pipeline.recommend``) only collects candidates. A round — hourly from 08:00
to 20:00 JST by the scheduler, and at once after a staff batch — fills every seeker's remaining
budget for the JST day with their best candidates not yet chosen:

- at most ``recommendations_per_day`` new items per seeker per JST day, and at most
  ``recommendations_per_employer`` of them from one employer (事業所名);
- best first by the candidate's score (``matchers.ranking``), then the newer offer, the higher
  (monthly upper) wage, the lower job number;
- only candidates younger than ``candidate_days`` whose offer is still open (not withdrawn, 紹介期限日
  not passed), only for seekers who may receive recommendations (有効, My Page open or 機能制限).

The choice is made in numpy over the choosable candidates' integer columns
(``worker.pipeline.choosing``: sorts and running counts, no loop per seeker); the chosen
seekers are share-locked and checked once more (PostgreSQL; SQLite's writer holds the whole
database), so one who turns 無効 at the same moment gets nothing; Python then
works out the reasons of the chosen pairs only, inserts their inbox items in bulk
(``recommendation:<seeker>:<offer>``, insert-or-ignore; on PostgreSQL in a few parts, each one
binary COPY of ids and one INSERT … SELECT that writes keys, titles and bodies in SQL, run from
a second thread while Python explains the next part), marks the candidates chosen and puts the
items into the seekers' digests (``worker.pipeline.digest``), all in the caller's transaction.
The budget already used today is counted from the candidates chosen since JST midnight, so a
round run twice, or after one that crashed (rolled back), adds only what is still missing; on
PostgreSQL rounds take a transaction-level advisory lock so that two never choose at once.
"""

from __future__ import annotations

import json
import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, time
from types import SimpleNamespace

import numpy as np
import psycopg
from sqlalchemy import Text, bindparam, func, select, text, tuple_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

import matchers
from matchers import explain
from worker import metrics
from worker.config import Settings
from worker.db import make_engine, session_scope
from worker.domain import clock
from worker.domain.models import (
    Condition,
    InboxItem,
    InboxKind,
    JobOffer,
    RecommendationCandidate,
    Seeker,
    utcnow,
)
from worker.pipeline import choosing, digest
from worker.pipeline.bulk import among, binary_copy, chunks, insert_ignore_returning, is_postgres
from worker.pipeline.index_cache import COLUMNS
from worker.pipeline.values import condition_value, offer_value
from worker.services.eligibility import recommendable_clause

ROUND_LOCK = 0x6D79_7265  # pg_advisory_xact_lock key of the rounds ("myre"); also an int4, for the blocks
LOCK_BLOCK = 10_000  # seeker ids a window's lock covers at a time


@dataclass
class RoundReport:
    chosen: int = 0  # candidates chosen this round
    inbox_items: int = 0  # inbox items created
    seekers: set[int] = field(default_factory=set)  # seekers with new items
    mails_queued: int = 0  # new digests
    digests_extended: int = 0  # pending digests that got more items
    dropped: int = 0  # chosen candidates that no longer match (condition changed or deleted): removed
    mails_due_now: bool = False

    def add(self, other: RoundReport) -> None:
        """Sum a window's report into this one (``round_now``)."""
        self.chosen += other.chosen
        self.inbox_items += other.inbox_items
        self.seekers |= other.seekers
        self.mails_queued += other.mails_queued
        self.digests_extended += other.digests_extended
        self.dropped += other.dropped
        self.mails_due_now = self.mails_due_now or other.mails_due_now


def day_start(now: datetime, settings: Settings) -> datetime:
    """JST midnight of ``now``'s JST day, as an aware datetime."""
    return datetime.combine(clock.local_date(now), time.min, tzinfo=settings.tz)


def run_round(session: Session, settings: Settings, *, now: datetime, seekers: range | None = None,
              explainer: explain.Explainer | None = None) -> RoundReport:
    """One round in the caller's transaction (see the module's text), for the seekers whose ids
    are in ``seekers`` (all when None; :func:`round_now` goes window by window, with one
    ``explainer`` for all windows: an offer's view is prepared once a round, not once a window)."""
    explainer = explainer if explainer is not None else explain.Explainer()
    report = RoundReport()
    if settings.recommendations_per_day <= 0:
        return report
    postgres = is_postgres(session)
    if postgres:
        _lock(session, seekers)
    picked = choosing.choose(session, settings, now=now, since=day_start(now, settings), seekers=seekers)
    if picked and postgres:
        picked = _still_recommendable(session, picked)
    if not picked:
        return report
    report.chosen = len(picked)
    if postgres:
        inserted, gone = _explain_and_insert(session, picked, now, explainer)
    else:
        reasons = _reasons(session, picked, explainer)
        kept = [r for r in picked if (r.seeker_id, r.job_offer_id) in reasons]
        inserted = _insert_items(session, kept, reasons, now)
        gone = [(r.seeker_id, r.job_offer_id) for r in picked if (r.seeker_id, r.job_offer_id) not in reasons]
    report.dropped = len(gone)
    _delete_candidates(session, gone)
    report.inbox_items = len(inserted)
    items: dict[int, list[int]] = {}
    for item_id, seeker_id in inserted:
        items.setdefault(seeker_id, []).append(item_id)
    report.seekers = set(items)

    chosen_count: dict[int, int] = {}
    eligible: dict[int, int] = {}
    for r in picked:
        chosen_count[r.seeker_id] = chosen_count.get(r.seeker_id, 0) + 1
        eligible[r.seeker_id] = r.eligible
    more = {s: max(0, eligible[s] - chosen_count[s]) for s in items}
    recipients = _recipients(session, sorted(items))
    digests = digest.queue_recommendation_digests(session, settings, items, recipients, now=now, more=more)
    _unmark_mailed(session, digest.unplaced(items, digests))
    report.mails_queued = digests.queued
    report.digests_extended = digests.extended
    report.mails_due_now = digests.earliest is not None and digests.earliest <= now
    return report


def _lock(session: Session, seekers: range | None) -> None:
    """One round at a time per seeker: a round over every seeker holds the rounds' lock alone; a
    window holds it shared, and alone the blocks of ``LOCK_BLOCK`` seeker ids it covers, taken
    in ascending order (so never a deadlock). Blocks of a fixed size, not the window's: two
    rounds with different ``round_seekers`` still wait for each other where they overlap."""
    conn = session.connection()
    if seekers is None:
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ROUND_LOCK})
        return
    conn.execute(text("SELECT pg_advisory_xact_lock_shared(:key)"), {"key": ROUND_LOCK})
    blocks = range(seekers.start // LOCK_BLOCK, (seekers.stop - 1) // LOCK_BLOCK + 1) if len(seekers) else range(0)
    for block in blocks:
        conn.execute(text("SELECT pg_advisory_xact_lock(:key, :block)"), {"key": ROUND_LOCK, "block": block})


def windows(low: int, high: int, size: int) -> list[range]:
    """The seeker windows from ``low`` to ``high`` on fixed boundaries (multiples of ``size``)."""
    return [range(start, start + size) for start in range(low // size * size, high + 1, size)]


def round_now(engine: Engine, settings: Settings, *, now: datetime | None = None) -> RoundReport:
    """A round over every seeker, ``round_seekers`` seeker ids at a time, each window in its own
    transaction and counted for Prometheus once committed (the scheduler's hourly round, the
    staff batch's, the demo's, the benchmarks'). A seeker's budget, employer cap and digest
    depend on that seeker's rows only, so windows choose exactly what one pass would; what
    bounds the memory is the window (at national scale a day's first round has about 90
    candidates a seeker). A crash loses the window in flight only: the next round fills it,
    and windows done are not redone (the budget counts what was chosen today). On PostgreSQL
    with ``round_processes`` > 1 the windows are shared between that many processes."""
    now = now or utcnow()
    total = RoundReport()
    with engine.connect() as conn:
        low, high = conn.execute(select(func.min(Seeker.id), func.max(Seeker.id))).one()
    if low is None:
        return total
    todo = windows(low, high, settings.round_seekers)
    processes = min(settings.round_processes, len(todo)) if engine.dialect.name == "postgresql" else 1
    if processes > 1:
        with ProcessPoolExecutor(max_workers=processes, mp_context=multiprocessing.get_context("spawn"),
                                 initializer=_start_round_process,
                                 initargs=(engine.url.render_as_string(hide_password=False), settings)) as pool:
            for report in pool.map(_round_window, todo, [now] * len(todo)):
                count(report)
                total.add(report)
        return total
    explainer = explain.Explainer()
    for window in todo:
        with session_scope(engine) as session:
            report = run_round(session, settings, now=now, seekers=window, explainer=explainer)
        count(report)
        total.add(report)
    return total


# A round process's own engine, settings and explainer (``round_now`` with processes).
_process: dict = {}


def _start_round_process(url: str, settings: Settings) -> None:
    _process.update(engine=make_engine(url), settings=settings, explainer=explain.Explainer())


def _round_window(window: range, now: datetime) -> RoundReport:
    with session_scope(_process["engine"]) as session:
        return run_round(session, _process["settings"], now=now, seekers=window, explainer=_process["explainer"])


def count(report: RoundReport) -> None:
    metrics.count("inbox_items", report.inbox_items, kind=InboxKind.RECOMMENDATION.value)
    metrics.count("mails_queued", report.mails_queued, kind="recommendations")


def _still_recommendable(session: Session, picked: Sequence) -> list:
    """The picks whose seeker may still receive recommendations, their rows share-locked until
    the round commits: a seeker turning 無効 or 利用不可 at the same moment waits for the round,
    or is seen as such here (READ COMMITTED re-checks a locked row's latest version)."""
    allowed: set[int] = set()
    for part in chunks(session, sorted({r.seeker_id for r in picked})):
        allowed.update(session.connection().execute(
            select(Seeker.id).where(among(session, Seeker.id, part), recommendable_clause())
            .order_by(Seeker.id).with_for_update(read=True, of=Seeker)).scalars())
    return [r for r in picked if r.seeker_id in allowed]


def _reasons(session: Session, picked: Sequence,
             explainer: explain.Explainer) -> dict[tuple[int, int], tuple[str, ...]]:
    """(seeker, offer) → the reasons of the chosen candidate's condition for its offer, worked
    out now for the chosen pairs only; a pair that no longer matches is left out."""
    conditions, offers = _reason_inputs(session, picked)
    return _explain(picked, conditions, offers, explainer)


def _reason_inputs(session: Session, picked: Sequence) -> tuple[dict[int, matchers.Condition],
                                                                 dict[int, matchers.JobOffer]]:
    """The chosen pairs' conditions and offers as the matchers' values, read once for the round."""
    conn = session.connection()
    conditions = _conditions(session, sorted({r.condition_id for r in picked}))
    offers: dict[int, matchers.JobOffer] = {}
    for part in chunks(session, sorted({r.job_offer_id for r in picked})):
        table = JobOffer.__table__
        for row in conn.execute(select(table).where(among(session, table.c.id, part))):
            offers[row.id] = offer_value(row)
    return conditions, offers


def _explain(picked: Sequence, conditions: dict, offers: dict,
             explainer: explain.Explainer) -> dict[tuple[int, int], tuple[str, ...]]:
    """``_reasons`` of ``picked`` from conditions and offers already read (no database)."""
    by_offer: dict[int, list] = {}
    for r in picked:
        if r.condition_id in conditions and r.job_offer_id in offers:
            by_offer.setdefault(r.job_offer_id, []).append(r)
    found: dict[tuple[int, int], tuple[str, ...]] = {}
    for offer_id, rows in by_offer.items():
        answers = explainer.explain(offers[offer_id], [conditions[r.condition_id] for r in rows])
        for r in rows:
            answer = answers.get(r.condition_id)
            if answer is not None and answer.seeker_id == r.seeker_id:
                found[(r.seeker_id, r.job_offer_id)] = answer.reasons
    return found


ROUND_PARTS = 4  # PostgreSQL: the chosen pairs are explained and inserted in this many parts


def _explain_and_insert(session: Session, picked: Sequence, now: datetime,
                        explainer: explain.Explainer) -> tuple[list, list]:
    """PostgreSQL: the chosen pairs' reasons and inbox items, in parts split between seekers: while
    Python works out one part's reasons, PostgreSQL inserts the part before on the round's
    connection from a second thread (the driver lets go of the GIL while it waits), so both
    cores work where one waited for the other. A seeker's items are all in one part, so their
    ids still ascend best first. Returns the inserted (item id, seeker id) and the pairs that no
    longer match. All in the round's transaction: a failure in either thread rolls it all back."""
    conditions, offers = _reason_inputs(session, picked)
    driver = session.connection().connection.driver_connection
    driver.execute("CREATE TEMP TABLE _round_marked (seeker_id int4, job_offer_id int4) ON COMMIT DROP")
    inserted: list = []
    gone: list[tuple[int, int]] = []
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="round-insert") as writer:
        writing = None
        for part in _parts(picked, ROUND_PARTS):
            reasons = _explain(part, conditions, offers, explainer)
            kept = [r for r in part if (r.seeker_id, r.job_offer_id) in reasons]
            gone += [(r.seeker_id, r.job_offer_id) for r in part if (r.seeker_id, r.job_offer_id) not in reasons]
            if writing is not None:
                inserted += writing.result()
            writing = writer.submit(_insert_items_in_sql, driver, kept, reasons, now)
        inserted += writing.result()
    with driver.cursor() as cursor:
        cursor.execute("UPDATE recommendation_candidate SET chosen_at = %s FROM _round_marked c "
                       "WHERE recommendation_candidate.seeker_id = c.seeker_id "
                       "AND recommendation_candidate.job_offer_id = c.job_offer_id", (now,))
        cursor.execute("DROP TABLE _round_marked")
    return inserted, gone


def _parts(picked: Sequence, count: int) -> list[Sequence]:
    """``picked`` (by seeker) cut into about ``count`` parts, never inside a seeker's picks."""
    size = max(1, -(-len(picked) // count))
    parts, start = [], 0
    while start < len(picked):
        end = min(len(picked), start + size)
        while end < len(picked) and picked[end].seeker_id == picked[end - 1].seeker_id:
            end += 1
        parts.append(picked[start:end])
        start = end
    return parts


def _item_rows(kept: Sequence, reasons: dict, titles: dict, now: datetime) -> list[dict]:
    return [{
        "seeker_id": r.seeker_id,
        "kind": InboxKind.RECOMMENDATION.value,
        "dedupe_key": f"recommendation:{r.seeker_id}:{r.job_offer_id}",
        "job_offer_id": r.job_offer_id,
        "condition_id": r.condition_id,
        "title": titles[r.job_offer_id][0],
        "body": titles[r.job_offer_id][1],
        "score": r.score,
        "reasons": list(reasons[(r.seeker_id, r.job_offer_id)]),
        # Items go in already marked as mailed: nearly all join a digest below; the few whose
        # seeker has used up today's mails are unmarked again, so most rows are written once.
        "mailed_at": now,
        "created_at": now,
    } for r in kept]


def _insert_items(session: Session, kept: Sequence, reasons: dict, now: datetime) -> list[tuple[int, int]]:
    """The chosen pairs' inbox items (insert-or-ignore on the dedupe key, in the order chosen:
    ids ascend best first within a seeker), the candidates marked chosen; (item id, seeker id)
    of the items inserted. Row by row: SQLite, and the reference for the PostgreSQL path."""
    titles = _offer_texts(session, sorted({r.job_offer_id for r in kept}))
    inserted = insert_ignore_returning(session, InboxItem, _item_rows(kept, reasons, titles, now),
                                       conflict=["dedupe_key"], returning=["id", "seeker_id"])
    _mark_chosen(session, [(r.seeker_id, r.job_offer_id) for r in kept], now)
    return [(item.id, item.seeker_id) for item in inserted]


def _insert_items_in_sql(driver, kept: Sequence, reasons: dict, now: datetime) -> list[tuple[int, int]]:
    """``_insert_items`` on PostgreSQL with no Python step per item but its reasons' number: the
    chosen pairs go in as one binary COPY of integers (with the position chosen and the number
    of their reasons among the distinct reason lists), and one INSERT … SELECT makes the items,
    their dedupe keys, titles and bodies from the offers in SQL. The pairs are added to
    ``_round_marked``, whose candidates ``_explain_and_insert`` marks chosen in one UPDATE. On
    the psycopg connection ``driver`` only (it runs in the round's second thread)."""
    if not kept:
        return []
    texts: dict[tuple[str, ...], int] = {}
    numbers = [texts.setdefault(reasons[(r.seeker_id, r.job_offer_id)], len(texts)) for r in kept]
    chosen = {"ord": ("int4", np.arange(len(kept), dtype=np.int64)),
              "seeker_id": ("int4", np.fromiter((r.seeker_id for r in kept), dtype=np.int64, count=len(kept))),
              "job_offer_id": ("int4", np.fromiter((r.job_offer_id for r in kept), dtype=np.int64, count=len(kept))),
              "condition_id": ("int4", np.fromiter((r.condition_id for r in kept), dtype=np.int64, count=len(kept))),
              "score": ("int4", np.fromiter((r.score for r in kept), dtype=np.int64, count=len(kept))),
              "reasons": ("int4", np.array(numbers, dtype=np.int64))}
    cursor = driver.cursor()
    cursor.execute("CREATE TEMP TABLE _round_chosen (ord int4, seeker_id int4, job_offer_id int4, condition_id int4, "
                   "score int4, reasons int4) ON COMMIT DROP")
    cursor.execute("CREATE TEMP TABLE _round_reasons (id int4 PRIMARY KEY, reasons text) ON COMMIT DROP")
    with cursor.copy("COPY _round_chosen FROM STDIN (FORMAT BINARY)") as copy:
        copy.write(binary_copy(list(chosen.values())))
    with cursor.copy("COPY _round_reasons FROM STDIN") as copy:
        for reason, number in texts.items():
            copy.write_row((number, json.dumps(list(reason), ensure_ascii=False)))
    cursor.execute("ANALYZE _round_chosen")
    # The sort by the position chosen (ids ascend best first) spilled to disk with the default
    # work_mem and cost a fifth of the insert; this transaction's own setting, for the round.
    cursor.execute("SET LOCAL work_mem = '256MB'")
    # Items go in already marked as mailed: nearly all join a digest; the few whose seeker has
    # used up today's mails are unmarked again, so most rows are written once.
    insert = (
        "INSERT INTO inbox_item (seeker_id, kind, dedupe_key, job_offer_id, condition_id, title, body, score, "
        "reasons, mailed_at, created_at) "
        "SELECT c.seeker_id, %(kind)s, 'recommendation:' || c.seeker_id || ':' || c.job_offer_id, c.job_offer_id, "
        "c.condition_id, left(o.title, 200), coalesce(o.employer_name, ''), c.score, r.reasons::json, %(now)s, "
        "%(now)s FROM _round_chosen c JOIN job_offer o ON o.id = c.job_offer_id "
        "JOIN _round_reasons r ON r.id = c.reasons ORDER BY c.ord")
    params = {"kind": InboxKind.RECOMMENDATION.value, "now": now}
    # A chosen pair's item exists only when its candidate was made again after being chosen
    # (pruned, then a staff batch): rare. So first the plain INSERT, a quarter cheaper than
    # ON CONFLICT's check per row; when a key is taken it is undone and the insert-or-ignore runs.
    cursor.execute("SAVEPOINT round_items")
    try:
        cursor.execute(insert + " RETURNING id, seeker_id", params)
        inserted = cursor.fetchall()
        cursor.execute("RELEASE SAVEPOINT round_items")
    except psycopg.errors.UniqueViolation:
        cursor.execute("ROLLBACK TO SAVEPOINT round_items")
        cursor.execute("RELEASE SAVEPOINT round_items")
        cursor.execute(insert + " ON CONFLICT (dedupe_key) DO NOTHING RETURNING id, seeker_id", params)
        inserted = cursor.fetchall()
    cursor.execute("INSERT INTO _round_marked SELECT seeker_id, job_offer_id FROM _round_chosen")
    cursor.execute("DROP TABLE _round_chosen, _round_reasons")
    return inserted


_LISTS = ("keywords", "exclude_keywords", "prefecture_codes", "municipality_codes", "occupation_codes",
          "employment_forms")


def _conditions(session: Session, condition_ids: list[int]) -> dict[int, matchers.Condition]:
    """The conditions as the matchers' values. On PostgreSQL a row's six JSON lists come as one
    JSON text, parsed once: the driver's loader per JSON column cost more than the reasons."""
    conn = session.connection()
    found: dict[int, matchers.Condition] = {}
    if not is_postgres(session):
        for part in chunks(session, condition_ids):
            for row in conn.execute(select(*COLUMNS).where(among(session, Condition.id, part))):
                found[row.id] = condition_value(row)
        return found
    scalars = [column for column in COLUMNS if column.key not in _LISTS]
    lists = func.json_build_array(*(getattr(Condition, name) for name in _LISTS)).cast(Text).label("lists")
    for part in chunks(session, condition_ids):
        for row in conn.execute(select(*scalars, lists).where(among(session, Condition.id, part))):
            values = {column.key: getattr(row, column.key) for column in scalars}
            values.update(zip(_LISTS, json.loads(row.lists)))
            found[row.id] = condition_value(SimpleNamespace(**values))
    return found


def _offer_texts(session: Session, offer_ids: list[int]) -> dict[int, tuple[str, str]]:
    texts = {}
    for part in chunks(session, offer_ids):
        stmt = select(JobOffer.id, JobOffer.title, JobOffer.employer_name).where(among(session, JobOffer.id, part))
        for offer_id, title, employer in session.connection().execute(stmt):
            texts[offer_id] = (title[:200], employer or "")
    return texts


def _recipients(session: Session, seeker_ids: list[int]) -> dict[int, str | None]:
    found = {}
    for part in chunks(session, seeker_ids):
        found.update(session.connection().execute(
            select(Seeker.id, Seeker.email).where(among(session, Seeker.id, part))).all())
    return found


def _mark_chosen(session: Session, pairs: list[tuple[int, int]], now: datetime) -> None:
    if not pairs:
        return
    if is_postgres(session):
        cursor = session.connection().connection.driver_connection.cursor()
        cursor.execute(
            "UPDATE recommendation_candidate SET chosen_at = %s FROM unnest(%s::int[], %s::int[]) AS v(s, o) "
            "WHERE recommendation_candidate.seeker_id = v.s AND recommendation_candidate.job_offer_id = v.o",
            (now, [s for s, _ in pairs], [o for _, o in pairs]))
        return
    c = RecommendationCandidate.__table__.c
    session.connection().execute(
        update(RecommendationCandidate.__table__)
        .where(c.seeker_id == bindparam("s"), c.job_offer_id == bindparam("o")).values(chosen_at=now),
        [{"s": s, "o": o} for s, o in pairs])


def _delete_candidates(session: Session, pairs: list[tuple[int, int]]) -> None:
    c = RecommendationCandidate.__table__.c
    for start in range(0, len(pairs), 1_000):
        part = pairs[start:start + 1_000]
        session.connection().execute(
            RecommendationCandidate.__table__.delete().where(tuple_(c.seeker_id, c.job_offer_id).in_(part)))


def _unmark_mailed(session: Session, item_ids: list[int]) -> None:
    table = InboxItem.__table__
    for part in chunks(session, item_ids):
        session.connection().execute(update(table).where(among(session, table.c.id, part)).values(mailed_at=None))


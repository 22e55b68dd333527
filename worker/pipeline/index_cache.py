"""The ConditionIndex of one worker process, kept in step with the conditions in the database.

Every worker process holds the conditions of the seekers who may receive recommendations in a
:class:`matchers.ConditionIndex`. It is built once, then follows changes three ways:

- every ``refresh_s`` seconds (checked when a batch is matched) the conditions and seekers whose
  ``updated_at`` passed the watermark are read again; the watermark trails the clock by ``lag``,
  so a transaction that committed a little later than its timestamp is still seen;
- an announcement (``worker.announce.condition_changed``) applies one condition at once in the
  process that receives it;
- every ``rebuild_s`` seconds the index is rebuilt in the background and swapped in, which drops
  conditions deleted without a trace.

Beside the index it keeps the few facts of each condition that collecting candidates needs
(``worker.pipeline.condition_facts``: kind, mail wish, minimum wage), so a batch reads none of
them from the database. A stale entry costs at most a wasted candidate or a rank a few seconds
old: a round chooses only for seekers who may receive recommendations, checked under a lock,
and re-reads each chosen condition for its reasons (``worker.pipeline.rounds``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, true
from sqlalchemy.engine import Connection, Engine

import matchers
from matchers.rules import ConditionBody
from worker.domain.models import Condition, Seeker, utcnow
from worker.pipeline import shards
from worker.pipeline.condition_facts import ConditionFacts, Facts
from worker.pipeline.condition_stream import FIELDS, stream_conditions
from worker.pipeline.values import condition_body, condition_value
from worker.services.eligibility import recommendable_clause

log = logging.getLogger(__name__)

COLUMNS = (
    Condition.id, Condition.seeker_id, Condition.kind, Condition.keywords, Condition.keyword_mode,
    Condition.exclude_keywords, Condition.prefecture_codes, Condition.municipality_codes,
    Condition.occupation_codes, Condition.employment_forms, Condition.wage_type, Condition.wage_min,
    Condition.notify, Condition.updated_at,
)
IN_CHUNK = 5_000  # ids per IN (…) list: PostgreSQL takes at most 65,535 parameters


@dataclass
class RefreshReport:
    added: int = 0
    removed: int = 0


class IndexCache:
    def __init__(self, engine: Engine, *, refresh_s: float = 5.0, rebuild_s: float = 3600.0,
                 lag: timedelta = timedelta(seconds=10), shard: shards.Shard | None = None):
        self.engine = engine
        # With a shard, every read of conditions is limited to that shard's seekers: the index
        # never holds another shard's condition, however it hears of it.
        self.shard = shard
        self._mine = (shards.clause(Condition.seeker_id, shard.count, [shard.index])
                      if shard is not None else true())
        self.refresh_s = refresh_s
        self.rebuild_s = rebuild_s
        self.lag = lag
        self._lock = threading.RLock()
        self._index: matchers.ConditionIndex | None = None
        self._seeker_of: dict[int, int] = {}  # condition id → seeker id, for what is in the index
        self._by_seeker: dict[int, set[int]] = {}
        self._facts = ConditionFacts()
        # Versions seen of rows changed after the watermark: a refresh skips them while they
        # stay inside the lag window, so one burst of changes is read once, not on every refresh.
        self._recent_conditions: dict[int, datetime] = {}
        self._recent_seekers: dict[int, datetime] = {}
        # Seekers whose conditions an announcement or a refresh changed, until the matching
        # takes them (``take_changed_seekers``): the day's shortlist starts them afresh.
        self._changed_seekers: set[int] = set()
        self._watermark: datetime | None = None
        self._refreshed_at = 0.0
        self._built_at = 0.0
        self._rebuilding = False
        self.build_seconds: float | None = None

    # ------------------------------------------------------------------ reading

    def __len__(self) -> int:
        return len(self._seeker_of)

    @property
    def distinct_bodies(self) -> int:
        """Rows of the index: conditions with equal bodies share one (0 before the first build)."""
        return 0 if self._index is None else self._index.distinct_bodies

    @property
    def built(self) -> bool:
        return self._index is not None

    def match_many(self, offers: Sequence[matchers.JobOffer]) -> list[list[matchers.Match]]:
        """Match offers against a current index (building or refreshing it first when due).
        Matching holds the lock: the index is not safe to change while it is being read."""
        self._ensure_current()
        with self._lock:
            assert self._index is not None
            return self._index.match_many(list(offers))

    def match_columns(self, offers: Sequence[matchers.JobOffer]) -> matchers.Columns:
        """``match_many`` as columns (``ConditionIndex.match_columns``): no object per match."""
        self._ensure_current()
        with self._lock:
            assert self._index is not None
            return self._index.match_columns(list(offers))

    def condition_facts(self, condition_ids) -> Facts:
        """Kind, mail wish and minimum wage of these conditions as the index knows them."""
        with self._lock:
            return self._facts.lookup(condition_ids)

    # ------------------------------------------------------------------ building

    def build(self) -> None:
        """Load every recommendable condition into a fresh index and swap it in."""
        started_clock, started = time.monotonic(), utcnow()
        window = started - self.lag
        seeker_of: dict[int, int] = {}
        by_seeker: dict[int, set[int]] = {}
        recent_conditions: dict[int, datetime] = {}
        recent_seekers: dict[int, datetime] = {}
        facts = ConditionFacts()

        def members() -> Iterator[tuple[int, int, ConditionBody]]:
            for chunk in stream_conditions(self.engine, recommendable_clause(), self._mine, since=window):
                if not chunk:
                    continue
                column = dict(zip(FIELDS, zip(*chunk)))
                facts.put_many(column["id"], column["kind"], column["notify"], column["wage_min"],
                               column["wage_type"])
                for condition_id, seeker_id, _, _, changed, seeker_changed, *fields in chunk:
                    seeker_of[condition_id] = seeker_id
                    owned = by_seeker.get(seeker_id)
                    if owned is None:
                        by_seeker[seeker_id] = {condition_id}
                    else:
                        owned.add(condition_id)
                    if changed is not None:
                        recent_conditions[condition_id] = changed
                    if seeker_changed is not None:
                        recent_seekers[seeker_id] = seeker_changed
                    yield condition_id, seeker_id, condition_body(*fields)

        index = matchers.ConditionIndex.from_bodies(members())
        with self._lock:
            self._index, self._seeker_of, self._by_seeker, self._facts = index, seeker_of, by_seeker, facts
            self._recent_conditions, self._recent_seekers = recent_conditions, recent_seekers
            self._watermark = window
            self._built_at = self._refreshed_at = time.monotonic()
        self.build_seconds = time.monotonic() - started_clock
        if self.shard is None:
            log.info("condition index ready: %d conditions in %.1f s", len(seeker_of), self.build_seconds)
        else:
            log.info("condition index ready: %d conditions in %.1f s (shard %d of %d)", len(seeker_of),
                     self.build_seconds, self.shard.index, self.shard.count)

    def _ensure_current(self) -> None:
        if self._index is None:
            with self._lock:
                if self._index is None:
                    self.build()
                    return
        now = time.monotonic()
        if now - self._built_at >= self.rebuild_s and not self._rebuilding:
            self._rebuild_in_background()
        if now - self._refreshed_at >= self.refresh_s:
            self.refresh()

    def _rebuild_in_background(self) -> None:
        self._rebuilding = True

        def run() -> None:
            try:
                self.build()
                self.refresh()  # what changed while the new index was being built
            except Exception:  # the old index keeps serving; the next check tries again
                log.exception("rebuilding the condition index failed")
            finally:
                self._rebuilding = False

        threading.Thread(target=run, name="index-rebuild", daemon=True).start()

    # ------------------------------------------------------------------ following changes

    def refresh(self) -> RefreshReport:
        """Apply the conditions and seekers changed since the watermark."""
        report = RefreshReport()
        with self._lock:
            if self._index is None or self._watermark is None:
                return report
            started, watermark = utcnow(), self._watermark
            flag = recommendable_clause().label("recommendable")
            with self.engine.connect() as conn:
                changed = conn.execute(
                    select(Condition.id, Condition.updated_at, flag)
                    .join(Seeker, Seeker.id == Condition.seeker_id)
                    .where(Condition.updated_at > watermark, self._mine)
                ).all()
                seekers = conn.execute(
                    select(Seeker.id, Seeker.updated_at, flag).where(Seeker.updated_at > watermark)
                ).all()
                changed = [r for r in changed if self._recent_conditions.get(r.id) != r.updated_at]
                seekers = [s for s in seekers if self._recent_seekers.get(s.id) != s.updated_at]
                for row in changed:
                    self._recent_conditions[row.id] = row.updated_at
                    if not row.recommendable:
                        report.removed += self._drop(row.id)
                for row in _rows_by_ids(conn, Condition.id, [r.id for r in changed if r.recommendable], self._mine):
                    report.added += self._put(row)
                for seeker in seekers:
                    self._recent_seekers[seeker.id] = seeker.updated_at
                eligible = [s.id for s in seekers if s.recommendable]
                present: dict[int, set[int]] = {}
                for row in _rows_by_ids(conn, Condition.seeker_id, eligible, self._mine):
                    present.setdefault(row.seeker_id, set()).add(row.id)
                    report.added += self._put(row)
            for seeker in seekers:
                keep = present.get(seeker.id, set())
                for condition_id in list(self._by_seeker.get(seeker.id, ())):
                    if condition_id not in keep:
                        report.removed += self._drop(condition_id)
            self._watermark = max(watermark, started - self.lag)
            self._forget_before(self._watermark)
            self._refreshed_at = time.monotonic()
        if report.added or report.removed:
            log.info("condition index refreshed: %d added or changed, %d removed", report.added, report.removed)
        return report

    def apply_condition(self, condition_id: int) -> None:
        """An announcement: read this one condition now and add, replace or drop it."""
        with self._lock:
            if self._index is None:
                return  # the first build reads it anyway
            flag = recommendable_clause().label("recommendable")
            with self.engine.connect() as conn:
                row = conn.execute(
                    select(*COLUMNS, flag).join(Seeker, Seeker.id == Condition.seeker_id)
                    .where(Condition.id == condition_id, self._mine)
                ).first()
            if row is not None and row.recommendable:
                self._put(row)
            else:
                self._drop(condition_id)

    def take_changed_seekers(self) -> set[int]:
        """The seekers whose conditions an announcement or a refresh changed since the last call
        (a rebuild's own reading is not counted)."""
        with self._lock:
            changed, self._changed_seekers = self._changed_seekers, set()
        return changed

    # ------------------------------------------------------------------ bookkeeping

    def _put(self, row) -> int:
        old_seeker = self._seeker_of.get(row.id)
        if old_seeker is not None and old_seeker != row.seeker_id:
            self._by_seeker.get(old_seeker, set()).discard(row.id)
            self._changed_seekers.add(old_seeker)
        self._changed_seekers.add(row.seeker_id)
        self._index.add(condition_value(row))
        _put_facts(self._facts, row)
        self._seeker_of[row.id] = row.seeker_id
        self._by_seeker.setdefault(row.seeker_id, set()).add(row.id)
        return 1

    def _drop(self, condition_id: int) -> int:
        seeker_id = self._seeker_of.pop(condition_id, None)
        if seeker_id is None:
            return 0
        self._changed_seekers.add(seeker_id)
        self._index.remove(condition_id)
        self._facts.drop(condition_id)
        ids = self._by_seeker.get(seeker_id)
        if ids is not None:
            ids.discard(condition_id)
            if not ids:
                del self._by_seeker[seeker_id]
        return 1

    def _forget_before(self, watermark: datetime) -> None:
        for recent in (self._recent_conditions, self._recent_seekers):
            for key in [k for k, v in recent.items() if v <= watermark]:
                del recent[key]


def _put_facts(facts: ConditionFacts, row) -> None:
    facts.put(row.id, kind=row.kind, notify=row.notify, wage_min=row.wage_min, wage_type=row.wage_type)


def _rows_by_ids(conn: Connection, column, ids: list[int], mine):
    for start in range(0, len(ids), IN_CHUNK):
        yield from conn.execute(select(*COLUMNS).where(column.in_(ids[start:start + IN_CHUNK]), mine))

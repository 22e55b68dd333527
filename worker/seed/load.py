"""Streaming synthetic data into the database: seekers with their conditions, then job offers.

Rows go in chunks, one transaction each, never all rows in one list. Memory stays flat for millions
of conditions because nothing outlives its chunk: the generators are lazy (a block's random state and
256 employer names), a chunk is ``chunk_size`` seekers or job offers with the seekers' ~3.3
conditions each, and what a chunk left behind is dropped before the next is made — so the peak is
a chunk's rows plus the driver's write buffer, whatever N. With worker processes
(:mod:`worker.seed.parallel`), a chunk is a generator block (4,096 seekers, ~4 MB of COPY text) and
at most ``2 × workers`` are in flight; each worker holds one block's records at a time.

On PostgreSQL each chunk goes in with COPY (:mod:`worker.seed.copy`): the seekers with ids taken
from their sequence first, then their conditions naming those ids. Other databases (SQLite) take
SQLAlchemy Core executemany, a chunk's conditions in statements of at most ``chunk_size`` rows, and
read the chunk's seeker ids back by 求職番号.

Reruns continue numbering: a run starts at the seeker and job-offer indices equal to the number of rows
already in those tables, so seeding twice (same seed or not) adds new, distinct seekers and offers.
If a number still collides — rows were deleted in between, or something else writes the same numbers —
the run stops with :class:`SeedConflict`; the chunks committed before it stay, and nothing of the
failing chunk does.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from worker.domain.models import Condition, JobOffer, MatchingStatus, Seeker
from worker.seed import copy, parallel
from worker.seed.copytext import CONDITION_COLUMNS, SEEKER_COLUMNS, SeekerChunk, json_text, seeker_chunk
from worker.seed.generate import (
    BLOCK,
    DEFAULT_PROFILE,
    GeneratedCondition,
    condition_groups,
    job_offer_records,
    seeker_records,
)
from worker.services.calendar import end_of_month_after_next

Progress = Callable[[str, int], None]  # (table name, rows just inserted)

# Below this many seekers, starting worker processes (about a second each) costs more than they save.
PARALLEL_FROM = 4 * BLOCK
_SEEKER_DATES = ("birth_date", "registration_valid_until", "registration_invalid_on")
_SEEKER_TIMES = ("opened_at", "agreed_at", "restricted_at", "unusable_at")


class SeedConflict(RuntimeError):
    """A generated number already exists in the database."""


@dataclass(frozen=True)
class SeedReport:
    seed: int
    seekers: int
    registered_conditions: int
    saved_searches: int
    job_offers: int
    pending_job_offers: int
    first_seeker_index: int
    first_job_index: int
    seconds: float

    @property
    def conditions(self) -> int:
        return self.registered_conditions + self.saved_searches


def seed_database(engine: Engine, *, seekers: int, jobs: int, seed: int, progress: Progress | None = None,
                  today: date | None = None, new_jobs_pending: int = 0, chunk_size: int = 5000,
                  profile: str = DEFAULT_PROFILE, workers: int | None = None) -> SeedReport:
    """Insert ``seekers`` seekers (each with one registered condition and 0–3 saved searches, ~30% of
    those mailing new offers) and ``jobs`` job offers. Seeded offers count as already matched, except
    the last ``new_jobs_pending``, which are received today and left pending for the matcher.

    On PostgreSQL, ``workers`` processes (default: one per CPU from ``PARALLEL_FROM`` seekers on, else
    none) make the seekers' COPY text, one transaction per generator block rather than per
    ``chunk_size`` seekers."""
    if min(seekers, jobs, new_jobs_pending) < 0 or chunk_size < 1 or (workers is not None and workers < 1):
        raise ValueError("counts must not be negative and chunk_size and workers must be positive")
    workers = worker_count(engine.dialect.name, seekers, workers)
    today = today or date.today()
    progress = progress or (lambda _table, _count: None)
    started = time.perf_counter()
    with engine.connect() as conn:
        first_seeker = conn.execute(select(func.count()).select_from(Seeker.__table__)).scalar_one()
        first_job = conn.execute(select(func.count()).select_from(JobOffer.__table__)).scalar_one()

    registered, saved = _load_seekers(engine, seekers, seed, first_seeker, today, chunk_size, progress, profile,
                                      workers)
    pending = _load_job_offers(engine, jobs, seed, first_job, today, min(new_jobs_pending, jobs), chunk_size,
                               progress, profile)
    return SeedReport(seed=seed, seekers=seekers, registered_conditions=registered, saved_searches=saved,
                      job_offers=jobs, pending_job_offers=pending, first_seeker_index=first_seeker,
                      first_job_index=first_job, seconds=time.perf_counter() - started)


def worker_count(dialect: str, seekers: int, requested: int | None) -> int:
    """How many processes make the seekers' COPY text; 1 means the loading process does, as it does
    whenever the database is not PostgreSQL (executemany has no text to make)."""
    if dialect != "postgresql":
        return 1
    if requested is not None:
        return requested
    return (os.cpu_count() or 1) if seekers >= PARALLEL_FROM else 1


# ---------------------------------------------------------------------------- seekers and conditions


def _load_seekers(engine: Engine, count: int, seed: int, start: int, today: date, chunk_size: int,
                  progress: Progress, profile: str, workers: int) -> tuple[int, int]:
    if workers > 1:
        return _copy_seekers_in_parallel(engine, count, seed, start, today, chunk_size, progress, profile, workers)
    write = _copy_seekers if engine.dialect.name == "postgresql" else _insert_seekers_and_conditions
    registered = saved = 0
    groups = (group for _index, group in condition_groups(seed, start, profile=profile))
    records = zip(seeker_records(count, seed=seed, start=start, today=today), groups)
    for chunk in _chunks(records, chunk_size):
        now = datetime.now(UTC)
        with _conflicts_reported("seekers", start), engine.begin() as conn:
            saved += write(conn, chunk, now, progress, chunk_size)
        registered += len(chunk)
    return registered, saved


def _insert_seekers_and_conditions(conn: Connection, chunk: list, now: datetime, progress: Progress,
                                   chunk_size: int) -> int:
    """Executemany: the seekers, their ids read back, then their conditions. Returns the saved searches."""
    saved = 0
    ids = _insert_seekers(conn, [_seeker_row(record, now) for record, _ in chunk])
    progress("seeker", len(ids))
    rows = (_condition_row(seeker_id, condition, now)
            for seeker_id, (_, group) in zip(ids, chunk, strict=True) for condition in group)
    for condition_chunk in _chunks(rows, chunk_size):
        conn.execute(insert(Condition.__table__), condition_chunk)
        saved += sum(row["kind"] == "saved" for row in condition_chunk)
        progress("condition", len(condition_chunk))
    return saved


def _copy_seekers(conn: Connection, chunk: list, now: datetime, progress: Progress, chunk_size: int) -> int:
    """COPY: the seekers under ids reserved from their sequence, then their conditions naming those
    ids — no read-back. Returns the saved searches."""
    ids = copy.reserve_ids(conn, Seeker.__tablename__, len(chunk))
    return _copy_chunk(conn, len(chunk), seeker_chunk(chunk, ids, now.isoformat()), progress, chunk_size)


def _copy_seekers_in_parallel(engine: Engine, count: int, seed: int, start: int, today: date, chunk_size: int,
                              progress: Progress, profile: str, workers: int) -> tuple[int, int]:
    """COPY, the text made by ``workers`` processes: one transaction per generator block."""
    registered = saved = 0
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as sequence:
        chunks = parallel.seeker_chunks(seed, start, count, today=today, profile=profile, workers=workers,
                                        reserve_ids=lambda n: copy.reserve_ids(sequence, Seeker.__tablename__, n))
        for size, chunk in chunks:
            with _conflicts_reported("seekers", start), engine.begin() as conn:
                saved += _copy_chunk(conn, size, chunk, progress, chunk_size)
            registered += size
    return registered, saved


def _copy_chunk(conn: Connection, seekers: int, chunk: SeekerChunk, progress: Progress, chunk_size: int) -> int:
    copy.copy_text(conn, Seeker.__tablename__, SEEKER_COLUMNS, chunk.seekers)
    _report(progress, "seeker", seekers, chunk_size)
    copy.copy_text(conn, Condition.__tablename__, CONDITION_COLUMNS, chunk.conditions)
    _report(progress, "condition", chunk.condition_count, chunk_size)
    return chunk.saved_searches


def _report(progress: Progress, table: str, rows: int, chunk_size: int) -> None:
    """Progress in steps of at most chunk_size rows, however the rows were written."""
    for done in range(0, rows, chunk_size):
        progress(table, min(chunk_size, rows - done))


def _insert_seekers(conn: Connection, rows: list[dict]) -> list[int]:
    """Insert a chunk of seekers and return their ids in the rows' order. A plain executemany plus one
    lookup by 求職番号 is portable and fast; INSERT … RETURNING in parameter order falls back to one
    statement per row on SQLite."""
    table = Seeker.__table__
    conn.execute(insert(table), rows)
    numbers = [row["seeker_number"] for row in rows]
    ids = dict(conn.execute(select(table.c.seeker_number, table.c.id).where(table.c.seeker_number.in_(numbers))).all())
    return [ids[number] for number in numbers]


def _seeker_row(record: dict, now: datetime) -> dict:
    row = dict(record, password_hash=None, created_at=now, updated_at=now)
    for key in _SEEKER_DATES:
        row[key] = date.fromisoformat(row[key]) if row[key] else None
    for key in _SEEKER_TIMES:
        row[key] = datetime.fromisoformat(row[key]) if row[key] else None
    return row


def _condition_row(seeker_id: int, condition: GeneratedCondition, now: datetime) -> dict:
    return dict(condition.fields, seeker_id=seeker_id, name=condition.name, notify=condition.notify,
                created_at=now, updated_at=now)


# ---------------------------------------------------------------------------- job offers


def _load_job_offers(engine: Engine, count: int, seed: int, start: int, today: date, pending: int,
                     chunk_size: int, progress: Progress, profile: str) -> int:
    use_copy = engine.dialect.name == "postgresql"
    first_pending = count - pending
    made_pending = 0
    records = job_offer_records(count, seed=seed, start=start, today=today, profile=profile)
    for number, chunk in enumerate(_chunks(records, chunk_size)):
        now = datetime.now(UTC)
        rows = []
        for offset, record in enumerate(chunk):
            is_pending = number * chunk_size + offset >= first_pending
            made_pending += is_pending
            rows.append(_job_offer_row(record, now, today, is_pending))
        with _conflicts_reported("job offers", start), engine.begin() as conn:
            if use_copy:
                copy.copy_rows(conn, JobOffer.__tablename__, _JOB_OFFER_COLUMNS,
                               ([*[json_text(row[key]) if key in copy.JOB_OFFER_JSON else row[key]
                                   for key in copy.JOB_OFFER_FIELDS], row["matching_status"], row["matched_at"],
                                 row["created_at"]] for row in rows))
            else:
                conn.execute(insert(JobOffer.__table__), rows)
        progress("job_offer", len(rows))
    return made_pending


_JOB_OFFER_COLUMNS = (*copy.JOB_OFFER_FIELDS, "matching_status", "matched_at", "created_at")


def _job_offer_row(record: dict, now: datetime, today: date, pending: bool) -> dict:
    row = dict(record, created_at=now)
    if pending:  # a new offer, posted today, that the matcher has not seen yet
        row.update(received_on=today, referral_deadline=end_of_month_after_next(today),
                   matching_status=MatchingStatus.PENDING.value, matched_at=None)
    else:
        row.update(received_on=date.fromisoformat(record["received_on"]),
                   referral_deadline=date.fromisoformat(record["referral_deadline"]),
                   matching_status=MatchingStatus.MATCHED.value, matched_at=now)
    return row


# ---------------------------------------------------------------------------- helpers


def _chunks(items: Iterable, size: int) -> Iterable[list]:
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@contextmanager
def _conflicts_reported(what: str, start: int) -> Iterator[None]:
    """Turns a unique-key violation into a SeedConflict that says what happened and what to do."""
    try:
        yield
    except IntegrityError as exc:
        raise SeedConflict(
            f"seeding {what} hit an existing number (this run continued numbering at index {start}); "
            "rows were deleted or written by something else since the last seed. Chunks committed "
            "before this one stay; seed into an empty database to start afresh."
        ) from exc

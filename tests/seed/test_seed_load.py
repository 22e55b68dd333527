"""seed_database streams seekers, their conditions and job offers into SQLite and PostgreSQL."""

from __future__ import annotations

import tracemalloc
from datetime import date
from itertools import islice

import pytest
from sqlalchemy import case, delete, event, func, insert, select, text

from worker.db import create_schema, make_engine
from worker.domain.models import Condition, JobOffer, Seeker
from worker.seed.generate import BLOCK, condition_groups, seeker_records
from worker.seed.load import SeedConflict, seed_database

TODAY = date(2025, 11, 25)


def _count(engine, model, *where) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def test_seeding_inserts_the_seekers_their_conditions_and_the_job_offers(engine):
    calls: list[tuple[str, int]] = []
    report = seed_database(engine, seekers=120, jobs=90, seed=5, today=TODAY, chunk_size=50,
                           progress=lambda table, rows: calls.append((table, rows)))

    assert _count(engine, Seeker) == 120 and _count(engine, JobOffer) == 90
    assert _count(engine, Condition) == report.conditions == report.registered_conditions + report.saved_searches
    assert report.registered_conditions == 120 and _count(engine, Condition, Condition.kind == "registered") == 120
    assert sum(rows for table, rows in calls if table == "seeker") == 120
    assert sum(rows for table, rows in calls if table == "condition") == report.conditions
    assert sum(rows for table, rows in calls if table == "job_offer") == 90
    assert max(rows for _table, rows in calls) <= 50  # one statement per chunk, never all rows at once


def test_every_seeker_has_one_registered_condition_and_at_most_three_saved_searches(engine):
    seed_database(engine, seekers=80, jobs=0, seed=6, today=TODAY, chunk_size=30)
    with engine.connect() as conn:
        per_seeker = conn.execute(
            select(Seeker.id, func.sum(case((Condition.kind == "registered", 1), else_=0)),
                   func.sum(case((Condition.kind == "saved", 1), else_=0)))
            .join(Condition, Condition.seeker_id == Seeker.id).group_by(Seeker.id)
        ).all()
        notify = conn.execute(select(func.count()).where(Condition.notify.is_(True))).scalar_one()
        registered_notify = conn.execute(
            select(func.count()).where(Condition.notify.is_(True), Condition.kind == "registered")).scalar_one()
    assert len(per_seeker) == 80
    assert all(registered == 1 and saved <= 3 for _id, registered, saved in per_seeker)
    assert notify > 0 and registered_notify == 0  # only saved searches mail new offers


def test_seeded_rows_keep_the_generated_values(engine):
    seed_database(engine, seekers=10, jobs=10, seed=8, today=TODAY)
    with engine.connect() as conn:
        seeker = conn.execute(select(Seeker).order_by(Seeker.id).limit(1)).one()
        condition = conn.execute(select(Condition).where(Condition.seeker_id == seeker.id,
                                                         Condition.kind == "registered")).one()
        offer = conn.execute(select(JobOffer).order_by(JobOffer.id).limit(1)).one()
    assert seeker.email_normalized.endswith((".jp", ".com", ".net", ".org")) and isinstance(seeker.birth_date, date)
    assert seeker.registration_status in ("valid", "invalid") and isinstance(seeker.work_history, list)
    assert isinstance(condition.prefecture_codes, list) and condition.name == ""
    assert offer.matching_status == "matched" and offer.matched_at is not None
    assert isinstance(offer.received_on, date) and offer.referral_deadline > offer.received_on


def test_the_last_offers_can_be_left_pending_as_new_offers_of_today(engine):
    report = seed_database(engine, seekers=0, jobs=30, seed=9, today=TODAY, new_jobs_pending=7, chunk_size=10)
    assert report.pending_job_offers == 7
    assert _count(engine, JobOffer, JobOffer.matching_status == "pending", JobOffer.received_on == TODAY) == 7
    assert _count(engine, JobOffer, JobOffer.matching_status == "matched") == 23


def test_a_second_run_continues_numbering_and_adds_distinct_rows(engine):
    first = seed_database(engine, seekers=40, jobs=40, seed=1, today=TODAY)
    second = seed_database(engine, seekers=40, jobs=40, seed=1, today=TODAY)
    assert (second.first_seeker_index, second.first_job_index) == (40, 40) and first.first_seeker_index == 0
    assert _count(engine, Seeker) == 80 and _count(engine, JobOffer) == 80
    with engine.connect() as conn:
        assert conn.execute(select(func.count(func.distinct(Seeker.seeker_number)))).scalar_one() == 80


def test_a_number_already_taken_stops_the_run_with_a_clear_error(engine):
    seed_database(engine, seekers=10, jobs=0, seed=1, today=TODAY)
    with engine.begin() as conn:  # a deleted row makes the count, and so the next index, fall behind
        conn.execute(delete(Seeker).where(Seeker.id == select(func.min(Seeker.id)).scalar_subquery()))
    with pytest.raises(SeedConflict, match="existing number"):
        seed_database(engine, seekers=5, jobs=0, seed=1, today=TODAY)
    assert _count(engine, Seeker) == 9


def test_streaming_keeps_memory_flat_as_the_number_of_seekers_grows(tmp_path):
    def peak(seekers: int) -> int:
        engine = make_engine(f"sqlite:///{tmp_path / f'{seekers}.db'}")
        create_schema(engine)
        seed_database(engine, seekers=50, jobs=50, seed=2, today=TODAY, chunk_size=100)  # warm caches
        tracemalloc.start()
        try:
            seed_database(engine, seekers=seekers, jobs=seekers, seed=2, today=TODAY, chunk_size=100)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
            engine.dispose()

    small, large = peak(400), peak(1600)
    assert large < 1.5 * small  # four times the rows, about the same peak: chunks, not lists of all rows


# ---------------------------------------------------------------------------- PostgreSQL: COPY

# The engine fixture (empty tables, sequences restarted) on PostgreSQL only: these are about COPY.
on_postgresql = pytest.mark.parametrize("engine", [pytest.param("postgresql", marks=pytest.mark.postgres)],
                                        indirect=True)


def _rows(engine, model, *, skip=("created_at", "updated_at", "matched_at")) -> list[tuple]:
    table = model.__table__
    columns = [column for column in table.c if column.name not in skip]
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(select(*columns).order_by(table.c.id))]


@on_postgresql
def test_postgresql_copy_writes_the_same_rows_as_sqlite_executemany(engine, tmp_path):
    sqlite = make_engine(f"sqlite:///{tmp_path / 'seed.db'}")
    create_schema(sqlite)
    postgres = engine
    try:
        for target in (sqlite, postgres):  # two runs each: the second continues numbering
            for _ in range(2):
                seed_database(target, seekers=70, jobs=25, seed=4, today=TODAY, chunk_size=30, new_jobs_pending=5)
        for model in (Seeker, Condition, JobOffer):
            assert _rows(postgres, model) == _rows(sqlite, model), model.__tablename__
        assert len(_rows(postgres, Seeker)) == 140 and len(_rows(postgres, JobOffer)) == 50
    finally:
        sqlite.dispose()


@on_postgresql
def test_postgresql_rows_go_in_with_copy_not_insert_statements(engine):
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        report = seed_database(engine, seekers=30, jobs=10, seed=3, today=TODAY, chunk_size=10)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert report.conditions > 30 and _count(engine, Condition) >= report.conditions
    assert not [s for s in statements if s.lstrip().upper().startswith("INSERT")]
    # Ids come from the sequence in one query per chunk, not from reading the seekers back.
    assert not [s for s in statements if "seeker_number" in s]


@on_postgresql
def test_seeded_ids_come_from_the_sequence_so_later_inserts_do_not_collide(engine):
    seed_database(engine, seekers=12, jobs=3, seed=3, today=TODAY)
    seeker = Seeker.__table__
    with engine.begin() as conn:  # what the site does: an insert taking the default id
        new_id = conn.execute(insert(seeker).values(seeker_number="99999-99999999", work_history=[], qualifications=[])
                              .returning(seeker.c.id)).scalar_one()
        top = conn.execute(select(func.max(Condition.seeker_id))).scalar_one()
    assert new_id > top


@on_postgresql
def test_a_conflict_in_a_copied_chunk_leaves_nothing_of_that_chunk(engine):
    taken = next(seeker_records(1, seed=1, start=7, today=TODAY))["seeker_number"]
    with engine.begin() as conn:  # one row already there: the run starts at index 1 and meets it at 7
        conn.execute(insert(Seeker.__table__).values(seeker_number=taken, work_history=[], qualifications=[]))
    with pytest.raises(SeedConflict, match="existing number"):
        seed_database(engine, seekers=10, jobs=0, seed=1, today=TODAY, chunk_size=3)
    # Chunks [1-3] and [4-6] stay; chunk [7-9] went in as one transaction and is gone, conditions too.
    expected = sum(len(group) for _i, group in islice(condition_groups(1, 1), 6))
    assert _count(engine, Seeker) == 1 + 6 and _count(engine, Condition) == expected


@on_postgresql
def test_worker_processes_write_the_same_rows_as_one_process(engine):
    """A rerun starting mid-block (index 100) across a block boundary: the worker processes make one
    chunk per block, handed back in order, with the same seekers, ids and conditions."""
    def seed_twice(workers: int, calls: list) -> dict:
        seed_database(engine, seekers=100, jobs=0, seed=2, today=TODAY, workers=1)
        seed_database(engine, seekers=BLOCK, jobs=0, seed=2, today=TODAY, workers=workers, chunk_size=1000,
                      progress=lambda table, rows: calls.append((table, rows)))
        return {model: _rows(engine, model) for model in (Seeker, Condition)}

    one = seed_twice(1, [])
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE seeker, condition RESTART IDENTITY CASCADE"))
    calls: list[tuple[str, int]] = []
    assert seed_twice(2, calls) == one
    assert sum(rows for table, rows in calls if table == "seeker") == BLOCK
    assert sum(rows for table, rows in calls if table == "condition") == len(one[Condition]) - _conditions_of(100)
    assert max(rows for _table, rows in calls) <= 1000


def _conditions_of(seekers: int) -> int:
    return sum(len(group) for _i, group in islice(condition_groups(2), seekers))

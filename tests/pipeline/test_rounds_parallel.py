"""Rounds whose seeker windows are shared between processes, and the locks that keep two rounds
at once from choosing twice for one seeker."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel import Session

from worker.pipeline import rounds

from .conftest import DAYTIME
from .test_rounds import five_seekers_and_one_pass


def test_windows_sit_on_fixed_boundaries_whatever_the_lowest_seeker():
    assert rounds.windows(7, 25, 10) == [range(0, 10), range(10, 20), range(20, 30)]
    assert rounds.windows(10, 10, 10) == [range(10, 20)]


@pytest.mark.postgres
def test_a_round_in_two_processes_chooses_what_one_pass_chooses(world, settings, monkeypatch):
    if world.engine.dialect.name != "postgresql":
        pytest.skip("processes are for PostgreSQL; SQLite has one writer")
    pools = []

    class Pool(rounds.ProcessPoolExecutor):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            pools.append(kwargs["max_workers"])

    monkeypatch.setattr(rounds, "ProcessPoolExecutor", Pool)
    settings, seekers, expected = five_seekers_and_one_pass(world, settings)

    report = rounds.round_now(world.engine, settings.model_copy(update={"round_seekers": 2, "round_processes": 2}),
                              now=DAYTIME)

    assert pools == [2]
    assert sorted((i.seeker_id, i.job_offer_id) for i in world.inbox()) == expected
    assert report.inbox_items == 10 and report.seekers == set(seekers) and report.mails_queued == 5


@pytest.mark.postgres
def test_a_window_holds_its_blocks_of_seekers_and_keeps_a_whole_round_out(world):
    if world.engine.dialect.name != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's")
    holder = Session(world.engine)
    rounds._lock(holder, range(0, 50_000))  # blocks 0–4, held until the transaction ends
    try:
        with world.engine.connect() as other:
            def free(*keys) -> bool:
                args = ", ".join(str(k) for k in keys)
                with other.begin():
                    return other.execute(text(f"SELECT pg_try_advisory_xact_lock({args})")).scalar_one()

            assert not free(rounds.ROUND_LOCK, 4)  # a window of another size over seeker 45,000 waits
            assert free(rounds.ROUND_LOCK, 5)  # the next window does not
            assert not free(rounds.ROUND_LOCK)  # nor may a round over every seeker start
            with other.begin():
                assert other.execute(text(f"SELECT pg_try_advisory_xact_lock_shared({rounds.ROUND_LOCK})")).scalar_one()
    finally:
        holder.rollback()
        holder.close()

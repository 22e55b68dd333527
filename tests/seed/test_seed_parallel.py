"""Worker processes for the seekers' COPY text: block-sized chunks, in order, a bounded window ahead."""

from __future__ import annotations

from datetime import date

from worker.seed import load, parallel
from worker.seed.generate import BLOCK

TODAY = date(2025, 11, 25)


def test_chunks_are_cut_at_block_boundaries_so_no_block_is_made_twice():
    assert list(parallel.block_ranges(100, 2 * BLOCK)) == [(100, BLOCK - 100), (BLOCK, BLOCK), (2 * BLOCK, 100)]
    assert list(parallel.block_ranges(0, 5)) == [(0, 5)]
    assert list(parallel.block_ranges(7, 0)) == []


def test_worker_processes_work_at_most_a_few_chunks_ahead_of_the_loader():
    """Flat memory: the loader takes the first chunk before more than 2 × workers + 1 were handed out,
    however many the run has."""
    reserved: list[int] = []

    def reserve_ids(n: int) -> list[int]:
        reserved.append(n)
        return list(range(sum(reserved) - n + 1, sum(reserved) + 1))

    chunks = parallel.seeker_chunks(1, BLOCK - 3, 40 * BLOCK, today=TODAY, profile="realistic",
                                    reserve_ids=reserve_ids, workers=1)
    size, first = next(chunks)
    chunks.close()
    assert size == 3 and first.seekers.count(b"\n") == 3
    assert len(reserved) == 3


def test_worker_processes_start_only_for_large_runs_on_postgresql(monkeypatch):
    monkeypatch.setattr(load.os, "cpu_count", lambda: 2)
    assert load.worker_count("postgresql", load.PARALLEL_FROM, None) == 2
    assert load.worker_count("postgresql", load.PARALLEL_FROM - 1, None) == 1  # spawning costs more than it saves
    assert load.worker_count("postgresql", 10, 3) == 3
    assert load.worker_count("sqlite", load.PARALLEL_FROM, None) == load.worker_count("sqlite", 10, 3) == 1

"""Seekers' COPY text made in worker processes, handed back in order, a few chunks ahead.

Generating a seeker and their conditions costs far more than PostgreSQL takes to store them, and the
generator is deterministic per block of ``BLOCK`` indices (:mod:`worker.seed.generate`), so blocks can
be made anywhere: each worker process makes whole chunks (a block, or the part of one a run covers) as
COPY text, and the loading process only writes them. At most ``2 × workers`` chunks are in flight, so
memory stays flat however many seekers a run adds (a chunk is ~4 MB of text).

Worker processes are spawned, not forked: the loading process may have threads (a progress bar, a
connection pool) that a fork would copy mid-state.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import UTC, date, datetime
from multiprocessing import get_context

from worker.seed.copytext import SeekerChunk, seeker_chunk
from worker.seed.generate import BLOCK, condition_groups, seeker_records


def block_ranges(start: int, count: int) -> Iterator[tuple[int, int]]:
    """(first index, size) covering start .. start + count - 1, cut at block boundaries, so no chunk
    makes a block's records only to drop them."""
    end = start + count
    first = start
    while first < end:
        last = min((first // BLOCK + 1) * BLOCK, end)
        yield first, last - first
        first = last


def make_chunk(seed: int, start: int, count: int, today: date, profile: str, ids: list[int],
               stamp: str) -> SeekerChunk:
    """Seekers start .. start + count - 1 and their conditions, under ``ids``, as COPY text."""
    groups = (group for _index, group in condition_groups(seed, start, profile=profile))
    records = zip(seeker_records(count, seed=seed, start=start, today=today), groups)
    return seeker_chunk(records, ids, stamp)


def seeker_chunks(seed: int, start: int, count: int, *, today: date, profile: str,
                  reserve_ids: Callable[[int], list[int]], workers: int) -> Iterator[tuple[int, SeekerChunk]]:
    """(seekers, chunk) for every block range of the run, in index order, made by ``workers``
    processes. ``reserve_ids(n)`` gives the ids of a chunk's seekers when it is handed out."""
    ahead = 2 * workers
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        pending: deque[tuple[int, Future]] = deque()
        try:
            for first, size in block_ranges(start, count):
                stamp = datetime.now(UTC).isoformat()
                pending.append((size, pool.submit(make_chunk, seed, first, size, today, profile,
                                                  reserve_ids(size), stamp)))
                if len(pending) > ahead:
                    size, future = pending.popleft()
                    yield size, future.result()
            while pending:
                size, future = pending.popleft()
                yield size, future.result()
        finally:  # the loader stopped (a conflict): drop the chunks not started
            for _size, future in pending:
                future.cancel()

"""``worker.bench.pipeline``: a tiny batch through real worker processes on PostgreSQL and Redis,
then one round whose seeker windows are shared between two processes."""

from __future__ import annotations

import pytest

from tests.conftest import POSTGRES_ADMIN_URL, require_service
from worker.bench import pipeline

KEYS = {"candidates", "candidates_per_s", "matches", "matches_per_s", "left_out", "match_s", "round_s", "inbox_items",
        "mails_queued", "max_items_per_seeker_day", "end_to_end_s", "round_processes", "met"}


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.slow
def test_a_small_batch_is_matched_and_chosen_in_a_round_of_two_processes(redis_url, monkeypatch):
    require_service("PostgreSQL", "127.0.0.1", 5432)
    monkeypatch.setenv("MYPAGE_ROUND_SEEKERS", "64")  # five windows of the 300 seekers
    result = pipeline.run(offers=20, seekers=300, processes=1, threads=2, round_processes=2,
                          postgres_url=POSTGRES_ADMIN_URL, redis_url=redis_url, timeout_s=60, profile="dense")

    assert KEYS <= set(result)
    assert result["offers_left_pending"] == 0 and result["round_processes"] == 2
    assert result["round_processes_cpu_s"] > 0  # the round ran in the two processes, not in the bench's own
    assert result["candidates"] > 0 and result["inbox_items"] > 0 and result["mails_queued"] > 0
    assert result["max_items_per_seeker_day"] <= result["budget"]

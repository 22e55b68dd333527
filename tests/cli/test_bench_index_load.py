"""``mypage-worker bench-index-load``: one JSON object with the load's seconds, CPU seconds,
conditions and peak memory. Run here on tiny data: the contract of the output, not the speed."""

from __future__ import annotations

import json

import pytest

from worker.cli import main

KEYS = {"conditions", "seconds", "cpu_s", "peak_rss_mb", "conditions_per_s", "target_s", "met", "shards", "shard"}


def bench(capsys, postgres_url, *extra: str) -> tuple[int, dict]:
    code = main(["bench-index-load", "--conditions", "300", "--postgres", postgres_url, "--json", *extra])
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.postgres
def test_the_benchmark_loads_a_seeded_database_and_prints_one_json_object(capsys, postgres_url):
    code, result = bench(capsys, postgres_url)

    assert code == 0 and result["met"] is True
    assert KEYS <= set(result)
    assert 200 <= result["conditions"] <= result["seeded_conditions"]  # only the recommendable ones load
    assert result["cpu_s"] > 0 and result["peak_rss_mb"] > 0


@pytest.mark.postgres
def test_a_shard_loads_its_own_part(capsys, postgres_url):
    code, result = bench(capsys, postgres_url, "--shards", "3", "--shard", "2")

    assert code == 0
    assert (result["shards"], result["shard"]) == (3, 2)
    assert 0 < result["conditions"] < result["seeded_conditions"] / 2


def test_a_shard_outside_the_shards_is_refused_in_one_line(capsys):
    assert main(["bench-index-load", "--shards", "2", "--shard", "2"]) == 2
    assert capsys.readouterr().err.strip() == \
        "mypage-worker bench-index-load: --shard 2 is not a shard of --shards 2 (0 to 1)"

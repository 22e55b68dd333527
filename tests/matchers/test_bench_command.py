"""``mypage-worker bench``: one command, one JSON object with every number the issue asks for.
Run here on tiny data: it checks the contract of the output, not the speed."""

from __future__ import annotations

import json

import psycopg
import pytest

from worker.cli import main

KEYS = {"build_s", "p50_ms", "p99_ms", "jobs_per_s", "matches_per_s", "peak_rss_mb", "reference_speedup",
        "postgres_speedup", "identical", "n_conditions", "n_jobs", "machine"}


def bench(capsys, *extra: str) -> tuple[int, dict]:
    code = main(["bench", "--conditions", "400", "--jobs", "15", "--reference-sample", "5", "--json", *extra])
    out = capsys.readouterr().out
    return code, json.loads(out)


def test_the_benchmark_prints_one_json_object_with_every_number(capsys):
    code, result = bench(capsys)
    assert code == 0
    assert KEYS <= set(result)
    assert result["identical"] is True
    assert result["postgres_speedup"] is None  # no --postgres
    assert (result["n_conditions"], result["n_jobs"], result["reference_sample"]) == (400, 15, 5)
    assert result["reference_speedup"] > 0 and result["matches_per_s"] >= 0
    assert result["machine"]["cpus"] >= 1


def test_the_postgres_baseline_agrees_and_leaves_no_schema_behind(capsys, postgres_url):
    code, result = bench(capsys, "--postgres", postgres_url, "--postgres-jobs", "10")
    assert code == 0
    assert result["identical"] is True
    assert result["postgres_jobs"] == 10 and result["postgres_speedup"] > 0
    with psycopg.connect(postgres_url) as conn:
        schemas = conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'bench_matching_%'").fetchall()
    assert schemas == []


@pytest.mark.parametrize("argument, value", [("--jobs", "0"), ("--jobs", "-3"), ("--conditions", "-1"),
                                             ("--reference-sample", "-1")])
def test_a_count_the_benchmark_cannot_run_with_is_refused_with_a_usage_message(capsys, argument, value):
    with pytest.raises(SystemExit) as exited:
        main(["bench", argument, value, "--json"])
    assert exited.value.code == 2
    assert argument in capsys.readouterr().err


def test_the_benchmark_runs_the_realistic_data_by_default_and_the_dense_on_request(capsys):
    _, realistic = bench(capsys)
    code, dense = bench(capsys, "--profile", "dense")
    assert code == 0 and dense["identical"] is True
    assert (realistic["profile"], dense["profile"]) == ("realistic", "dense")
    assert dense["matches_per_job"] > realistic["matches_per_job"]

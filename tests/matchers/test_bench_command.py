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
    # The ratio is the reference's time on the sample over the index's (the median of its passes).
    ratio = result["reference_ms_per_job"] / result["index_sample_ms_per_job"]
    assert result["reference_speedup"] == pytest.approx(ratio, rel=0.05)
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


def test_the_keywords_only_benchmark_keeps_every_number_and_agrees_with_the_reference(capsys):
    code, result = bench(capsys, "--keywords-only")
    assert code == 0
    assert KEYS <= set(result)
    assert result["keywords_only"] is True and result["profile"] == "keywords-only"
    assert result["identical"] is True
    assert result["matches_per_job"] > 0  # the shipped job words do hit the offers' texts


def test_keywords_only_conditions_hold_one_to_three_words_and_nothing_else():
    from matchers import parse_condition
    from worker.seed import keyword_only

    conditions = [parse_condition(record) for record in keyword_only.condition_records(300, seed=1)]
    assert all(1 <= len(c.keywords) <= 3 for c in conditions)
    assert {len(c.keywords) for c in conditions} == {1, 2, 3}
    assert all(not (c.exclude_keywords or c.prefecture_codes or c.municipality_codes or c.occupation_codes
                    or c.employment_forms or c.wage_type or c.wage_min) for c in conditions)
    assert set().union(*(c.keywords for c in conditions)) <= set(keyword_only.vocabulary())


def test_keywords_only_offers_have_descriptions_of_40_to_60_words():
    from worker.seed import keyword_only

    counts = [len(keyword_only.words(o["description"])) for o in keyword_only.job_offer_records(200, seed=1)]
    assert min(counts) >= 40 and max(counts) <= 60 and len(set(counts)) > 10


def test_a_word_of_a_japanese_description_is_a_run_of_one_script():
    from worker.seed.keyword_only import words

    assert words("オフィスビルや商業ビル、電力設備の管理を行う。CAD") == [
        "オフィスビル", "や", "商業", "ビル", "電力設備", "の", "管理", "を", "行", "う", "CAD"]

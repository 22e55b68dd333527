"""``mypage-worker import-jobs FILE.jsonl``."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from worker.actors.broker import connect
from worker.cli import main
from worker.config import load_settings
from worker.domain.models import JobOffer

GOOD = {"job_number": "13010-00000001", "title": "介護職員", "prefecture_code": "13"}


def offers(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(JobOffer)
                            .where(JobOffer.matching_status == "pending")).scalar_one()


def test_bad_lines_are_reported_by_file_and_line_and_the_good_ones_imported(engine, cli_env, tmp_path, capsys):
    path = tmp_path / "jobs.jsonl"
    path.write_text(json.dumps(GOOD) + "\n" + json.dumps({**GOOD, "job_number": "13010-00000002",
                                                          "prefecture_code": "99"}) + "\n", encoding="utf-8")

    assert main(["import-jobs", str(path)]) == 1

    captured = capsys.readouterr()
    assert f"{path}:2: prefecture_code: " in captured.err
    assert "offers imported" in captured.out and offers(engine) == 1


def test_a_clean_file_exits_zero_and_the_workers_get_their_hints(engine, cli_env, tmp_path, redis_url, capsys):
    cli_env.setenv("MYPAGE_REDIS_URL", redis_url)
    path = tmp_path / "jobs.jsonl"
    path.write_text(json.dumps(GOOD) + "\n", encoding="utf-8")

    assert main(["import-jobs", str(path)]) == 0

    assert connect(load_settings()).queue_depths()["matching"] == 1
    assert "hints sent to the workers" in capsys.readouterr().out


def test_a_line_that_is_not_utf8_is_reported_by_line_and_the_good_ones_imported(engine, cli_env, tmp_path, capsys):
    path = tmp_path / "jobs.jsonl"
    path.write_bytes(b'{"job_number": "13010-00000002", "title": "\xff\xfe", "prefecture_code": "13"}\n'
                     + json.dumps(GOOD, ensure_ascii=False).encode("utf-8") + b"\n")

    assert main(["import-jobs", str(path)]) == 1

    captured = capsys.readouterr()
    assert f"{path}:1: " in captured.err and "UTF-8" in captured.err
    assert offers(engine) == 1

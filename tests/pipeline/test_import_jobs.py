"""Importing job offers from the matchers' JSONL contract."""

from __future__ import annotations

import json

from worker.pipeline.import_jobs import import_jobs


def job(number, **fields):
    return {"job_number": number, "title": "介護職員", "prefecture_code": "13", **fields}


def test_good_lines_are_stored_pending_and_bad_ones_reported_by_line(world, tmp_path):
    path = tmp_path / "jobs.jsonl"
    lines = [
        json.dumps(job("13010-00000001", wage_type="monthly", wage_min=200000, industry_code="85")),
        "{not json",
        json.dumps(job("13010-00000002", prefecture_code="48")),
        "",
        json.dumps(job("bad-number")),
        json.dumps(job("13010-00000003", referral_deadline="2025-08-31")),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    report = import_jobs(world.engine, path)

    assert [(r.line, r.field) for r in report.rejected] == [(2, "(json)"), (3, "prefecture_code"), (5, "job_number")]
    assert report.imported == 2 and len(report.pending_ids) == 2
    assert all(r.reason for r in report.rejected)


def test_importing_the_same_file_again_adds_nothing(world, tmp_path):
    path = tmp_path / "jobs.jsonl"
    path.write_text(json.dumps(job("13010-00000001")) + "\n", encoding="utf-8")
    import_jobs(world.engine, path)

    again = import_jobs(world.engine, path)

    assert (again.imported, again.already_present) == (0, 1)

"""Importing job offers from the matchers' JSONL contract."""

from __future__ import annotations

import json

import pytest

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


def test_a_row_the_database_refuses_costs_that_row_only_not_its_batch(world, tmp_path):
    # The schema lets nothing through that PostgreSQL refuses; should something slip past it, the
    # batch is retried row by row. A NUL (which PostgreSQL text cannot hold) is put past the schema.
    from sqlalchemy import select

    from matchers.parsing import job_record
    from worker.domain.models import JobOffer
    from worker.pipeline.import_jobs import ImportReport, _store, job_offer_row

    if world.engine.dialect.name != "postgresql":
        pytest.skip("SQLite stores a NUL in text; only PostgreSQL refuses the row")
    rows = [job_offer_row(job_record(job(f"13010-0000000{n}"))) for n in range(1, 4)]
    rows[1]["title"] = "介護\x00職員"
    report = ImportReport()

    _store(world.engine, list(enumerate(rows, start=1)), report)

    assert [(r.line, r.field) for r in report.rejected] == [(2, "(database)")]
    with world.engine.connect() as conn:
        assert set(conn.execute(select(JobOffer.job_number)).scalars()) == {"13010-00000001", "13010-00000003"}
    assert report.imported == 2 and len(report.pending_ids) == 2


def test_an_offer_without_a_referral_deadline_closes_at_the_end_of_the_month_after_next(world, tmp_path):
    # Without a deadline an offer would stay open for ever, and with it the record of every
    # recommendation made of it (kept while the offer is open so it is never made twice).
    from datetime import date

    from sqlalchemy import select

    from worker.domain.models import JobOffer

    path = tmp_path / "jobs.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in (
        job("13010-00000001", received_on="2026-11-20"),
        job("13010-00000002", received_on="2026-12-01", referral_deadline="2026-12-20"),
    )) + "\n", encoding="utf-8")

    import_jobs(world.engine, path)

    with world.engine.connect() as conn:
        deadlines = dict(conn.execute(select(JobOffer.job_number, JobOffer.referral_deadline)).all())
    assert deadlines == {"13010-00000001": date(2027, 1, 31), "13010-00000002": date(2026, 12, 20)}

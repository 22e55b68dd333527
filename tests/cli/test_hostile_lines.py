"""Hostile lines in the JSONL files of ``import-jobs`` and ``match``: each is one
``FILE:LINE: field: reason``, the good lines around it go through, the exit status is 1 — never a
traceback, never a lost transaction."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from sqlalchemy import select

from matchers.vocabulary import MAX_LINE_BYTES
from worker.cli import main
from worker.domain.models import JobOffer


def job(serial: int, **fields) -> dict:
    return {"job_number": f"13010-{serial:08d}", "title": "介護職員", "prefecture_code": "13", **fields}


def encoded(record: dict) -> bytes:
    return json.dumps(record, ensure_ascii=False).encode("utf-8")


# (line as bytes, the field its error names): each would have ended the run, or worse, before.
HOSTILE = [
    (b"[" * 100_000 + b"]" * 100_000, "(json)"),  # RecursionError in json.loads
    (b'{"job_number": "13010-00000102", "title": "x", "prefecture_code": "13", "wage_min": ' + b"9" * 5000 + b"}",
     "(json)"),  # ValueError: more digits than int() converts
    (encoded(job(103, title="介護\u0000職員")), "title"),  # PostgreSQL: DataError, the batch lost
    (encoded(job(104, description="仕事\u0000内容")), "description"),
    (encoded(job(105, licenses=["普通自動車免許\u0000"])), "licenses"),
    (b'{"job_number": "13010-00000106", "title": "\\ud800", "prefecture_code": "13"}', "title"),  # lone surrogate
    (encoded(job(107, title="\u001b[31m介護")), "title"),  # a terminal escape
    (b'{"job_number": "13010-00000108", "title": "a", "title": "b", "prefecture_code": "13"}', "(json)"),  # twice
    (b'{"job_number": "13010-00000109", "title": "x", "prefecture_code": "13", "wage_min": 1e400}', "(json)"),
    (b'{"job_number": "13010-00000110", "title": "x", "prefecture_code": "13", "wage_min": NaN}', "(json)"),
    (b'{"job_number": "13010-00000111", "title": "x", "prefecture_code": "13", "wage_max": -Infinity}', "(json)"),
    (b"[1, 2, 3]", "(record)"),  # JSON, not an object
    (b'"a string"', "(record)"),
    (b"null", "(record)"),
    (encoded(job(115, prefecture_code="１３")), "prefecture_code"),  # full-width digits
    (encoded({**job(116), "job_number": "١٣٠١٠-00000116"}), "job_number"),  # Arabic-Indic digits
    (encoded(job(117, municipality_code="13１01")), "municipality_code"),
    (encoded(job(118, title="あ" * 201)), "title"),
    (encoded(job(119, licenses=["免許"] * 21)), "licenses"),
    (b"\xef\xbb\xbf" + encoded(job(120)), "(line)"),  # a BOM inside the file, not at its start
    (b'{"job_number": "13010-00000121", "title": "\xff"}', "(line)"),  # not UTF-8
    (encoded(job(122, description="x" * (MAX_LINE_BYTES + 10))), "(line)"),  # a line over the limit
]


def hostile_file(path, *, crlf: bool = False, bom: bool = True) -> tuple[list[str], list[int]]:
    """Good lines (job serials 1..) between the hostile ones; returns the good job numbers and the
    hostile lines' numbers. The file starts with a UTF-8 BOM and may end its lines with CRLF:
    both are ordinary, and the first line after the BOM is a good one."""
    end = b"\r\n" if crlf else b"\n"
    lines, good, bad = [], [], []
    for serial, (line, _field) in enumerate(HOSTILE, start=1):
        lines.append(encoded(job(serial)))
        good.append(f"13010-{serial:08d}")
        lines.append(line)
        bad.append(len(lines))
    lines.append(encoded(job(999)))
    good.append("13010-00000999")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + end.join(lines) + end)
    return good, bad


def stored_numbers(engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(select(JobOffer.job_number)).scalars())


@pytest.mark.parametrize("crlf", [False, True], ids=["lf", "crlf"])
def test_import_jobs_names_each_hostile_line_and_imports_every_good_one(engine, cli_env, tmp_path, capsys, crlf):
    path = tmp_path / "jobs.jsonl"
    good, bad = hostile_file(path, crlf=crlf)

    assert main(["import-jobs", str(path)]) == 1

    err = capsys.readouterr().err
    assert "Traceback" not in err
    for number, (_line, field) in zip(bad, HOSTILE, strict=True):
        assert f"{path}:{number}: {field}: " in err, (number, field, err[-2000:])
    assert stored_numbers(engine) == set(good)


def test_match_names_each_hostile_line_and_matches_every_good_one(tmp_path, capsys):
    jobs = tmp_path / "jobs.jsonl"
    good, bad = hostile_file(jobs)
    conditions = tmp_path / "conditions.jsonl"
    conditions.write_bytes(b"\n".join([
        b'{"condition_id": 1, "seeker_id": 1, "prefecture_codes": ["13"]}',
        b"[" * 100_000,
        b'{"condition_id": 2, "seeker_id": ' + b"1" * 5000 + b"}",
        b'{"condition_id": 3, "seeker_id": 3, "keywords": ["\\u0000"]}',
        b'{"condition_id": 4, "seeker_id": 4, "prefecture_codes": ["\xd9\xa1\xd9\xa3"]}',  # Arabic-Indic 13
        b'{"condition_id": 5, "seeker_id": 99999999999999999999}',  # beyond a 64-bit integer
    ]) + b"\n")

    assert main(["match", "--jobs", str(jobs), "--conditions", str(conditions)]) == 1

    out, err = capsys.readouterr()
    assert "Traceback" not in err
    assert sorted(json.loads(line)["job_number"] for line in out.splitlines()) == sorted(good)
    for number, (_line, field) in zip(bad, HOSTILE, strict=True):
        assert f"{jobs}:{number}: {field}: " in err
    for number, field in [(2, "(json)"), (3, "(json)"), (4, "keywords"), (5, "prefecture_codes"), (6, "seeker_id")]:
        assert f"{conditions}:{number}: {field}: " in err


def test_every_bad_field_of_a_line_is_named_not_only_the_first(engine, cli_env, tmp_path, capsys):
    path = tmp_path / "jobs.jsonl"
    path.write_bytes(encoded({"job_number": "13010-1", "title": "", "prefecture_code": "48", "employment_form": 9,
                              "wage_type": "weekly", "licenses": "免許"}) + b"\n" + encoded(job(1)) + b"\n")

    assert main(["import-jobs", str(path)]) == 1

    err = capsys.readouterr().err
    named = [line.split(": ")[1] for line in err.splitlines() if line.startswith(f"{path}:1: ")]
    assert named == ["job_number", "title", "prefecture_code", "employment_form", "wage_type", "licenses"]
    assert stored_numbers(engine) == {"13010-00000001"}


def test_a_line_of_gigabyte_scale_is_skipped_without_reading_it_whole(tmp_path, capsys):
    # 30 MB without a line end: read a block at a time and reported, the next line still matched.
    jobs = tmp_path / "jobs.jsonl"
    with jobs.open("wb") as f:
        f.write(b'{"title": "' + b"x" * 30_000_000 + b'"}\n')
        f.write(encoded(job(1)) + b"\n")
    conditions = tmp_path / "conditions.jsonl"
    conditions.write_text('{"condition_id": 1, "seeker_id": 1}\n', encoding="utf-8")

    assert main(["match", "--jobs", str(jobs), "--conditions", str(conditions)]) == 1

    out, err = capsys.readouterr()
    assert f"{jobs}:1: (line): " in err and "30,000,014 バイト" in err
    assert [json.loads(line)["job_number"] for line in out.splitlines()] == ["13010-00000001"]


def test_the_installed_command_prints_no_traceback_for_a_hostile_file(tmp_path):
    jobs = tmp_path / "jobs.jsonl"
    hostile_file(jobs)
    conditions = tmp_path / "conditions.jsonl"
    conditions.write_text('{"condition_id": 1, "seeker_id": 1}\n', encoding="utf-8")
    program = "import sys; from worker.cli import main; sys.exit(main())"
    done = subprocess.run([sys.executable, "-c", program, "match", "--jobs", str(jobs), "--conditions",
                           str(conditions)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and f"{jobs}:2: (json): " in done.stderr

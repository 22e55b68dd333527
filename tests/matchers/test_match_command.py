"""``mypage-worker match``: JSONL in, one JSON object per match out, bad lines on stderr."""

from __future__ import annotations

import json

from worker.cli import main

GOOD_JOB = {"job_number": "13010-14180061", "title": "介護スタッフ", "prefecture_code": "13",
            "municipality_code": "13101", "employment_form": 1, "wage_type": "monthly", "wage_min": 220000,
            "industry_code": "85", "referral_deadline": "2026-12-31"}  # unknown keys are ignored
OTHER_JOB = {"job_number": "27010-00000002", "title": "看護師", "prefecture_code": "27"}


def write_lines(path, lines):
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)) + "\n"
                            for line in lines), encoding="utf-8")
    return str(path)


def run(tmp_path, capsys, jobs, conditions):
    code = main(["match", "--jobs", write_lines(tmp_path / "jobs.jsonl", jobs),
                 "--conditions", write_lines(tmp_path / "conditions.jsonl", conditions)])
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines()], err


def test_each_match_is_one_json_line_and_the_exit_status_is_zero(tmp_path, capsys):
    conditions = [
        {"condition_id": 2, "seeker_id": 20, "keywords": ["すたっふ"], "prefecture_codes": ["13"]},
        {"condition_id": 1, "seeker_id": 10, "employment_forms": [1], "wage_min": 1300, "wage_type": "hourly"},
        {"condition_id": 3, "seeker_id": 30, "keywords": ["介護"], "prefecture_codes": ["27"]},
    ]
    code, matches, err = run(tmp_path, capsys, [GOOD_JOB, OTHER_JOB], conditions)
    assert code == 0 and err == ""
    assert [(m["job_number"], m["condition_id"], m["seeker_id"]) for m in matches] == [
        ("13010-14180061", 1, 10), ("13010-14180061", 2, 20)]
    assert all(set(m) == {"job_number", "condition_id", "seeker_id", "score", "reasons"} for m in matches)
    assert any("すたっふ" in reason for reason in matches[1]["reasons"])
    assert all(0 <= m["score"] <= 100 for m in matches)


def test_bad_lines_are_reported_with_file_line_and_reason_and_the_good_ones_still_match(tmp_path, capsys):
    jobs = [
        '{"job_number": "13010-00000009", "title": ',  # line 1: not JSON
        GOOD_JOB,  # line 2
        {"job_number": "13010-00000003", "prefecture_code": "13"},  # line 3: no title
        "",  # blank lines are skipped silently
        {**OTHER_JOB, "prefecture_code": "48"},  # line 5: bad code
        {**GOOD_JOB},  # line 6: the same job number again
    ]
    conditions = [
        {"condition_id": 1, "seeker_id": 10, "keywords": ["介護"]},
        {"condition_id": 2, "seeker_id": 20, "municipality_codes": ["1310"]},  # line 2: bad code format
        {"seeker_id": 30},  # line 3: no condition_id
    ]
    code, matches, err = run(tmp_path, capsys, jobs, conditions)
    assert code != 0
    assert [(m["job_number"], m["condition_id"]) for m in matches] == [("13010-14180061", 1)]
    lines = err.splitlines()
    assert len(lines) == 6
    assert lines[0].startswith(f"{tmp_path / 'conditions.jsonl'}:2: municipality_codes: ")
    assert lines[1].startswith(f"{tmp_path / 'conditions.jsonl'}:3: condition_id: ")
    assert lines[2].startswith(f"{tmp_path / 'jobs.jsonl'}:1: (json): ")
    assert lines[3].startswith(f"{tmp_path / 'jobs.jsonl'}:3: title: ")
    assert lines[4].startswith(f"{tmp_path / 'jobs.jsonl'}:5: prefecture_code: ")
    assert lines[5].startswith(f"{tmp_path / 'jobs.jsonl'}:6: job_number: ")


def test_no_matches_print_nothing(tmp_path, capsys):
    code, matches, err = run(tmp_path, capsys, [OTHER_JOB], [{"condition_id": 1, "seeker_id": 1, "keywords": ["介護"]}])
    assert (code, matches, err) == (0, [], "")


def test_a_missing_file_is_reported_without_a_traceback(tmp_path, capsys):
    jobs = write_lines(tmp_path / "jobs.jsonl", [GOOD_JOB])
    code = main(["match", "--jobs", jobs, "--conditions", str(tmp_path / "nowhere.jsonl")])
    assert code == 2
    assert "nowhere.jsonl" in capsys.readouterr().err


def test_a_line_that_is_not_utf8_is_reported_and_the_other_lines_are_still_matched(tmp_path, capsys):
    jobs = tmp_path / "jobs.jsonl"
    jobs.write_bytes(b'{"job_number": "13010-00000001", "title": "\xff\xfe", "prefecture_code": "13"}\n'
                     + json.dumps(OTHER_JOB, ensure_ascii=False).encode("utf-8") + b"\n")
    conditions = write_lines(tmp_path / "conditions.jsonl", [{"condition_id": 1, "seeker_id": 10}])

    code = main(["match", "--jobs", str(jobs), "--conditions", conditions])

    out, err = capsys.readouterr()
    assert code == 1
    assert f"{jobs}:1: " in err and "UTF-8" in err
    assert [json.loads(line)["job_number"] for line in out.splitlines()] == ["27010-00000002"]

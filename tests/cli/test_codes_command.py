"""``mypage-worker codes prefectures|municipalities|occupations [--json]``: the real tables."""

from __future__ import annotations

import json

import pytest

from worker.cli import main


def lines(capsys) -> list[dict]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_prefectures_as_json_lines_are_the_47_with_readings(capsys):
    assert main(["codes", "prefectures", "--json"]) == 0
    rows = lines(capsys)
    assert len(rows) == 47
    assert rows[12] == {"code": "13", "name": "東京都", "parent": None, "reading": "とうきょうと"}


def test_municipalities_name_their_prefecture_or_for_a_ward_its_city(capsys):
    assert main(["codes", "municipalities", "--json"]) == 0
    rows = {row["code"]: row for row in lines(capsys)}
    assert len(rows) >= 1900
    assert rows["14101"]["parent"] == "14100" and rows["14101"]["reading"] == "よこはましつるみく"
    assert rows["14100"]["parent"] == "14" and rows["14100"]["kind"] == "designated_city"
    assert rows["13101"]["parent"] == "13" and rows["01202"]["name"] == "函館市"
    assert all({"code", "name", "parent"} <= set(row) for row in rows.values())


def test_occupations_list_majors_middles_with_official_names_and_minors_with_examples(capsys):
    assert main(["codes", "occupations", "--json"]) == 0
    rows = lines(capsys)
    by_level = {level: [r for r in rows if r["level"] == level] for level in ("大分類", "中分類", "小分類")}
    assert len(by_level["大分類"]) == 15 and len(by_level["中分類"]) == 99 and len(by_level["小分類"]) >= 357
    middle = next(r for r in rows if r["code"] == "050")
    assert middle == {"code": "050", "name": "施設介護の職業", "parent": "08", "level": "中分類"}
    minor = next(r for r in rows if r["code"] == "009-03")
    assert minor["parent"] == "009" and "プログラマー" in minor["examples"]


@pytest.mark.parametrize("table", ["prefectures", "municipalities", "occupations"])
def test_without_json_each_table_prints_as_a_table(table, capsys):
    assert main(["codes", table]) == 0
    out = capsys.readouterr().out
    assert f"codes {table}" in out and "code" in out


def test_an_unknown_table_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["codes", "industries"])
    assert exited.value.code == 2

"""The shipped synonym table is what the build script makes from the reference data: nothing in
it is typed by hand, and the curation keeps different jobs apart."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "build_job_synonyms.py"
DATA = Path(__import__("os").environ.get("MYPAGE_SHARED_DATA", ROOT.parent / "shared" / "data"))


def load_script():
    spec = importlib.util.spec_from_file_location("build_job_synonyms", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture()
def data() -> Path:
    if not (DATA / "synonyms" / "groups_person_category.tsv").exists():
        pytest.skip(f"the reference data is not at {DATA} (set MYPAGE_SHARED_DATA)")
    pytest.importorskip("sudachipy")
    return DATA


def test_the_shipped_table_is_what_the_script_builds(data, tmp_path):
    out = tmp_path / "job_synonyms.tsv"
    assert load_script().main(["--data", str(data), "--out", str(out)]) == 0
    shipped = (ROOT / "matchers" / "data" / "job_synonyms.tsv").read_text(encoding="utf-8")
    assert out.read_text(encoding="utf-8") == shipped


def test_a_group_joining_words_kept_apart_fails_the_build():
    script = load_script()
    with pytest.raises(SystemExit, match="介護"):
        script.check_apart([("bad", ["介護士", "看護師"])])
    script.check_apart([("good", ["介護士", "介護職員"])])


def test_groups_sharing_a_term_are_merged():
    merged = load_script().merge([("a", ["警備員", "守衛"]), ("b", ["看護師", "ナース"]), ("c", ["警備員", "警備スタッフ"])])
    assert merged == [("b", ["看護師", "ナース"]), ("a+c", ["警備員", "守衛", "警備スタッフ"])]

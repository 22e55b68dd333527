"""docs/formats.md documents every field of the schema, and the commands that read JSONL point to it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from matchers.schema import ConditionRecord, JobRecord
from worker.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
FORMATS = (ROOT / "docs" / "formats.md").read_text(encoding="utf-8")


def documented(section: str) -> set[str]:
    body = FORMATS.split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([a-z_]+)` \|", body, re.M))


def test_every_job_field_of_the_schema_has_a_row_and_no_row_is_invented():
    assert documented("Job lines") == set(JobRecord.model_fields)


def test_every_condition_field_of_the_schema_has_a_row_and_no_row_is_invented():
    assert documented("Condition lines") == set(ConditionRecord.model_fields)


def test_the_readme_links_the_formats():
    assert "(docs/formats.md)" in (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", ["match", "import-jobs"])
def test_the_help_of_the_commands_that_read_jsonl_names_the_formats(command, capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args([command, "--help"])
    assert "docs/formats.md" in capsys.readouterr().out

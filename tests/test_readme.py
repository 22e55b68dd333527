"""The README keeps its promises: the two set-up commands, .ci/run calls the second, and the
configuration table names every setting."""

from __future__ import annotations

import re
from pathlib import Path

from worker.config import Settings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_readme_opens_with_the_clone_and_the_two_set_up_commands_run_inside_it():
    first_block = re.search(r"```sh\n(.*?)```", README, re.S).group(1).strip().splitlines()
    assert first_block == ["git clone … && cd mypage-worker", "pip install . && mypage-worker demo",
                           "pip install '.[test]' && python -m pytest"]


def test_ci_runs_the_readmes_second_command():
    second = re.search(r"```sh\n(.*?)```", README, re.S).group(1).strip().splitlines()[2]
    assert second in (ROOT / ".ci" / "run").read_text()


def test_the_configuration_table_names_every_setting():
    missing = [name for name in Settings.model_fields if f"MYPAGE_{name.upper()}" not in README]
    assert missing == []

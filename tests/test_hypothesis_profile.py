"""Property tests give the same answer on every run: the profile in force is derandomized."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

SEEN: list[list[int]] = []


@pytest.mark.skipif(os.environ.get("HYPOTHESIS_PROFILE", "ci") != "ci", reason="exploring on purpose")
def test_the_ci_profile_is_in_force_and_fixes_the_examples():
    assert settings.default.derandomize is True and settings.default.database is None


@pytest.mark.skipif(os.environ.get("HYPOTHESIS_PROFILE", "ci") != "ci", reason="exploring on purpose")
def test_two_runs_of_a_property_see_the_same_examples():
    @settings(max_examples=20)  # a test's own settings keep the profile's derandomize
    @given(st.lists(st.integers()))
    def collect(values):
        SEEN.append(values)

    collect()
    first = list(SEEN)
    SEEN.clear()
    collect()
    assert SEEN == first

"""Date arithmetic of the rules, in JST."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from worker.services.calendar import (
    add_months,
    add_years,
    end_of_month_after_next,
    jst_today,
    months_before,
    require_aware,
)


def test_the_jst_date_changes_at_midnight_in_tokyo_not_in_utc():
    assert jst_today(datetime(2025, 6, 9, 14, 59, tzinfo=UTC)) == date(2025, 6, 9)
    assert jst_today(datetime(2025, 6, 9, 15, 0, tzinfo=UTC)) == date(2025, 6, 10)


def test_a_naive_time_is_refused():
    with pytest.raises(ValueError):
        require_aware(datetime(2025, 6, 10, 10, 0))


def test_the_end_of_the_month_after_next():
    assert end_of_month_after_next(date(2025, 1, 15)) == date(2025, 3, 31)
    assert end_of_month_after_next(date(2025, 12, 1)) == date(2026, 2, 28)
    assert end_of_month_after_next(date(2023, 12, 31)) == date(2024, 2, 29)


def test_adding_months_clamps_to_the_last_day():
    assert add_months(date(2025, 5, 31), 3) == date(2025, 8, 31)
    assert add_months(date(2025, 5, 31), -3) == date(2025, 2, 28)
    assert add_months(date(2025, 1, 15), -1) == date(2024, 12, 15)


def test_adding_years_moves_29_february_to_the_28th():
    assert add_years(date(2020, 2, 29), 5) == date(2025, 2, 28)
    assert add_years(date(2020, 3, 1), 5) == date(2025, 3, 1)


def test_three_months_before_keeps_the_tokyo_wall_clock():
    moment = datetime(2025, 8, 31, 1, 0, tzinfo=UTC)  # 10:00 JST
    earlier = months_before(moment, 3)
    assert earlier.astimezone(UTC) == datetime(2025, 5, 31, 1, 0, tzinfo=UTC)
    assert months_before(datetime(2025, 5, 31, 1, 0, tzinfo=UTC), 3).astimezone(UTC) == (
        datetime(2025, 2, 28, 1, 0, tzinfo=UTC))
    assert earlier.utcoffset() == timedelta(hours=9)

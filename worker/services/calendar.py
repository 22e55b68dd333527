"""Date arithmetic of the rules. Everything is stored in UTC; the rules count days in Japan, on
the one clock of :mod:`worker.domain.clock`, so a date rule is always computed on the JST date
of ``now``."""

from __future__ import annotations

import calendar
from datetime import date, datetime

from worker.domain.clock import JST, local, require_aware
from worker.domain.clock import local_date as jst_today

__all__ = ["JST", "add_months", "add_years", "end_of_month", "end_of_month_after_next", "jst_today",
           "months_before", "require_aware"]


def end_of_month(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (or earlier), clamped to the month's last day."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def end_of_month_after_next(day: date) -> date:
    """翌々月末: the last day of the month after next (the registration's validity)."""
    return end_of_month(add_months(day.replace(day=1), 2))


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later; 29 February falls back to the 28th."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def months_before(moment: datetime, months: int) -> datetime:
    """The same JST wall-clock time ``months`` calendar months earlier (for "within 3 months")."""
    wall = local(moment)
    earlier = add_months(wall.date(), -months)
    return wall.replace(year=earlier.year, month=earlier.month, day=earlier.day)

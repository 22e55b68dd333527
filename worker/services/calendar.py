"""Dates of the rules. Everything is stored in UTC; the rules count days in Japan (JST), where
the seeker and Hello Work live, so a date rule is always computed on the JST date of ``now``."""

from __future__ import annotations

import calendar
from datetime import date, datetime
from zoneinfo import ZoneInfo

JST = ZoneInfo("Asia/Tokyo")


def require_aware(now: datetime) -> datetime:
    """Refuse naive datetimes: a rule evaluated on a naive time would be off by nine hours."""
    if not isinstance(now, datetime) or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")
    return now


def jst_today(now: datetime) -> date:
    return require_aware(now).astimezone(JST).date()


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
    local = require_aware(moment).astimezone(JST)
    earlier = add_months(local.date(), -months)
    return local.replace(year=earlier.year, month=earlier.month, day=earlier.day)

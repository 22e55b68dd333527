"""The one clock. Everything is stored in UTC; every rule that counts days or hours — a
registration's last valid day, a 認証キー's day, message retention, the quiet hours, the
daily mail limit, the dates printed in mails — counts them in Japan, where the seekers and
Hello Work live. Services, the pipeline and the mail layer all read the zone from here, so a
"day" is the same day everywhere."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

ZONE_NAME = "Asia/Tokyo"
JST = ZoneInfo(ZONE_NAME)


def require_aware(now: datetime) -> datetime:
    """Refuse naive datetimes: a rule evaluated on a naive time would be off by nine hours."""
    if not isinstance(now, datetime) or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")
    return now


def local(moment: datetime) -> datetime:
    """``moment`` on the wall clock in Japan."""
    return require_aware(moment).astimezone(JST)


def local_date(moment: datetime) -> date:
    """The date in Japan at ``moment``: daily limits, dedupe keys and date rules count by it."""
    return local(moment).date()

"""Quiet hours: no recommendation or saved-search mail between 21:00 and 08:00 JST (settings
``quiet_hours_start``/``quiet_hours_end``; equal values switch quiet hours off). A mail caused in
the night waits in the outbox with ``not_before`` at the end of the quiet hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from worker.config import Settings
from worker.domain import clock

# The mails the quiet hours hold: offers can wait for the morning; a key or a notice cannot.
HELD_KINDS = frozenset({"recommendations", "saved-search-new-jobs"})


def in_quiet_hours(moment: datetime, settings: Settings) -> bool:
    start, end = settings.quiet_hours_start, settings.quiet_hours_end
    if start == end:
        return False
    hour = clock.local(moment).hour
    if start > end:  # the window wraps midnight, e.g. 21 → 8
        return hour >= start or hour < end
    return start <= hour < end


def sending_time(moment: datetime, settings: Settings) -> datetime:
    """``moment`` itself when mail may go out then, else the end of the quiet hours (UTC)."""
    if not in_quiet_hours(moment, settings):
        return moment
    local = clock.local(moment)
    release = local.replace(hour=settings.quiet_hours_end, minute=0, second=0, microsecond=0)
    if release <= local:
        release += timedelta(days=1)
    return release.astimezone(UTC)

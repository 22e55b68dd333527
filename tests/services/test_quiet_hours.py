"""Quiet hours: no recommendation mail between 21:00 and 08:00 JST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from worker.config import load_settings
from worker.domain import clock
from worker.services.quiet_hours import in_quiet_hours, sending_time

SETTINGS = load_settings(quiet_hours_start=21, quiet_hours_end=8)
moments = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC))


@given(moments)
def test_a_mail_is_never_sent_in_the_quiet_hours_and_waits_no_longer_than_needed(moment):
    sent = sending_time(moment, SETTINGS)
    local = sent.astimezone(SETTINGS.tz)
    assert not 21 <= local.hour and not local.hour < 8
    assert moment <= sent <= moment + timedelta(hours=11)
    if not in_quiet_hours(moment, SETTINGS):
        assert sent == moment
    else:
        assert (local.hour, local.minute, local.second) == (8, 0, 0)


def test_equal_start_and_end_switch_quiet_hours_off():
    off = load_settings(quiet_hours_start=0, quiet_hours_end=0)
    night = datetime(2025, 6, 10, 14, 0, tzinfo=UTC)  # 23:00 JST
    assert sending_time(night, off) == night


def test_with_nothing_set_the_quiet_hours_run_from_21_00_to_08_00_jst(monkeypatch):
    for name in ("MYPAGE_QUIET_HOURS_START", "MYPAGE_QUIET_HOURS_END"):
        monkeypatch.delenv(name, raising=False)
    defaults = load_settings()

    def at(hour: int, minute: int) -> datetime:  # that wall-clock time in Japan on 10 June 2025
        return datetime(2025, 6, 10, hour, minute, tzinfo=clock.JST)

    assert not in_quiet_hours(at(20, 59), defaults)
    assert in_quiet_hours(at(21, 0), defaults) and in_quiet_hours(at(7, 59), defaults)
    assert not in_quiet_hours(at(8, 0), defaults)
    assert sending_time(at(21, 0), defaults) == datetime(2025, 6, 11, 8, 0, tzinfo=clock.JST)


def test_the_quiet_hours_count_on_the_one_clock_of_japan():
    assert SETTINGS.tz is clock.JST
    utc_evening = datetime(2025, 6, 10, 12, 30, tzinfo=UTC)  # 21:30 JST, 12:30 on a UTC clock
    assert in_quiet_hours(utc_evening, SETTINGS)

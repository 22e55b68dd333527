"""Settings: one clock, and errors a person reads in one line without the value they name."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from worker.config import SettingsError, load_settings
from worker.domain import clock
from worker.services import calendar


def test_services_pipeline_and_mails_read_one_clock():
    assert load_settings().tz is clock.JST and calendar.JST is clock.JST
    late_evening_utc = datetime(2025, 6, 10, 15, 30, tzinfo=UTC)  # 00:30 on the 11th in Japan
    assert calendar.jst_today(late_evening_utc) == clock.local_date(late_evening_utc) == datetime(2025, 6, 11).date()


def test_another_time_zone_is_refused_rather_than_splitting_a_day_in_two():
    with pytest.raises(SettingsError) as refused:
        load_settings(timezone="UTC")
    assert str(refused.value) == "MYPAGE_TIMEZONE: only Asia/Tokyo is supported: the rules count days in Japan"


def test_a_bad_setting_is_one_line_naming_the_variable(monkeypatch):
    monkeypatch.setenv("MYPAGE_SMTP_PORT", "not-a-port")
    with pytest.raises(SettingsError) as refused:
        load_settings()
    message = str(refused.value)
    assert message.startswith("MYPAGE_SMTP_PORT: ") and "\n" not in message and "not-a-port" not in message


def test_an_empty_database_or_broker_url_means_the_embedded_defaults_as_unset_does(tmp_path):
    settings = load_settings(database_url="", redis_url="", var_dir=tmp_path)
    assert settings.effective_database_url == f"sqlite:///{tmp_path / 'mypage.db'}"
    assert not settings.redis_url

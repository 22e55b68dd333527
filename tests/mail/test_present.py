"""How facts read in a mail: wages with their type and yen with commas, places, JST dates."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from worker.config import load_settings
from worker.domain.models import JobOffer
from worker.mail.present import japanese_date, japanese_datetime, place_text, wage_text


@pytest.mark.parametrize(("wage_type", "low", "high", "expected"), [
    ("monthly", 215000, 262000, "月給 215,000円〜262,000円"),
    ("hourly", 1180, None, "時給 1,180円〜"),
    ("daily", 9800, 9800, "日給 9,800円〜"),
    ("daily", None, 12000, "日給 〜12,000円"),
    (None, None, None, "賃金は求人票をご確認ください"),
])
def test_a_wage_reads_with_its_type_and_yen(wage_type, low, high, expected):
    offer = JobOffer(job_number="13010-00000001", title="t", prefecture_code="13",
                     wage_type=wage_type, wage_min=low, wage_max=high)
    assert wage_text(offer) == expected


def test_dates_read_in_japanese_with_the_weekday_and_times_in_jst():
    settings = load_settings()
    assert japanese_date(date(2025, 12, 4)) == "2025年12月4日（木）"
    assert japanese_datetime(datetime(2025, 11, 5, 15, 5, tzinfo=UTC), settings) == "2025年11月6日（木）0時05分"


@pytest.mark.parametrize(("prefecture", "municipality", "expected"), [
    ("14", "14101", "神奈川県横浜市鶴見区"),
    ("13", None, "東京都"),
    ("13", "99999", "東京都"),  # a municipality the shipped table does not know
    ("13", "14101", "東京都"),  # a municipality of another prefecture is not believed
    ("99", None, "就業場所は求人票をご確認ください"),
])
def test_a_place_reads_as_prefecture_and_municipality_when_known(prefecture, municipality, expected):
    offer = JobOffer(job_number="13010-00000001", title="t", prefecture_code=prefecture,
                     municipality_code=municipality)
    assert place_text(offer) == expected

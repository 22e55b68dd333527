"""Facts formatted for reading in a mail: Japanese dates in the site's time zone, wages in yen,
places by name, and the main site's links. Templates only place these strings; they format
nothing themselves, so the text and the HTML part cannot disagree on a number."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from matchers.codes import employment_forms, municipalities, prefectures, wage_types
from worker.config import Settings
from worker.domain.models import JobOffer

_WEEKDAYS = "月火水木金土日"

# The main site's pages a mail links to. The site is not ours: these paths are its routes.
MYPAGE_PATH = "/mypage/"
PASSWORD_REGISTRATION_PATH = "/mypage/password-registration"
JOB_OFFER_PATH = "/mypage/jobs/{job_number}"


def japanese_date(day: date) -> str:
    """2025年11月5日（水）"""
    return f"{day.year}年{day.month}月{day.day}日（{_WEEKDAYS[day.weekday()]}）"


def japanese_datetime(moment: datetime, settings: Settings) -> str:
    """2025年11月5日（水）10時50分, in the site's time zone (JST)."""
    local = moment.astimezone(settings.tz)
    return f"{japanese_date(local.date())}{local.hour}時{local.minute:02d}分"


def yen(amount: int) -> str:
    return f"{amount:,}円"


def wage_text(offer: JobOffer) -> str:
    """月給 200,000円〜250,000円 / 時給 1,100円〜 / 賃金は求人票をご確認ください"""
    kind = wage_types().get(offer.wage_type or "", "賃金")
    if offer.wage_min and offer.wage_max and offer.wage_max != offer.wage_min:
        return f"{kind} {yen(offer.wage_min)}〜{yen(offer.wage_max)}"
    if offer.wage_min:
        return f"{kind} {yen(offer.wage_min)}〜"
    if offer.wage_max:
        return f"{kind} 〜{yen(offer.wage_max)}"
    return "賃金は求人票をご確認ください"


def place_text(offer: JobOffer) -> str:
    """神奈川県横浜市鶴見区, or 東京都 when the municipality is not in the shipped table."""
    prefecture = prefectures().get(offer.prefecture_code or "")
    if prefecture is None:
        return "就業場所は求人票をご確認ください"
    town = municipalities().get(offer.municipality_code or "")
    return prefecture + town.name if town is not None and town.prefecture_code == offer.prefecture_code else prefecture


def site_link(settings: Settings, path: str = "/") -> str:
    return settings.site_url.rstrip("/") + path


def job_offer_facts(offer: JobOffer, settings: Settings, *, reasons: Iterable[str] = ()) -> dict:
    """One job offer as a mail lists it (recommendations, saved-search mails)."""
    return {
        "job_number": offer.job_number,
        "title": offer.title,
        "employer": offer.employer_name or "事業所名は求人票をご確認ください",
        "place": place_text(offer),
        "wage": wage_text(offer),
        "employment": employment_forms().get(offer.employment_form or 0, "求人票をご確認ください"),
        "reasons": [str(reason) for reason in reasons],
        "url": site_link(settings, JOB_OFFER_PATH.format(job_number=offer.job_number)),
    }

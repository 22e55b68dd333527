"""Every mail reads on a phone: rendered in headless Chromium 390 px wide, nothing is wider than
the screen (long links wrap, tables and cards stay inside)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import IN_CI
from worker.domain.models import InboxItem, InboxKind, JobOffer
from worker.mail.registry import MAILS
from worker.mail.render import render_mail
from worker.mail.samples import SAMPLE_MAILS, sample_rows

CHROMIUM = Path(os.environ.get("MYPAGE_TEST_CHROMIUM", "/usr/bin/chromium"))
PHONE_WIDTH = 390


def _unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"{reason}; CI=true requires it")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def phone():
    """A Chromium page 390 px wide (headless), or a skip with the reason (a failure under CI)."""
    if not CHROMIUM.exists():
        _unavailable(f"Chromium is not installed at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        _unavailable(f"python playwright is not installed ({exc})")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": PHONE_WIDTH, "height": 800})
        yield page
        browser.close()


def overflow(page, html: str) -> dict:
    page.set_content(html, wait_until="load")
    return page.evaluate("""() => {
        const width = window.innerWidth;
        const wide = [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > width + 0.5)
            .map(e => e.tagName + ': ' + (e.textContent || '').slice(0, 60));
        return {scrollWidth: document.documentElement.scrollWidth, width, wide: wide.slice(0, 5)};
    }""")


@pytest.mark.parametrize("name", list(MAILS))
def test_every_mail_fits_a_390_px_phone_screen(phone, name, settings):
    context = MAILS[name].context(sample_rows(settings), settings, SAMPLE_MAILS[name].outbox_context)

    found = overflow(phone, render_mail(name, context).html)

    assert found["scrollWidth"] <= found["width"] == PHONE_WIDTH, found


def test_a_digest_with_long_titles_employers_and_links_fits_too(phone, settings):
    settings = settings.model_copy(update={"site_url": "https://www.hellowork.mhlw.go.jp/very/long/path/prefix/for/mypage"})
    rows = sample_rows(settings)
    long_number = "13010-99999999"
    offer = JobOffer(id=500, job_number=long_number, title="介護職員" * 12, prefecture_code="13",
                     employer_name="社会福祉法人" + "さくら" * 20 + "ABCDEFGHIJKLMNOPQRSTUVWXYZ" * 3)
    item = InboxItem(id=500, seeker_id=1, kind=InboxKind.RECOMMENDATION, dedupe_key="recommendation:1:500",
                     job_offer_id=500, score=900, reasons=["キーワード「" + "介護" * 30 + "」が職種にあります"])
    rows = type(rows)([*rows.rows, offer, item])
    context = MAILS["recommendations"].context(rows, settings, {"seeker_id": 1, "inbox_item_ids": [1, 2, 500],
                                                                 "more_count": 12})

    found = overflow(phone, render_mail("recommendations", context).html)

    assert found["scrollWidth"] <= found["width"], found

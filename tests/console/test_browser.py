"""The console in a real browser: Debian's Chromium driven by Playwright against the console
served by uvicorn (``mypage-worker console``) on a seeded database. Staff log in, see the
dashboard, run a dry run and a real batch, compose a notice a second operator approves, look a
seeker up and ask "why not this offer?". Each page is saved as a screenshot under
``$MYPAGE_TEST_ARTIFACTS`` (default: the test's tmp dir). Skips with the reason when Chromium
or Playwright is missing locally; fails under CI=true."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import IN_CI
from tests.console.conftest import PASSWORD, make_staff
from tests.console.test_pages import small_world

CHROMIUM = os.environ.get("MYPAGE_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.slow


def _require_browser():
    problem = None
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        problem = f"playwright (python) is not installed ({exc})"
    if problem is None and not Path(CHROMIUM).exists():
        problem = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    if problem:
        if IN_CI:
            pytest.fail(f"{problem}; CI=true requires it")
        pytest.skip(problem)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def artifacts(tmp_path) -> Path:
    root = os.environ.get("MYPAGE_TEST_ARTIFACTS")
    folder = Path(root) / "console" if root else tmp_path / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def console_url(engine, tmp_path):
    """``mypage-worker console`` as its own process on a free port, on the test database."""
    port = _free_port()
    env = {**os.environ, "MYPAGE_DATABASE_URL": engine.url.render_as_string(hide_password=False),
           "MYPAGE_VAR_DIR": str(tmp_path / "var"), "MYPAGE_SECRET_KEY": "browser-test-secret-of-32-characters",
           "MYPAGE_NOTICE_APPROVAL_THRESHOLD": "2", "MYPAGE_QUIET_HOURS_START": "0", "MYPAGE_QUIET_HOURS_END": "0",
           "MYPAGE_DIGEST_DELAY_S": "0"}
    for name in ("MYPAGE_REDIS_URL", "MYPAGE_SMTP_HOST"):
        env.pop(name, None)
    command = [sys.executable, "-c", "import sys; from worker.cli import main; sys.exit(main())",
               "console", "--host", "127.0.0.1", "--port", str(port)]
    log = (tmp_path / "console.log").open("wb")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=1) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("the console did not start:\n" + (tmp_path / "console.log").read_text())
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(10)
        log.close()


@pytest.fixture
def browser():
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _log_in(page, url: str, name: str) -> None:
    page.goto(url + "/login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(url + "/")


def test_staff_do_their_tasks_in_the_browser(engine, console_url, browser, artifacts):
    seekers = small_world(engine)
    for name, role in (("tanaka", "operator"), ("suzuki", "operator")):
        make_staff(engine, name, role)
    url = console_url
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="ja-JP")
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # the confirm() before sending

    page.goto(url + "/batches")
    assert page.url == url + "/login"  # not logged in: sent to the login page
    page.screenshot(path=artifacts / "01-login.png")
    page.fill("input[name=username]", "tanaka")
    page.fill("input[name=password]", "wrong-password-1")
    page.click("button[type=submit]")
    assert "職員名またはパスワードが正しくありません" in page.inner_text(".error")
    _log_in(page, url, "tanaka")
    assert page.inner_text("h1") == "ダッシュボード"
    assert page.locator("svg.chart").count() == 1
    page.screenshot(path=artifacts / "02-dashboard.png", full_page=True)

    # A dry run, with progress, then the confirmed batch.
    page.goto(url + "/batches")
    page.fill("input[name=since]", "2000-01-01")
    page.fill("input[name=prefecture]", "13")
    page.get_by_role("button", name="試行（dry run）").click()
    page.wait_for_selector("text=この内容で実行しますか？")
    assert "キーワード『事務』が職種にあります" in page.content()
    page.screenshot(path=artifacts / "03-batch-dry-run.png", full_page=True)
    page.get_by_role("button", name="実行する").click()
    page.wait_for_selector("text=受信箱のおすすめ求人（作成）")
    assert page.locator("table.counts tr", has_text="受信箱のおすすめ求人（作成）").inner_text().endswith("3")
    page.screenshot(path=artifacts / "04-batch-run.png", full_page=True)

    # A notice to more seekers than the threshold (2): its author cannot send it alone.
    page.goto(url + "/notices")
    page.fill("input[name=title]", "年末年始の窓口")
    page.fill("textarea[name=body]", "12月29日から1月3日まで窓口はお休みです。")
    page.fill("input[name=prefectures]", "13")
    page.get_by_role("button", name="確認へ進む").click()
    page.wait_for_selector("text=承認待ちです")
    draft_url = page.url
    assert page.frame_locator("iframe").locator("body").inner_text().count("12月29日から1月3日まで") == 1
    page.screenshot(path=artifacts / "05-notice-awaiting-approval.png", full_page=True)
    page.click("button.link")  # ログアウト
    page.wait_for_url(url + "/login")

    _log_in(page, url, "suzuki")
    page.goto(draft_url)
    page.get_by_role("button", name="承認して送信").click()
    page.wait_for_selector("text=受信箱に追加")
    assert "承認: suzuki" in page.content()
    page.screenshot(path=artifacts / "06-notice-approved.png", full_page=True)

    # The helpdesk: by e-mail (never shown back), then "why not this offer?".
    page.goto(url + "/seekers")
    page.fill("input[name=query]", "person0@example.jp")
    page.get_by_role("button", name="検索").click()
    page.wait_for_url(f"{url}/seekers/{seekers[0]}")
    assert "person0@example.jp" not in page.content().lower()
    page.fill("input[name=job]", "27010-90000002")
    page.get_by_role("button", name="調べる").click()
    page.wait_for_selector(".verdict")
    assert "勤務地（27 大阪府）が希望の勤務地（13 東京都）に含まれません" in page.inner_text("#why-not")
    page.screenshot(path=artifacts / "07-helpdesk-why-not.png", full_page=True)

    page.goto(url + "/mails/notice")
    page.screenshot(path=artifacts / "08-mail-preview.png", full_page=True)
    page.goto(url + "/audit")
    assert "notice.send" in page.content() and "batch.run" in page.content()
    page.screenshot(path=artifacts / "09-audit.png", full_page=True)

    tablet = browser.new_context(viewport={"width": 820, "height": 1180}, locale="ja-JP").new_page()
    _log_in(tablet, url, "tanaka")
    assert tablet.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")  # no sideways scroll
    tablet.screenshot(path=artifacts / "10-dashboard-tablet.png", full_page=True)
    context.close()


def test_the_dashboard_refreshes_itself(engine, console_url, browser):
    from playwright.sync_api import expect

    make_staff(engine, "tanaka", "viewer")
    page = browser.new_page()
    page.clock.install()  # the page's timers run on a clock the test moves
    _log_in(page, console_url, "tanaka")
    assert page.inner_text("#dashboard .value >> nth=0") == "0"
    small_world(engine)  # two offers arrive, waiting to be matched
    page.clock.fast_forward("00:31")
    expect(page.locator("#dashboard .value").first).to_have_text("2", timeout=10_000)

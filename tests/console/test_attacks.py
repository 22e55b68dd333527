"""The console attacked from outside and by a hostile insider: ids that do not fit the
database, the database going away, and the other ways in that an attack review found."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from tests.console.conftest import csrf, log_in, make_staff, token_of
from worker.console import auth
from worker.console.auth import LoginThrottle
from worker.console.pages import notices
from worker.db import make_engine, session_scope
from worker.domain.models import AuditEntry, NoticeDraft, Seeker, utcnow

HUGE = "9" * 23  # more than a 64-bit integer holds
DEAD_DATABASE = "postgresql://postgres@127.0.0.1:1/console_down"  # nothing listens on port 1


def test_an_id_too_large_for_the_database_is_a_plain_404(as_role):
    admin = as_role("admin")
    html = {"accept": "text/html"}
    for path in (f"/notices/{HUGE}", f"/seekers/{HUGE}", f"/batches/jobs/{HUGE}", f"/batches/jobs/{HUGE}/progress"):
        assert admin.get(path, headers=html).status_code == 404, path
    answer = admin.post(f"/mails/suppressions/{HUGE}/lift", data={"csrf_token": csrf(admin)}, headers=html)
    assert answer.status_code == 404


@pytest.mark.parametrize("query", [HUGE, "١٢", "²" * 30])
def test_a_lookup_by_digits_that_are_no_id_finds_nobody(as_role, query):
    viewer = as_role("viewer")
    answer = viewer.post("/seekers/lookup", data={"csrf_token": csrf(viewer, "/seekers"), "query": query},
                         follow_redirects=False)
    assert answer.status_code == 404 and "見つかりません" in answer.text


def test_a_lookup_by_full_width_digits_finds_the_seeker(as_role, engine):
    with session_scope(engine) as session:
        session.add(Seeker(id=7, seeker_number="13010-00000007"))
    viewer = as_role("viewer")
    for query in ("７", "１３０１０－０００００００７"):
        answer = viewer.post("/seekers/lookup", data={"csrf_token": csrf(viewer, "/seekers"), "query": query},
                             follow_redirects=False)
        assert answer.headers.get("location") == "/seekers/7", query


def test_the_database_going_down_shows_one_clear_page_and_logs_no_address(app, as_role, caplog):
    viewer = as_role("viewer")
    token = csrf(viewer, "/seekers")
    app.state.engine = make_engine(DEAD_DATABASE)
    try:
        with caplog.at_level(logging.DEBUG):
            for path in ("/", "/audit", "/seekers/1"):
                answer = viewer.get(path, headers={"accept": "text/html"})
                assert answer.status_code == 503, path
                assert "データベースに接続できない" in answer.text and "Traceback" not in answer.text
            answer = viewer.post("/seekers/lookup", data={"csrf_token": token, "query": "hanako@example.jp"},
                                 headers={"accept": "text/html"})
            assert answer.status_code == 503
            assert viewer.get("/healthz").status_code == 503
    finally:
        app.state.engine.dispose()
    assert "hanako" not in caplog.text and "Traceback" not in caplog.text


def test_a_session_cookie_kept_from_before_a_logout_is_worth_nothing(app, client, engine):
    make_staff(engine, "alice", "viewer")
    log_in(client, "alice")
    kept = dict(client.cookies)
    assert client.post("/logout", data={"csrf_token": csrf(client)}, follow_redirects=False).status_code == 303
    with TestClient(app, base_url="http://console.test", cookies=kept) as thief:
        assert thief.get("/audit", follow_redirects=False).headers.get("location") == "/login"
    assert log_in(client, "alice").status_code == 303  # a login after the logout is a new session
    assert client.get("/audit", follow_redirects=False).status_code == 200


def test_guesses_sent_all_at_once_are_throttled_like_guesses_in_a_row(app, engine):
    make_staff(engine, "alice", "admin")

    async def attack() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://console.test") as browser:
            token = token_of((await browser.get("/login")).text)
            guesses = [browser.post("/login", data={"username": "alice", "password": f"guess-{n:04d}-x",
                                                    "csrf_token": token}) for n in range(20)]
            return [answer.status_code for answer in await asyncio.gather(*guesses)]

    codes = asyncio.run(attack())
    assert codes.count(401) == 5 and codes.count(429) == 15  # only the free five reached the password check


def test_a_successful_login_takes_back_its_attempt_from_the_client_only():
    throttle = LoginThrottle(free=1, clock=lambda: 100.0)
    throttle.failed("name:a", "client:1")
    throttle.failed("name:b", "client:1")
    throttle.succeeded("name:b", "client:1")
    assert throttle.wait_s("name:b") == 0  # the name's failures are forgiven
    assert throttle.wait_s("name:c", "client:1") == pytest.approx(2)  # the client's earlier failure stays


def test_a_body_over_the_limit_is_refused_before_it_is_read(client, as_role):
    stuffed = b"&".join(b"f%d=" % n + b"a" * 500_000 for n in range(3))  # fields under the parser's own limit
    answer = client.post("/login", content=stuffed, headers={"content-type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 413 and "大きすぎます" in answer.text

    def chunks():  # no Content-Length: the size is counted as the body arrives
        yield from (b"f=" + b"a" * 400_000 for _ in range(3))

    operator = as_role("operator")
    answer = operator.post("/notices", content=chunks(), headers={"content-type": "application/x-www-form-urlencoded",
                                                                  "accept": "text/html"})
    assert answer.status_code == 413 and "大きすぎます" in answer.text
    token = csrf(operator, "/notices")
    answer = operator.post("/notices", data={"csrf_token": token, "title": "長いお知らせ", "body": "本" * 100_000},
                           follow_redirects=False)
    assert answer.status_code == 303  # a long notice still fits


def test_a_notice_sent_by_several_clicks_at_once_is_sent_once(engine, settings):
    staff_id = make_staff(engine, "op", "operator")
    with session_scope(engine) as session:
        draft = NoticeDraft(title="臨時休館", body="本日は休館です。", prefectures=[], reach=0, created_by=staff_id,
                            created_at=utcnow())
        session.add(draft)
        session.flush()
        draft_id = draft.id
    start = threading.Barrier(6)

    def click() -> str | None:
        start.wait()
        return notices._send(engine, settings, draft_id, staff_id)

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: click(), range(6)))  # an exception here fails the test
    assert answers.count(None) == 1 and answers.count("このお知らせは送信済みです。") == 5
    with engine.connect() as conn:
        sends = conn.execute(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "notice.send"))
        assert sends.scalar_one() == 1


def test_a_typed_name_in_the_log_cannot_be_found_by_hashing_guesses(client, caplog):
    caplog.set_level(logging.WARNING, logger="worker.console")
    token = csrf(client, "/login")
    typed = "Correct-Horse-Battery"  # a password typed into the name field
    client.post("/login", data={"username": typed, "password": "x", "csrf_token": token})
    assert "console login failed (name:" in caplog.text
    for guess in (typed, typed.lower()):
        assert hashlib.sha256(guess.encode()).hexdigest()[:12] not in caplog.text


@pytest.mark.parametrize("since", ["0001-01-01", "9999-12-31"])
def test_a_batch_since_a_date_out_of_range_is_refused_on_the_form(app, as_role, since):
    operator = as_role("operator")
    answer = operator.post("/batches/dry-run", data={"csrf_token": csrf(operator, "/batches"), "since": since},
                           follow_redirects=False)
    assert answer.status_code == 400 and "今日までの日付" in answer.text
    assert not app.state.batches.jobs


def test_the_dashboard_refreshing_itself_does_not_keep_an_idle_session_alive(client, engine, monkeypatch):
    make_staff(engine, "alice", "viewer")
    log_in(client, "alice")
    started = time.time()
    monkeypatch.setattr(time, "time", lambda: started + 20 * 60)
    assert client.get("/dashboard/body", follow_redirects=False).status_code == 200
    monkeypatch.setattr(time, "time", lambda: started + auth.IDLE_TIMEOUT_S + 60)
    assert client.get("/dashboard/body", follow_redirects=False).headers.get("location") == "/login"


def _audit(engine, action: str) -> list[AuditEntry]:
    with engine.connect() as conn:
        return list(conn.execute(select(AuditEntry).where(AuditEntry.action == action)).all())


def test_posting_to_a_page_beyond_ones_role_is_refused_and_recorded(as_role, engine):
    viewer = as_role("viewer")
    answer = viewer.post("/staff/add", data={"csrf_token": csrf(viewer), "name": "evil", "role": "admin",
                                             "password": "a-long-password"})
    assert answer.status_code == 403
    [entry] = _audit(engine, "denied")
    assert entry.details == {"method": "POST", "path": "/staff/add", "role": "viewer", "needed": "admin"}


def test_an_operator_approving_their_own_large_notice_is_refused_and_recorded(as_role, engine):
    with session_scope(engine) as session:  # three seekers reached: above the threshold of two
        session.add_all([Seeker(id=n, seeker_number=f"13010-0000000{n}", account_state="open") for n in (1, 2, 3)])
    operator = as_role("operator")
    answer = operator.post("/notices", data={"csrf_token": csrf(operator, "/notices"), "title": "停電",
                                             "body": "停電のお知らせ"}, follow_redirects=False)
    draft = answer.headers["location"]
    answer = operator.post(f"{draft}/send", data={"csrf_token": csrf(operator)})
    assert answer.status_code == 403 and "承認が必要" in answer.text
    [entry] = _audit(engine, "notice.refused")
    assert entry.details["seekers"] == 3 and not _audit(engine, "notice.send")


def test_an_admin_cannot_disable_their_own_account_from_the_console(as_role, engine):
    admin = as_role("admin", name="root")
    answer = admin.post("/staff/disable", data={"csrf_token": csrf(admin, "/staff"), "name": "root"})
    assert answer.status_code == 400 and "自分のアカウント" in answer.text
    assert admin.get("/staff", follow_redirects=False).status_code == 200
    assert not _audit(engine, "staff.disable")

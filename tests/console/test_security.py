"""The console's security over HTTP: logins, sessions, CSRF, roles, escaping, and a login
that does not tell whether a name exists."""

from __future__ import annotations

import logging
import time
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select
from starlette.routing import Mount, Route

from tests.console.conftest import PASSWORD, csrf, log_in, make_staff, token_of
from worker.console import auth
from worker.console.auth import LoginThrottle
from worker.db import session_scope
from worker.domain.models import AuditEntry, Condition, JobOffer, Seeker

OPEN_PATHS = {"/login", "/healthz"}
PARAMS = {"job_id": "1", "draft_id": "1", "seeker_id": "1", "name": "notice", "suppression_id": "1"}


def every_route(app, method: str) -> list[str]:
    paths = []
    for route in app.routes:
        if isinstance(route, Route) and method in (route.methods or ()) and route.path not in OPEN_PATHS:
            path = route.path
            for key, value in PARAMS.items():
                path = path.replace(f"{{{key}:id}}", value).replace(f"{{{key}:str}}", value)
            paths.append(path)
    return paths


def test_every_page_redirects_to_login_when_logged_out(app, client):
    pages = every_route(app, "GET")
    assert {"/", "/batches", "/notices", "/seekers", "/mails", "/audit", "/staff"} <= set(pages)
    for path in pages:
        answer = client.get(path, follow_redirects=False)
        assert (answer.status_code, answer.headers.get("location")) == (303, "/login"), path
    for path in every_route(app, "POST"):
        answer = client.post(path, data={}, follow_redirects=False)
        assert (answer.status_code, answer.headers.get("location")) == (303, "/login"), path
    assert not [r for r in app.routes if not isinstance(r, (Route, Mount))]


def test_login_and_healthz_need_no_login(client):
    assert client.get("/login").status_code == 200
    assert client.get("/healthz").json() == {"status": "ok"}


def test_every_form_without_its_csrf_token_is_refused(app, as_role):
    admin = as_role("admin")
    for path in every_route(app, "POST") + ["/login"]:
        assert admin.post(path, data={"since": "2020-01-01"}, follow_redirects=False).status_code == 403, path
        assert admin.post(path, data={"csrf_token": "forged"}, follow_redirects=False).status_code == 403, path


def test_every_page_form_carries_the_csrf_token(as_role):
    admin = as_role("admin")
    for path in ("/batches", "/notices", "/seekers", "/mails", "/staff"):
        html = admin.get(path).text
        assert html.count("<form") == html.count('name="csrf_token"'), path


def test_a_viewer_cannot_run_a_batch_or_send_or_lift(as_role):
    viewer = as_role("viewer")
    token = csrf(viewer)
    for path in ("/batches/dry-run", "/batches/run", "/notices", "/notices/1/send", "/mails/suppressions/1/lift",
                 "/staff/add"):
        answer = viewer.post(path, data={"csrf_token": token, "since": "2020-01-01"}, follow_redirects=False)
        assert answer.status_code == 403, path


def test_an_operator_cannot_manage_staff_or_suppressions(as_role):
    operator = as_role("operator")
    token = csrf(operator)
    assert operator.get("/staff").status_code == 403
    assert operator.post("/staff/add", data={"csrf_token": token, "name": "x1", "role": "admin",
                                             "password": PASSWORD}).status_code == 403
    assert operator.post("/mails/suppressions/1/lift", data={"csrf_token": token}).status_code == 403


def test_a_job_title_holding_a_script_is_shown_escaped(engine, as_role):
    with session_scope(engine) as session:
        seeker = Seeker(seeker_number="13010-00000001", account_state="open", prefecture_code="13")
        session.add(seeker)
        session.flush()
        session.add(Condition(seeker_id=seeker.id, prefecture_codes=["13"]))
        session.add(JobOffer(job_number="13010-99999999", title="<script>alert('x')</script>事務",
                             employer_name="<img src=x onerror=alert(1)>", prefecture_code="13"))
        seeker_id = seeker.id
    page = as_role("viewer").get(f"/seekers/{seeker_id}", params={"job": "13010-99999999"}).text
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;事務" in page


def test_the_session_cookie_is_signed_httponly_and_samesite(client, engine):
    make_staff(engine, "alice", "viewer")
    answer = log_in(client, "alice")
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "max-age=1800" in cookie
    value = client.cookies.get("mypage_console")
    client.cookies.set("mypage_console", value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB"))
    assert client.get("/", follow_redirects=False).status_code == 303  # a tampered cookie is no session


def test_an_idle_session_ends(client, engine, monkeypatch):
    make_staff(engine, "alice", "viewer")
    log_in(client, "alice")
    assert client.get("/", follow_redirects=False).status_code == 200
    # Only the session's own last-seen check is moved forward; the cookie's signature (whose
    # max-age is the same timeout) still counts real time, so this tests the session's rule.
    later = time.time() + auth.IDLE_TIMEOUT_S + 5
    monkeypatch.setattr(auth, "time", SimpleNamespace(time=lambda: later))
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"


def test_a_session_cookie_older_than_the_idle_timeout_is_refused_by_its_signature(client, engine, monkeypatch):
    make_staff(engine, "alice", "viewer")
    log_in(client, "alice")
    later = time.time() + auth.IDLE_TIMEOUT_S + 5
    monkeypatch.setattr(auth, "IDLE_TIMEOUT_S", 10 * auth.IDLE_TIMEOUT_S)  # the session's own check would pass
    monkeypatch.setattr(time, "time", lambda: later)  # the signer's clock
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"


def test_disabling_an_account_ends_its_sessions(engine, as_role):
    viewer = as_role("viewer", name="bob")
    admin = as_role("admin")
    assert viewer.get("/", follow_redirects=False).status_code == 200
    assert admin.post("/staff/disable", data={"csrf_token": csrf(admin, "/staff"), "name": "bob"},
                      follow_redirects=False).status_code == 303
    assert viewer.get("/", follow_redirects=False).headers["location"] == "/login"
    assert log_in(viewer, "bob").status_code == 401


def test_logging_out_ends_the_session(client, engine):
    make_staff(engine, "alice", "viewer")
    log_in(client, "alice")
    assert client.post("/logout", data={"csrf_token": csrf(client)}, follow_redirects=False).status_code == 303
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"


def test_the_login_answer_does_not_tell_whether_the_name_exists(app, client, engine):
    app.state.throttle = LoginThrottle(free=10_000)
    make_staff(engine, "alice", "operator")
    token = token_of(client.get("/login").text)

    def attempt(name: str) -> tuple[float, int, str]:
        started = time.perf_counter()
        answer = client.post("/login", data={"username": name, "password": "wrong-password-1",
                                             "csrf_token": token}, follow_redirects=False)
        return time.perf_counter() - started, answer.status_code, answer.text

    known, unknown = [], []
    for _ in range(7):  # interleaved, so load from other processes falls on both alike
        known.append(attempt("alice"))
        unknown.append(attempt("nobody-here"))
    assert {(status, text) for _, status, text in known} == {(status, text) for _, status, text in unknown}
    assert known[0][1] == 401
    # The fastest of each: noise from a busy machine only ever adds time.
    ratio = min(t for t, _, _ in known) / min(t for t, _, _ in unknown)
    assert 0.6 < ratio < 1.6, f"known/unknown login time ratio {ratio:.2f}"


def test_repeated_failed_logins_are_slowed_per_name_and_logged_without_secrets(client, engine, caplog):
    make_staff(engine, "alice", "operator")
    token = token_of(client.get("/login").text)
    caplog.set_level(logging.WARNING, logger="worker.console")
    for _ in range(5):
        answer = client.post("/login", data={"username": "alice", "password": "wrong-password-1", "csrf_token": token})
        assert answer.status_code == 401
    blocked = client.post("/login", data={"username": "alice", "password": PASSWORD, "csrf_token": token},
                          follow_redirects=False)
    assert blocked.status_code == 429 and "秒後" in blocked.text  # even the right password waits
    assert "login failed" in caplog.text and "slowed" in caplog.text
    assert "alice" not in caplog.text and "wrong-password" not in caplog.text and PASSWORD not in caplog.text
    with engine.connect() as conn:
        failures = conn.execute(select(func.count()).select_from(AuditEntry)
                                .where(AuditEntry.action == "login.failed")).scalar_one()
    assert failures == 5


def test_the_throttle_counts_per_client_and_forgets_after_the_window():
    now = [1000.0]
    throttle = LoginThrottle(free=3, base_s=2, window_s=60, clock=lambda: now[0])
    for name in ("a", "b", "c"):
        throttle.failed("name:" + name, "client:1")
    assert throttle.wait_s("name:d", "client:1") == pytest.approx(2)  # a new name from the same client
    assert throttle.wait_s("name:d", "client:2") == 0
    throttle.failed("name:d", "client:1")
    assert throttle.wait_s("name:e", "client:1") == pytest.approx(4)  # doubles
    now[0] += 61
    assert throttle.wait_s("name:e", "client:1") == 0


def test_pages_send_security_headers(as_role):
    answer = as_role("viewer").get("/")
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    assert answer.headers["x-frame-options"] == "DENY" and answer.headers["cache-control"] == "no-store"


def test_the_login_form_has_the_fields_username_and_password(client):
    html = client.get("/login").text
    assert 'name="username"' in html and 'name="password"' in html and 'type="password"' in html


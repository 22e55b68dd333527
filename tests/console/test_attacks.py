"""The console attacked from outside and by a hostile insider: ids that do not fit the
database, the database going away, and the other ways in that an attack review found."""

from __future__ import annotations

import logging

import pytest

from tests.console.conftest import csrf
from worker.db import make_engine, session_scope
from worker.domain.models import Seeker

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

"""The console's pages do the staff's tasks through the pipeline: batches (dry run, then run),
notices (reach, preview, a second operator's approval), the helpdesk (e-mail look-up never shown
back, "why not this offer?"), mails and suppressions — each written to the audit log."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from tests.console.conftest import csrf
from worker.db import session_scope
from worker.domain.models import (
    AuditEntry,
    Condition,
    InboxItem,
    JobOffer,
    OutboxMail,
    Seeker,
    SuppressedAddress,
)
from worker.outbox.suppression import address_hash


def small_world(engine, *, seekers: int = 3) -> list[int]:
    ids = []
    with session_scope(engine) as session:
        for n in range(seekers):
            seeker = Seeker(seeker_number=f"13010-{n:08d}", email=f"Person{n}@Example.jp",
                            email_normalized=f"person{n}@example.jp", prefecture_code="13", account_state="open")
            session.add(seeker)
            session.flush()
            session.add(Condition(seeker_id=seeker.id, prefecture_codes=["13"], keywords=["事務"]))
            ids.append(seeker.id)
        session.add(JobOffer(job_number="13010-90000001", title="一般事務", prefecture_code="13"))
        session.add(JobOffer(job_number="27010-90000002", title="倉庫作業", prefecture_code="27"))
    return ids


def count(engine, model, *where) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def audit(engine, action: str) -> list[AuditEntry]:
    with session_scope(engine) as session:
        return list(session.execute(select(AuditEntry).where(AuditEntry.action == action)).scalars())


def finish(app, location: str):
    job = app.state.batches.jobs[int(location.rsplit("/", 1)[1])]
    app.state.batches.wait(job)
    return job


def test_a_dry_run_writes_nothing_and_shows_samples_then_the_confirmed_batch_runs(app, engine, as_role):
    small_world(engine)
    operator = as_role("operator")
    answer = operator.post("/batches/dry-run", data={"csrf_token": csrf(operator), "since": "2000-01-01",
                                                     "prefecture": "13"}, follow_redirects=False)
    assert answer.status_code == 303
    job = finish(app, answer.headers["location"])
    page = operator.get(answer.headers["location"]).text
    assert job.dry_run and job.counts()["inbox_items"] == 3 and count(engine, InboxItem) == 0
    assert "キーワード『事務』が職種にあります" in page and "実行する" in page

    answer = operator.post("/batches/run", data={"csrf_token": token_in(page), "since": "2000-01-01",
                                                 "prefecture": "13"}, follow_redirects=False)
    job = finish(app, answer.headers["location"])
    assert job.error is None and count(engine, InboxItem) == 3 and count(engine, OutboxMail) == 3
    assert operator.get(answer.headers["location"] + "/progress").json()["finished"] is True
    assert [e.details["inbox_items"] for e in audit(engine, "batch.run")] == [3]
    assert "推薦バッチ実行" in operator.get("/batches").text


def token_in(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_a_batch_form_with_a_bad_prefecture_is_refused_with_a_reason(as_role):
    operator = as_role("operator")
    answer = operator.post("/batches/dry-run", data={"csrf_token": csrf(operator), "since": "2000-01-01",
                                                     "prefecture": "48"})
    assert answer.status_code == 400 and "都道府県コード" in answer.text


def test_a_notice_above_the_threshold_waits_for_a_second_operator(engine, as_role):
    small_world(engine)  # three seekers; the test settings' threshold is 2
    author, second = as_role("operator"), as_role("operator")
    answer = author.post("/notices", data={"csrf_token": csrf(author), "title": "受付時間の変更",
                                           "body": "窓口の受付時間が変わります。", "prefectures": "13"},
                         follow_redirects=False)
    draft = answer.headers["location"]
    page = author.get(draft).text
    assert "<strong>3</strong> 人" in page and "承認待ち" in page and "窓口の受付時間が変わります。" in page
    refused = author.post(draft + "/send", data={"csrf_token": token_in(page)})
    assert refused.status_code == 403 and count(engine, InboxItem) == 0

    page = second.get(draft).text
    assert "承認して送信" in page
    assert second.post(draft + "/send", data={"csrf_token": token_in(page)}, follow_redirects=False).status_code == 303
    assert count(engine, InboxItem) == 3 and count(engine, OutboxMail) == 3
    assert second.post(draft + "/send", data={"csrf_token": token_in(page)}).status_code == 403  # not twice
    sent = audit(engine, "notice.send")
    assert [(e.details["inbox_items"], e.details["approved"]) for e in sent] == [(3, True)]


def test_a_small_notice_is_sent_by_its_author(engine, as_role):
    small_world(engine, seekers=1)
    author = as_role("operator")
    draft = author.post("/notices", data={"csrf_token": csrf(author), "title": "お知らせ", "body": "本文",
                                          "prefectures": ""}, follow_redirects=False).headers["location"]
    page = author.get(draft).text
    assert "送信する" in page
    assert author.post(draft + "/send", data={"csrf_token": token_in(page)}, follow_redirects=False).status_code == 303
    assert count(engine, InboxItem) == 1


def test_a_notice_without_a_title_is_refused_and_kept_in_the_form(as_role):
    operator = as_role("operator")
    answer = operator.post("/notices", data={"csrf_token": csrf(operator), "title": " ", "body": "本文だけ"})
    assert answer.status_code == 400 and "件名" in answer.text and "本文だけ" in answer.text


def test_the_helpdesk_finds_a_seeker_by_e_mail_and_never_shows_it_back(engine, as_role):
    ids = small_world(engine)
    viewer = as_role("viewer")
    answer = viewer.post("/seekers/lookup", data={"csrf_token": csrf(viewer, "/seekers"),
                                                  "query": " PERSON1@example.JP "}, follow_redirects=False)
    assert answer.headers["location"] == f"/seekers/{ids[1]}"
    page = viewer.get(answer.headers["location"]).text
    assert "person1" not in page.lower() and "登録あり" in page
    entries = audit(engine, "seeker.lookup")
    assert entries[0].details == {"by": "email", "found": True, "seeker_id": ids[1]}
    assert "person1" not in str([e.details for e in audit(engine, "seeker.view")]).lower()


def test_the_helpdesk_explains_which_rule_rejected_an_offer(engine, as_role):
    ids = small_world(engine)
    page = as_role("viewer").get(f"/seekers/{ids[0]}", params={"job": "27010-90000002"}).text
    assert "どの条件にも合わない" in page
    assert "勤務地（27 大阪府）が希望の勤務地（13 東京都）に含まれません" in page
    assert "キーワード『事務』が求人の職種・仕事内容・事業所名・免許・資格にありません" in page


def test_the_helpdesk_says_when_a_matching_offer_was_not_chosen(engine, as_role):
    ids = small_world(engine)
    page = as_role("viewer").get(f"/seekers/{ids[0]}", params={"job": "13010-90000001"}).text
    assert "この条件に合います" in page and "照合待ち" in page


def test_an_admin_lifts_a_suppression_and_the_audit_log_shows_it(engine, as_role):
    with session_scope(engine) as session:
        session.add(SuppressedAddress(address_hash=address_hash("gone@example.jp"), reason="550 <gone@example.jp> unknown"))
    admin = as_role("admin")
    page = admin.get("/mails").text
    assert "gone@example.jp" not in page and "（アドレス）" in page
    row_id = re.search(r"/mails/suppressions/(\d+)/lift", page).group(1)
    assert admin.post(f"/mails/suppressions/{row_id}/lift", data={"csrf_token": token_in(page)},
                      follow_redirects=False).status_code == 303
    assert count(engine, SuppressedAddress) == 0
    assert "suppression.lift" in admin.get("/audit").text


def test_every_declared_mail_has_a_preview_page(as_role):
    from worker.mail.registry import MAILS

    viewer = as_role("viewer")
    for name in MAILS:
        page = viewer.get(f"/mails/{name}")
        assert page.status_code == 200 and "srcdoc=" in page.text, name
    assert viewer.get("/mails/no-such-mail").status_code == 404


def test_the_dashboard_shows_the_counts_and_the_48_hour_chart(engine, as_role):
    small_world(engine)
    page = as_role("viewer").get("/").text
    assert "照合待ちの求人" in page and "<svg" in page and 'data-refresh-url="/dashboard/body"' in page
    assert re.search(r"照合待ちの求人</span><span class=\"value\">2<", page)


def test_an_admin_adds_a_staff_account_from_the_console(engine, as_role):
    admin = as_role("admin")
    answer = admin.post("/staff/add", data={"csrf_token": csrf(admin, "/staff"), "name": "new.clerk",
                                            "role": "viewer", "password": "a-long-password"}, follow_redirects=False)
    assert answer.status_code == 303 and "new.clerk" in admin.get("/staff").text
    short = admin.post("/staff/add", data={"csrf_token": csrf(admin, "/staff"), "name": "other",
                                           "role": "viewer", "password": "short"})
    assert short.status_code == 400 and "10" in short.text

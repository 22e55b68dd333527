"""The mails' context builders: the same facts from the database as from the preview's sample
rows, the 認証キー re-derived and valid, and mails that lost their point cancelled."""

from __future__ import annotations

from datetime import date

import pytest

from worker.domain.keys import key_matches
from worker.domain.models import (
    AccountState,
    Condition,
    InboxItem,
    InboxKind,
    JobOffer,
    KeyRequestStatus,
    MatchingStatus,
    PasswordRegistrationRequest,
    RegistrationStatus,
    Seeker,
)
from worker.mail.declaration import MailExpired, MailNotNeeded
from worker.mail.kinds import DIGEST_LIMIT
from worker.mail.registry import MAILS
from worker.mail.render import render_mail
from worker.mail.rows import ConnectionRows
from worker.mail.samples import SAMPLE_MAILS, SampleRows, sample_rows


def build(name, rows, settings, **outbox_context):
    return MAILS[name].context(rows, settings, {**SAMPLE_MAILS[name].outbox_context, **outbox_context})


def test_every_mail_builds_the_same_context_from_the_database_as_from_the_sample_rows(sample_world, settings):
    with sample_world.connect() as conn:  # the rows delivery reads with
        for name in MAILS:
            assert build(name, ConnectionRows(conn), settings) == build(name, sample_rows(settings), settings), name


def test_the_password_mail_carries_the_rederived_key_that_the_stored_hash_accepts(settings):
    rows = sample_rows(settings)
    request = rows.get(PasswordRegistrationRequest, 1)
    context = build("password-registration", rows, settings)
    mail = render_mail("password-registration", context)

    assert key_matches(context["authentication_key"], request.salt, request.key_hash)
    assert context["authentication_key"] in mail.text and context["authentication_key"] in mail.html
    assert "2025年11月5日（水）10時50分まで（50分間有効です）" in mail.text  # 01:50 UTC, shown in JST
    assert "https://www.hellowork.mhlw.go.jp/mypage/password-registration" in mail.text
    assert "ほかの人には絶対に教えないでください" in mail.text


def test_a_different_secret_key_gives_a_key_the_stored_hash_refuses(settings):
    request = sample_rows(settings).get(PasswordRegistrationRequest, 1)
    other = settings.model_copy(update={"secret_key": "another installation, another secret key"})
    key = build("password-registration", sample_rows(other), other)["authentication_key"]
    assert not key_matches(key, request.salt, request.key_hash)


def test_the_digest_lists_each_offer_with_place_wage_and_why_it_matched(settings):
    mail = render_mail("recommendations", build("recommendations", sample_rows(settings), settings))
    assert "（2件）" in mail.subject
    for line in ("■介護職員（特別養護老人ホーム）", "事業所名：社会福祉法人 さくら福祉会", "就業場所：東京都世田谷区",
                 "賃金　　：月給 215,000円〜262,000円", "・職種が希望の職業分類（介護サービス職業従事者）に当てはまります",
                 "賃金　　：時給 1,180円〜1,300円", "https://www.hellowork.mhlw.go.jp/mypage/jobs/13010-14180061"):
        assert line in mail.text


def test_a_long_digest_lists_the_first_offers_and_counts_the_rest(settings):
    rows = sample_rows(settings)
    extra = []
    for n in range(DIGEST_LIMIT + 5):
        offer = JobOffer(id=100 + n, job_number=f"13010-{n:08d}", title=f"求人{n}", prefecture_code="13")
        extra += [offer, InboxItem(id=100 + n, seeker_id=1, kind=InboxKind.RECOMMENDATION,
                                   dedupe_key=f"recommendation:1:{100 + n}", job_offer_id=100 + n)]
    rows = SampleRows([*rows.rows, *extra])
    context = build("recommendations", rows, settings, inbox_item_ids=[100 + n for n in range(DIGEST_LIMIT + 5)])
    mail = render_mail("recommendations", context)

    assert len(context["offers"]) == DIGEST_LIMIT and context["more_count"] == 5
    assert f"（{DIGEST_LIMIT + 5}件）" in mail.subject and "このほか5件の求人" in mail.text


def _changed(settings, model, ident, **values):
    rows = sample_rows(settings)
    row = rows.get(model, ident)
    for key, value in values.items():
        setattr(row, key, value)
    return rows


@pytest.mark.parametrize(("name", "model", "ident", "change"), [
    ("recommendations", Seeker, 1, {"account_state": AccountState.WITHDRAWN}),
    ("saved-search-new-jobs", Condition, 2, {"notify": False}),
    ("saved-search-new-jobs", Seeker, 1, {"saved_search_mails": False}),
    ("restricted", Seeker, 2, {"account_state": AccountState.OPEN}),
    ("registration-expiring", Seeker, 1, {"registration_valid_until": date(2026, 1, 31)}),
    ("registration-invalid", Seeker, 3, {"registration_status": RegistrationStatus.VALID}),
    ("deletion-warning", Seeker, 4, {"registration_status": RegistrationStatus.VALID}),
    ("password-registration", PasswordRegistrationRequest, 1, {"status": KeyRequestStatus.SUPERSEDED}),
    ("notice", InboxItem, 3, {"seeker_id": 2}),
])
def test_a_mail_whose_reason_went_away_is_not_needed(name, model, ident, change, settings):
    with pytest.raises(MailNotNeeded):
        build(name, _changed(settings, model, ident, **change), settings)


def test_a_mail_about_rows_that_are_gone_is_not_needed(settings):
    with pytest.raises(MailNotNeeded):
        build("message-received", sample_rows(settings), settings, message_id=999)
    with pytest.raises(MailNotNeeded):
        build("recommendations", sample_rows(settings), settings, inbox_item_ids=[998, 999])


def test_a_password_mail_whose_request_expired_is_expired(settings):
    with pytest.raises(MailExpired):
        build("password-registration",
              _changed(settings, PasswordRegistrationRequest, 1, status=KeyRequestStatus.EXPIRED), settings)


def test_the_withdrawal_mail_needs_no_seeker_row(settings):
    context = build("withdrawn", SampleRows([]), settings)
    assert context["seeker_name"] == "小林 太郎"


@pytest.mark.parametrize("name", ["recommendations", "saved-search-new-jobs"])
@pytest.mark.parametrize("change", [
    {"registration_status": RegistrationStatus.INVALID},
    {"account_state": AccountState.UNUSABLE},
])
def test_offers_are_not_mailed_to_a_seeker_who_became_invalid_or_unusable_after_they_were_queued(name, change, settings):
    with pytest.raises(MailNotNeeded):
        build(name, _changed(settings, Seeker, 1, **change), settings)


@pytest.mark.parametrize("change", [
    {"registration_status": RegistrationStatus.INVALID},
    {"account_state": AccountState.UNUSABLE},
])
def test_a_message_notice_is_not_mailed_once_the_seeker_may_no_longer_use_messages(change, settings):
    with pytest.raises(MailNotNeeded):
        build("message-received", _changed(settings, Seeker, 1, **change), settings)


def test_the_digest_lists_the_chosen_offers_best_first_and_says_how_many_more_matched(settings):
    rows = _changed(settings, InboxItem, 2, score=95)  # now better than item 1 (92)
    context = build("recommendations", rows, settings, inbox_item_ids=[1, 2], more_count=7)
    mail = render_mail("recommendations", context)

    assert [offer["job_number"] for offer in context["offers"]] == [rows.get(JobOffer, 2).job_number,
                                                                    rows.get(JobOffer, 1).job_number]
    assert "求職条件に合う求人が7件以上あります" in mail.text and "求職条件に合う求人が7件以上あります" in mail.html
    assert "件以上あります" not in render_mail("recommendations", build("recommendations", rows, settings,
                                                                   inbox_item_ids=[1, 2], more_count=0)).text


@pytest.mark.parametrize(("name", "closing"), [
    ("recommendations", {"matching_status": MatchingStatus.WITHDRAWN}),
    ("saved-search-new-jobs", {"matching_status": MatchingStatus.WITHDRAWN}),
    ("saved-search-new-jobs", {"referral_deadline": date(2025, 11, 4)}),  # the day before the mail's
])
def test_an_offer_that_closed_after_it_was_found_is_left_out_of_the_offer_mails(name, closing, settings):
    listed = [offer["job_number"] for offer in build(name, _changed(settings, JobOffer, 2, **closing), settings)["offers"]]
    assert len(listed) == 1 and "14010-05530871" not in listed


def test_an_offer_whose_referral_deadline_is_the_mails_day_is_still_listed(settings):
    context = build("saved-search-new-jobs", _changed(settings, JobOffer, 2, referral_deadline=date(2025, 11, 5)), settings)
    assert "14010-05530871" in [offer["job_number"] for offer in context["offers"]]

"""Opening a My Page (leaflet steps 1–7), the login e-mail, the agreement, and withdrawal."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlmodel import SQLModel

from tests.services.builders import NOW, SECRET, mails, make_offer, make_seeker, row, table_counts
from worker.db import session_scope
from worker.domain.errors import (
    AccountNotOpen,
    AccountUnusable,
    AuthenticationKeyInvalid,
    InvalidInput,
    NotFound,
    PasswordPolicyViolation,
    RegistrationInvalid,
)
from worker.domain.keys import derive_authentication_key
from worker.domain.models import (
    AccountState,
    Application,
    Condition,
    ConditionKind,
    Favourite,
    InboxItem,
    InboxKind,
    KeyRequestStatus,
    MailStatus,
    Message,
    NoShowReport,
    OutboxMail,
    PasswordRegistrationRequest,
    RecommendationCandidate,
    Referral,
    RegistrationStatus,
    Seeker,
)
from worker.outbox.enqueue import enqueue_mail
from worker.services.accounts import (
    ACCEPTED,
    PRIVACY_POLICY_VERSION,
    TERMS_VERSION,
    agree_to_terms,
    complete_password_registration,
    expire_password_requests,
    needs_agreement,
    register_login_email,
    request_password_registration,
    withdraw,
)
from worker.services.passwords import verify_password
from worker.services.restrictions import make_unusable

PASSWORD = "@abcd1234"


def not_opened(session, **fields):
    fields.setdefault("account_state", AccountState.NOT_OPENED.value)
    fields.setdefault("opened_at", None)
    return make_seeker(session, **fields)


def ask(session, email, birth_date=date(1990, 4, 1), *, now=NOW, terms=TERMS_VERSION, privacy=PRIVACY_POLICY_VERSION):
    return request_password_registration(session, email=email, birth_date=birth_date, terms_version=terms,
                                         privacy_policy_version=privacy, secret=SECRET, now=now)


def requests_of(session, seeker_id):
    session.flush()
    return list(session.execute(
        select(PasswordRegistrationRequest).where(PasswordRegistrationRequest.seeker_id == seeker_id)
        .order_by(PasswordRegistrationRequest.id).execution_options(populate_existing=True)
    ).scalars())


def key_of(request):
    return derive_authentication_key(SECRET, request.salt)


def complete(session, email, key, password=PASSWORD, *, now=NOW + timedelta(minutes=10)):
    return complete_password_registration(session, email=email, authentication_key=key, password=password, now=now)


# ---------------------------------------------------------------------------- step 1: the login e-mail


def test_staff_register_a_login_email_kept_as_typed_and_lower_cased_for_login(session):
    seeker = not_opened(session, email=None, email_normalized=None)
    register_login_email(session, seeker_id=seeker.id, email=" Hanako.Sato@Example.JP ", now=NOW)
    stored = row(session, Seeker, seeker.id)
    assert stored["email"] == "Hanako.Sato@Example.JP"
    assert stored["email_normalized"] == "hanako.sato@example.jp"


def test_a_malformed_email_is_refused_and_nothing_changes(session):
    seeker = not_opened(session, email=None, email_normalized=None)
    before, counts = row(session, Seeker, seeker.id), table_counts(session)
    with pytest.raises(InvalidInput) as raised:
        register_login_email(session, seeker_id=seeker.id, email="hanako.sato@example", now=NOW)
    assert raised.value.message == "メールアドレスの形式が正しくありません。"
    assert row(session, Seeker, seeker.id) == before
    assert table_counts(session) == counts


def test_an_email_another_seeker_uses_in_another_case_is_refused_and_nothing_changes(session):
    make_seeker(session, email="hanako@example.jp")
    seeker = not_opened(session, email=None, email_normalized=None)
    before = row(session, Seeker, seeker.id)
    with pytest.raises(InvalidInput, match="既に別の求職者"):
        register_login_email(session, seeker_id=seeker.id, email="HANAKO@example.jp", now=NOW)
    assert row(session, Seeker, seeker.id) == before


def test_registering_an_email_for_an_unknown_seeker_is_refused_in_japanese(session):
    counts = table_counts(session)
    with pytest.raises(NotFound) as raised:
        register_login_email(session, seeker_id=999, email="hanako@example.jp", now=NOW)
    assert raised.value.message == "求職者が見つかりません。"
    assert table_counts(session) == counts


def test_changing_the_email_kills_the_pending_key_and_cancels_its_unsent_mail(session):
    seeker = not_opened(session)
    ask(session, seeker.email)
    register_login_email(session, seeker_id=seeker.id, email="new.address@example.jp", now=NOW)
    assert [r.status for r in requests_of(session, seeker.id)] == [KeyRequestStatus.SUPERSEDED]
    assert [m.status for m in mails(session, "password-registration")] == [MailStatus.CANCELLED]


# ---------------------------------------------------------------------------- step 3: the agreement


def test_a_request_without_agreeing_to_the_current_versions_is_refused_and_nothing_changes(session):
    seeker = not_opened(session)
    before, counts = row(session, Seeker, seeker.id), table_counts(session)
    for terms, privacy in [(None, None), ("2019-01", PRIVACY_POLICY_VERSION), (TERMS_VERSION, "")]:
        with pytest.raises(InvalidInput, match="同意してください"):
            ask(session, seeker.email, terms=terms, privacy=privacy)
    assert row(session, Seeker, seeker.id) == before
    assert table_counts(session) == counts


def test_a_matching_request_records_the_agreed_versions_and_the_time(session):
    seeker = not_opened(session)
    ask(session, seeker.email)
    stored = row(session, Seeker, seeker.id)
    assert (stored["terms_version"], stored["privacy_policy_version"]) == (TERMS_VERSION, PRIVACY_POLICY_VERSION)
    assert stored["agreed_at"] == NOW


def test_an_open_account_agrees_again_when_the_versions_change(session):
    seeker = make_seeker(session, terms_version="2019-01", privacy_policy_version="2019-01")
    assert needs_agreement(seeker)
    agree_to_terms(session, seeker_id=seeker.id, terms_version=TERMS_VERSION,
                   privacy_policy_version=PRIVACY_POLICY_VERSION, now=NOW)
    assert not needs_agreement(seeker)
    assert row(session, Seeker, seeker.id)["agreed_at"] == NOW


# ---------------------------------------------------------------------------- steps 4 and 5


def test_a_matching_request_creates_a_key_request_and_its_mail_together(session):
    seeker = not_opened(session)
    assert ask(session, seeker.email.upper(), "1990-04-01") is ACCEPTED
    [request] = requests_of(session, seeker.id)
    assert request.status == KeyRequestStatus.PENDING
    assert request.expires_at == NOW + timedelta(minutes=50)
    [mail] = mails(session)
    assert mail.kind == "password-registration"
    assert mail.dedupe_key == f"password-registration:{request.id}"
    assert mail.context == {"request_id": request.id}
    assert mail.recipient == seeker.email
    assert mail.expires_at == request.expires_at
    assert mail.seeker_id == seeker.id


def test_the_key_itself_is_stored_nowhere(session):
    seeker = not_opened(session)
    ask(session, seeker.email)
    [request] = requests_of(session, seeker.id)
    key = key_of(request)
    stored = [str(v) for r in (row(session, PasswordRegistrationRequest, request.id),
                               row(session, OutboxMail, mails(session)[0].id)) for v in r.values()]
    assert not any(key in value for value in stored)


def test_the_answer_is_the_same_whether_or_not_anything_matches(session):
    seeker = not_opened(session)
    make_seeker(session, email="opened@example.jp")
    not_opened(session, email="lapsed@example.jp", registration_status=RegistrationStatus.INVALID.value)
    answers = [
        ask(session, "nobody@example.jp"),
        ask(session, seeker.email, date(1991, 4, 1)),
        ask(session, "opened@example.jp"),
        ask(session, "lapsed@example.jp"),
        ask(session, seeker.email),
    ]
    assert all(answer is ACCEPTED for answer in answers)
    assert len(requests_of(session, seeker.id)) == 1
    assert len(mails(session)) == 1


def test_an_unknown_email_creates_nothing(session):
    not_opened(session)
    counts = table_counts(session)
    ask(session, "nobody@example.jp")
    assert table_counts(session) == counts


def test_a_registration_past_its_last_valid_day_gets_no_key(session):
    seeker = not_opened(session, registration_valid_until=date(2025, 6, 9))
    ask(session, seeker.email)
    assert requests_of(session, seeker.id) == []


def test_a_birth_date_in_the_future_is_refused_and_nothing_changes(session):
    seeker = not_opened(session)
    counts, before = table_counts(session), row(session, Seeker, seeker.id)
    with pytest.raises(InvalidInput) as raised:
        ask(session, seeker.email, "2025-06-11")
    assert raised.value.message == "生年月日に未来の日付は入力できません。"
    assert table_counts(session) == counts
    assert row(session, Seeker, seeker.id) == before


def test_a_malformed_email_at_the_request_is_refused_and_nothing_changes(session):
    not_opened(session)
    counts = table_counts(session)
    with pytest.raises(InvalidInput, match="メールアドレスの形式"):
        ask(session, "taro.yamada@")
    with pytest.raises(InvalidInput, match="全角文字"):
        ask(session, "ｔａｒｏ@example.jp")
    assert table_counts(session) == counts


def test_a_newer_request_supersedes_the_older_and_cancels_its_unsent_mail(session):
    seeker = not_opened(session)
    ask(session, seeker.email)
    ask(session, seeker.email, now=NOW + timedelta(minutes=5))
    first, second = requests_of(session, seeker.id)
    assert (first.status, second.status) == (KeyRequestStatus.SUPERSEDED, KeyRequestStatus.PENDING)
    assert [m.status for m in mails(session)] == [MailStatus.CANCELLED, MailStatus.PENDING]


# ---------------------------------------------------------------------------- steps 6 and 7


def opened_by_request(session):
    seeker = not_opened(session)
    ask(session, seeker.email)
    session.commit()
    [request] = requests_of(session, seeker.id)
    return seeker, request


def test_the_right_key_within_50_minutes_opens_the_account(session):
    seeker, request = opened_by_request(session)
    complete(session, seeker.email.upper(), key_of(request).lower(), now=NOW + timedelta(minutes=49, seconds=59))
    stored = row(session, Seeker, seeker.id)
    assert stored["account_state"] == AccountState.OPEN
    assert stored["opened_at"] == NOW + timedelta(minutes=49, seconds=59)
    assert verify_password(PASSWORD, stored["password_hash"])
    assert row(session, PasswordRegistrationRequest, request.id)["status"] == KeyRequestStatus.USED


def test_a_key_is_dead_after_50_minutes(session):
    seeker, request = opened_by_request(session)
    with pytest.raises(AuthenticationKeyInvalid) as raised:
        complete(session, seeker.email, key_of(request), now=NOW + timedelta(minutes=50))
    assert "50分" in raised.value.message
    assert row(session, Seeker, seeker.id)["account_state"] == AccountState.NOT_OPENED


def test_a_key_works_once(session):
    seeker, request = opened_by_request(session)
    complete(session, seeker.email, key_of(request))
    session.commit()
    with pytest.raises(AuthenticationKeyInvalid):
        complete(session, seeker.email, key_of(request), "@other5678")
    assert verify_password(PASSWORD, row(session, Seeker, seeker.id)["password_hash"])


def test_the_older_key_stops_working_when_a_newer_one_is_issued(session):
    seeker, old = opened_by_request(session)
    ask(session, seeker.email, now=NOW + timedelta(minutes=1))
    session.commit()
    with pytest.raises(AuthenticationKeyInvalid):
        complete(session, seeker.email, key_of(old))
    new = requests_of(session, seeker.id)[-1]
    complete(session, seeker.email, key_of(new))
    assert row(session, Seeker, seeker.id)["account_state"] == AccountState.OPEN


def test_five_wrong_tries_kill_the_key_even_though_each_failure_is_rolled_back(engine, session):
    seeker, request = opened_by_request(session)
    for _ in range(5):
        with pytest.raises(AuthenticationKeyInvalid), session_scope(engine) as attempt:
            complete(attempt, seeker.email, "WRONGKEY22")
    stored = row(session, PasswordRegistrationRequest, request.id)
    assert (stored["failed_attempts"], stored["status"]) == (5, KeyRequestStatus.LOCKED)
    with pytest.raises(AuthenticationKeyInvalid), session_scope(engine) as attempt:
        complete(attempt, seeker.email, key_of(request))
    assert row(session, Seeker, seeker.id)["account_state"] == AccountState.NOT_OPENED


def test_a_wrong_key_in_the_transaction_that_made_the_request_is_counted_there(session):
    # Nothing outside this transaction can see the request yet (and on SQLite this session
    # holds the write lock), so the try is counted in the caller's transaction.
    seeker = not_opened(session)
    ask(session, seeker.email)
    with pytest.raises(AuthenticationKeyInvalid):
        complete(session, seeker.email, "WRONGKEY22")
    [request] = requests_of(session, seeker.id)
    assert (request.failed_attempts, request.status) == (1, KeyRequestStatus.PENDING)


def test_four_wrong_tries_still_leave_the_right_key_working(engine, session):
    seeker, request = opened_by_request(session)
    for _ in range(4):
        with pytest.raises(AuthenticationKeyInvalid), session_scope(engine) as attempt:
            complete(attempt, seeker.email, "WRONGKEY22")
    with session_scope(engine) as attempt:
        complete(attempt, seeker.email, key_of(request))
    assert row(session, Seeker, seeker.id)["account_state"] == AccountState.OPEN


def test_a_key_cannot_open_an_account_staff_made_unusable_meanwhile(session):
    seeker, request = opened_by_request(session)
    make_unusable(session, seeker_id=seeker.id, now=NOW + timedelta(minutes=1))
    session.commit()
    with pytest.raises(AuthenticationKeyInvalid):
        complete(session, seeker.email, key_of(request))
    assert row(session, Seeker, seeker.id)["account_state"] == AccountState.UNUSABLE


def test_a_key_cannot_open_an_account_whose_registration_became_invalid_meanwhile(session):
    seeker, request = opened_by_request(session)
    seeker.registration_status = RegistrationStatus.INVALID.value
    session.commit()
    with pytest.raises(RegistrationInvalid):
        complete(session, seeker.email, key_of(request))
    assert row(session, Seeker, seeker.id)["account_state"] == AccountState.NOT_OPENED


def test_a_33_character_password_is_refused_and_the_key_is_not_spent(session):
    seeker, request = opened_by_request(session)
    counts, before = table_counts(session), row(session, Seeker, seeker.id)
    with pytest.raises(PasswordPolicyViolation) as raised:
        complete(session, seeker.email, key_of(request), "a1@" + "b" * 30)
    assert raised.value.problems == ["パスワードは8文字以上32文字以内で入力してください（現在33文字）。"]
    assert raised.value.field == "password"
    assert table_counts(session) == counts
    assert row(session, Seeker, seeker.id) == before
    assert row(session, PasswordRegistrationRequest, request.id)["failed_attempts"] == 0


def test_a_password_with_full_width_characters_is_refused_and_nothing_changes(session):
    seeker, request = opened_by_request(session)
    before = row(session, Seeker, seeker.id)
    with pytest.raises(PasswordPolicyViolation, match="全角文字"):
        complete(session, seeker.email, key_of(request), "＠ａｂｃｄ１２３４")
    assert row(session, Seeker, seeker.id) == before


def test_an_unknown_email_at_completion_gets_the_same_key_error(session):
    opened_by_request(session)
    with pytest.raises(AuthenticationKeyInvalid) as raised:
        complete(session, "nobody@example.jp", "ABCDEFGHJK")
    assert raised.value.message == AuthenticationKeyInvalid.message


def test_expiring_requests_marks_only_those_past_50_minutes(session):
    early, late = not_opened(session), not_opened(session)
    ask(session, early.email)
    ask(session, late.email, now=NOW + timedelta(minutes=30))
    assert expire_password_requests(session, now=NOW + timedelta(minutes=50)) == 1
    assert [r.status for r in requests_of(session, early.id)] == [KeyRequestStatus.EXPIRED]
    assert [r.status for r in requests_of(session, late.id)] == [KeyRequestStatus.PENDING]
    assert expire_password_requests(session, now=NOW + timedelta(minutes=50)) == 0


# ---------------------------------------------------------------------------- 退会


def with_everything(session):
    """A seeker with a row in every personal table and mails in every state."""
    seeker = make_seeker(session)
    offer = make_offer(session, online_application=True)
    session.add(Condition(seeker_id=seeker.id, kind=ConditionKind.REGISTERED.value, keywords=["事務"]))
    session.add(Condition(seeker_id=seeker.id, kind=ConditionKind.SAVED.value, keywords=["経理"]))
    session.add(Favourite(seeker_id=seeker.id, job_offer_id=offer.id))
    session.add(InboxItem(seeker_id=seeker.id, kind=InboxKind.NOTICE.value, dedupe_key=f"notice:{seeker.id}:1",
                          title="お知らせ", body=f"{seeker.name}様へのお知らせ"))
    application = Application(seeker_id=seeker.id, job_offer_id=offer.id, self_application=True)
    session.add(application)
    session.flush()
    session.add(Referral(seeker_id=seeker.id, application_id=application.id, job_offer_id=offer.id))
    session.add(Message(seeker_id=seeker.id, job_offer_id=offer.id, body="面接の日程について"))
    session.add(NoShowReport(seeker_id=seeker.id, application_id=application.id))
    session.add(RecommendationCandidate(seeker_id=seeker.id, job_offer_id=offer.id, condition_id=1, score=100))
    session.add(PasswordRegistrationRequest(seeker_id=seeker.id, salt="00", key_hash="00",
                                            expires_at=NOW + timedelta(minutes=50)))
    enqueue_mail(session, kind="notice", dedupe_key=f"notice-mail:{seeker.id}", recipient=seeker.email,
                 seeker_id=seeker.id, context={"seeker_id": seeker.id, "inbox_item_id": 1})
    enqueue_mail(session, kind="referral-issued", dedupe_key=f"sent:{seeker.id}", recipient=seeker.email,
                 seeker_id=seeker.id, context={"seeker_id": seeker.id, "referral_id": 1})
    session.flush()
    sent = session.execute(select(OutboxMail).where(OutboxMail.dedupe_key == f"sent:{seeker.id}")).scalar_one()
    sent.status = MailStatus.SENT.value
    session.flush()
    return seeker


PERSONAL = (Condition, Favourite, InboxItem, Application, Referral, Message, NoShowReport, PasswordRegistrationRequest,
            RecommendationCandidate)


def test_withdrawal_deletes_the_seeker_and_every_personal_row(session):
    seeker, other = with_everything(session), with_everything(session)
    name, email = seeker.name, seeker.email
    others_before = table_counts(session)
    withdraw(session, seeker_id=seeker.id, now=NOW)
    session.commit()
    assert row(session, Seeker, seeker.id) == {}
    for model in PERSONAL:
        remaining = session.execute(select(model).where(model.seeker_id == seeker.id)).all()
        assert remaining == [], model.__name__
        assert table_counts(session)[model.__tablename__] == others_before[model.__tablename__] // 2
    assert row(session, Seeker, other.id)["email"] == other.email
    # Nothing anywhere still names the seeker, except the withdrawn mail that must reach them.
    withdrawn = mails(session, "withdrawn")
    assert [(m.recipient, m.context, m.seeker_id) for m in withdrawn] == [(email, {"name": name}, None)]
    for table in SQLModel.metadata.sorted_tables:
        for found in session.execute(select(table)).mappings():
            if table.name == "outbox_mail" and found["id"] == withdrawn[0].id:
                continue
            text = repr(dict(found))
            assert email not in text and email.lower() not in text and name not in text, (table.name, text)


def test_withdrawal_cancels_the_seekers_waiting_mails_and_keeps_the_record_of_sent_ones(session):
    seeker = with_everything(session)
    withdraw(session, seeker_id=seeker.id, now=NOW)
    by_key = {m.dedupe_key: m for m in mails(session)}
    waiting, sent = by_key[f"notice-mail:{seeker.id}"], by_key[f"sent:{seeker.id}"]
    assert (waiting.status, waiting.recipient, waiting.seeker_id) == (MailStatus.CANCELLED, None, None)
    assert (sent.status, sent.recipient, sent.seeker_id) == (MailStatus.SENT, None, None)


def test_withdrawal_is_refused_for_an_unusable_or_unopened_account(session):
    unusable = make_seeker(session, account_state=AccountState.UNUSABLE.value)
    unopened = not_opened(session)
    counts = table_counts(session)
    with pytest.raises(AccountUnusable):
        withdraw(session, seeker_id=unusable.id, now=NOW)
    with pytest.raises(AccountNotOpen):
        withdraw(session, seeker_id=unopened.id, now=NOW)
    with pytest.raises(NotFound):
        withdraw(session, seeker_id=999, now=NOW)
    assert table_counts(session) == counts


def test_ids_of_deleted_seekers_and_requests_are_never_handed_out_again(session):
    first = not_opened(session)
    ask(session, first.email)
    first_request = requests_of(session, first.id)[0]
    first_id, first_request_id = first.id, first_request.id
    first.account_state = AccountState.OPEN.value  # as if the key had been used
    withdraw(session, seeker_id=first_id, now=NOW)
    second = not_opened(session)
    ask(session, second.email, now=NOW + timedelta(minutes=1))
    [second_request] = requests_of(session, second.id)
    assert second.id != first_id and second_request.id != first_request_id
    # So the second seeker's mail is not mistaken for the first one's by its dedupe key.
    assert [m.recipient for m in mails(session, "password-registration") if m.status == MailStatus.PENDING] == [second.email]



def test_a_superseded_key_mail_is_cancelled_without_keeping_the_address(session):
    seeker = not_opened(session)
    ask(session, seeker.email)
    ask(session, seeker.email, now=NOW + timedelta(minutes=5))
    cancelled, pending = mails(session)
    assert (cancelled.status, cancelled.recipient) == (MailStatus.CANCELLED, None)
    assert pending.recipient == seeker.email


def test_a_superseded_key_mail_waiting_for_its_uncertain_retry_is_cancelled_too(session):
    seeker = not_opened(session)
    ask(session, seeker.email)
    [first] = mails(session)
    first.status = MailStatus.UNCERTAIN.value
    session.add(first)
    register_login_email(session, seeker_id=seeker.id, email="new.address@example.jp", now=NOW)
    [first] = mails(session)
    assert (first.status, first.recipient) == (MailStatus.CANCELLED, None)


def test_a_key_cannot_open_an_account_whose_registration_ran_out_at_midnight_jst_before_the_sweeper_ran(session):
    asked = datetime(2025, 6, 10, 14, 30, tzinfo=UTC)  # 23:30 JST on the last valid day
    seeker = not_opened(session, registration_valid_until=date(2025, 6, 10))
    ask(session, seeker.email, now=asked)
    session.commit()
    [request] = requests_of(session, seeker.id)
    with pytest.raises(RegistrationInvalid):
        complete(session, seeker.email, key_of(request), now=asked + timedelta(minutes=40))  # 00:10 JST, 11 June
    assert row(session, Seeker, seeker.id)["account_state"] == AccountState.NOT_OPENED

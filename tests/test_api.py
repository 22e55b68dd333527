"""The façade the main site imports: ``worker.api``."""

from __future__ import annotations

import inspect
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from worker import api
from worker.db import session_scope
from worker.domain.keys import derive_authentication_key
from worker.domain.models import AccountState, Application, JobOffer, PasswordRegistrationRequest, Seeker

NOW = datetime(2025, 6, 10, 1, 0, tzinfo=UTC)
SECRET = b"api-test-secret"


def test_validate_password_takes_a_password_and_returns_japanese_problems():
    assert list(inspect.signature(api.validate_password).parameters) == ["password"]
    assert api.validate_password("@abcd1234") == []
    assert api.validate_password("a1@" + "b" * 30) == ["パスワードは8文字以上32文字以内で入力してください（現在33文字）。"]


def test_every_exported_name_exists_and_every_function_says_what_it_does():
    for name in api.__all__:
        value = getattr(api, name)
        if inspect.isfunction(value):
            assert value.__doc__ or name in {"list_referrals", "list_favourites", "list_saved_searches",
                                             "delete_saved_search", "view_registration", "is_recommendable",
                                             "list_messages"}, name


def test_every_service_takes_the_session_then_keyword_arguments():
    pure = {"validate_password", "hash_password", "verify_password", "validate_condition", "needs_agreement",
            "is_recommendable", "allowed_actions", "recommendable",
            "condition_changed", "job_offer_posted", "mail_queued", "configure_hints"}
    for name in api.__all__:
        value = getattr(api, name)
        if not inspect.isfunction(value) or name in pure:
            continue
        params = list(inspect.signature(value).parameters.values())
        assert params[0].name == "session", name
        assert all(p.kind is p.KEYWORD_ONLY for p in params[1:]), name


def test_every_error_is_a_my_page_error_with_a_japanese_message():
    errors = [getattr(api, n) for n in api.__all__ if inspect.isclass(getattr(api, n))
              and issubclass(getattr(api, n), Exception)]
    assert len(errors) == 11
    for error in errors:
        assert issubclass(error, api.MyPageError)
        assert not error.message.isascii()


def test_a_seeker_opens_a_my_page_through_the_facade_in_the_sites_transactions(engine):
    with session_scope(engine) as session:
        seeker = Seeker(seeker_number="13010-12345678", name="佐藤 花子", birth_date=date(1988, 12, 24),
                        registration_valid_until=date(2025, 8, 31))
        session.add(seeker)
        session.flush()
        api.register_login_email(session, seeker_id=seeker.id, email="Hanako@Example.jp", now=NOW)
    with session_scope(engine) as session:
        answer = api.request_password_registration(
            session, email="hanako@example.jp", birth_date="1988-12-24", terms_version=api.TERMS_VERSION,
            privacy_policy_version=api.PRIVACY_POLICY_VERSION, secret=SECRET, now=NOW)
        assert answer is api.ACCEPTED
    with session_scope(engine) as session:
        request = session.exec(select(PasswordRegistrationRequest)).one()[0]
        key = derive_authentication_key(SECRET, request.salt)
    with pytest.raises(api.AuthenticationKeyInvalid), session_scope(engine) as session:
        api.complete_password_registration(session, email="hanako@example.jp", authentication_key="WRONG00000",
                                           password="@abcd1234", now=NOW + timedelta(minutes=5))
    with session_scope(engine) as session:
        api.complete_password_registration(session, email="hanako@example.jp", authentication_key=key,
                                           password="@abcd1234", now=NOW + timedelta(minutes=6))
    with session_scope(engine) as session:
        opened = session.get(Seeker, seeker.id)
        assert opened.account_state == AccountState.OPEN
        assert api.verify_password("@abcd1234", opened.password_hash)
        assert api.Action.SEARCH in api.allowed_actions(opened)
        assert session.get(PasswordRegistrationRequest, request.id).failed_attempts == 1


BAD_IDS = ["abc", 2**31, 2**70, -1, 1.5, True]


def _seeker_with_an_application(session):
    seeker = Seeker(seeker_number="13010-99999999", name="山田 太郎", email="taro@example.jp",
                    email_normalized="taro@example.jp", registration_status="valid",
                    registration_valid_until=date(2025, 8, 31), account_state=AccountState.OPEN.value,
                    opened_at=NOW)
    offer = JobOffer(job_number="13010-99999998", title="一般事務", prefecture_code="13", online_application=True)
    session.add_all([seeker, offer])
    session.flush()
    application = Application(seeker_id=seeker.id, job_offer_id=offer.id, self_application=True)
    session.add(application)
    session.flush()
    return seeker, offer


@pytest.mark.parametrize("bad", BAD_IDS, ids=repr)
def test_an_id_that_cannot_exist_is_not_found_in_japanese_on_both_databases_and_the_transaction_stays_usable(
        engine, bad):
    calls = [
        lambda s, seeker, offer: api.view_registration(s, seeker_id=bad),
        lambda s, seeker, offer: api.add_favourite(s, seeker_id=seeker.id, job_offer_id=bad, now=NOW),
        lambda s, seeker, offer: api.apply_online(s, seeker_id=seeker.id, job_offer_id=bad, now=NOW),
        lambda s, seeker, offer: api.view_referral(s, seeker_id=seeker.id, referral_id=bad),
        lambda s, seeker, offer: api.update_saved_search(s, seeker_id=seeker.id, condition_id=bad, now=NOW, name="x"),
        lambda s, seeker, offer: api.delete_saved_search(s, seeker_id=seeker.id, condition_id=bad, now=NOW),
        lambda s, seeker, offer: api.send_to_employer(s, seeker_id=seeker.id, job_offer_id=bad, body="よろしく", now=NOW),
        lambda s, seeker, offer: api.list_messages(s, seeker_id=seeker.id, job_offer_id=bad),
        lambda s, seeker, offer: api.report_no_show(s, application_id=bad, now=NOW),
        lambda s, seeker, offer: api.make_unusable(s, seeker_id=bad, now=NOW),
    ]
    with session_scope(engine) as session:
        seeker, offer = _seeker_with_an_application(session)
        for call in calls:
            with pytest.raises((api.NotFound, api.NotPermitted)) as raised:
                call(session, seeker, offer)
            assert not raised.value.message.isascii()
        assert api.remove_favourite(session, seeker_id=seeker.id, job_offer_id=bad) is False
        # Nothing failed at the database: the transaction can go on.
        assert session.get(Seeker, seeker.id).name == "山田 太郎"

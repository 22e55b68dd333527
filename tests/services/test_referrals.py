"""Online referral (オンラインハローワーク紹介) and オンライン自主応募, and the 紹介状 they issue."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests.services.builders import NOW, mails, make_offer, make_seeker, recommend, row, table_counts
from worker.domain.errors import (
    AccountRestricted,
    AccountUnusable,
    NotFound,
    NotPermitted,
    RegistrationInvalid,
)
from worker.domain.models import AccountState, Application, InboxItem, InboxKind, RegistrationStatus
from worker.services.referrals import apply_online, list_referrals, view_referral


def apply(session, seeker, offer):
    return apply_online(session, seeker_id=seeker.id, job_offer_id=offer.id, now=NOW)


def test_applying_to_a_recommended_offer_issues_a_referral_an_inbox_item_and_a_mail(session, seeker, offer):
    recommend(session, seeker, offer)
    referral = apply(session, seeker, offer)
    application = row(session, Application, referral.application_id)
    assert (application["seeker_id"], application["job_offer_id"], application["self_application"]) == (
        seeker.id, offer.id, False)
    [letter] = list_referrals(session, seeker_id=seeker.id)
    assert (letter.referral_id, letter.job_number, letter.employer_name) == (referral.id, offer.job_number, offer.employer_name)
    item = session.execute(select(InboxItem).where(InboxItem.kind == InboxKind.REFERRAL.value)).scalar_one()
    assert (item.seeker_id, item.job_offer_id) == (seeker.id, offer.id)
    [mail] = mails(session, "referral-issued")
    assert mail.context == {"seeker_id": seeker.id, "referral_id": referral.id}
    assert (mail.dedupe_key, mail.recipient) == (f"referral-issued:{referral.id}", seeker.email)


def test_an_offer_open_for_self_application_can_be_applied_to_without_a_recommendation(session, seeker):
    offer = make_offer(session, online_application=True)
    referral = apply(session, seeker, offer)
    assert row(session, Application, referral.application_id)["self_application"] is True
    assert view_referral(session, seeker_id=seeker.id, referral_id=referral.id).self_application is True


def test_an_offer_neither_recommended_nor_open_online_is_refused_and_nothing_changes(session, seeker, offer):
    counts = table_counts(session)
    with pytest.raises(NotPermitted, match="オンラインで応募できません"):
        apply(session, seeker, offer)
    assert table_counts(session) == counts


def test_applying_twice_to_one_offer_is_refused_and_nothing_changes(session, seeker, offer):
    recommend(session, seeker, offer)
    apply(session, seeker, offer)
    counts = table_counts(session)
    with pytest.raises(NotPermitted, match="既に応募しています"):
        apply(session, seeker, offer)
    assert table_counts(session) == counts


def test_an_offer_past_its_referral_deadline_is_refused(session, seeker):
    offer = make_offer(session, online_application=True, referral_deadline=date(2025, 6, 9))
    with pytest.raises(NotPermitted, match="紹介期限"):
        apply(session, seeker, offer)


@pytest.mark.parametrize(("fields", "error"), [
    ({"registration_status": RegistrationStatus.INVALID.value}, RegistrationInvalid),
    ({"account_state": AccountState.RESTRICTED.value}, AccountRestricted),
    ({"account_state": AccountState.UNUSABLE.value}, AccountUnusable),
])
def test_online_referral_is_refused_while_invalid_restricted_or_unusable(session, fields, error):
    seeker = make_seeker(session, **fields)
    recommended, open_online = make_offer(session), make_offer(session, online_application=True)
    recommend(session, seeker, recommended)
    counts = table_counts(session)
    for offer in (recommended, open_online):
        with pytest.raises(error):
            apply(session, seeker, offer)
    assert table_counts(session) == counts


def test_a_recommendation_to_someone_else_does_not_open_the_offer_to_this_seeker(session, seeker, offer):
    recommend(session, make_seeker(session), offer)
    with pytest.raises(NotPermitted):
        apply(session, seeker, offer)


def test_unknown_offers_and_seekers_are_refused_in_japanese(session, seeker, offer):
    with pytest.raises(NotFound, match="求人が見つかりません"):
        apply_online(session, seeker_id=seeker.id, job_offer_id=999, now=NOW)
    with pytest.raises(NotFound, match="求職者が見つかりません"):
        apply_online(session, seeker_id=999, job_offer_id=offer.id, now=NOW)


def test_referral_letters_are_private_and_hidden_while_invalid(session, seeker, offer):
    recommend(session, seeker, offer)
    referral = apply(session, seeker, offer)
    other = make_seeker(session)
    with pytest.raises(NotFound, match="紹介状が見つかりません"):
        view_referral(session, seeker_id=other.id, referral_id=referral.id)
    seeker.registration_status = RegistrationStatus.INVALID.value
    session.add(seeker)
    with pytest.raises(RegistrationInvalid):
        view_referral(session, seeker_id=seeker.id, referral_id=referral.id)

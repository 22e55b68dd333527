"""Messages between a seeker and the employers they applied to; deleted after 1 year."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.services.builders import NOW, mails, make_offer, recommend, table_counts
from worker.domain.errors import InvalidInput, NotPermitted, RegistrationInvalid
from worker.domain.models import InboxItem, InboxKind, Message, RegistrationStatus
from worker.services.messages import (
    delete_expired_messages,
    list_messages,
    receive_from_employer,
    send_to_employer,
)
from worker.services.referrals import apply_online


def applied(session, seeker, offer):
    recommend(session, seeker, offer)
    apply_online(session, seeker_id=seeker.id, job_offer_id=offer.id, now=NOW)


def test_a_seeker_and_the_employer_they_applied_to_exchange_messages(session, seeker, offer):
    applied(session, seeker, offer)
    send_to_employer(session, seeker_id=seeker.id, job_offer_id=offer.id, body="面接日程の件でご連絡します。", now=NOW)
    reply = receive_from_employer(session, seeker_id=seeker.id, job_offer_id=offer.id, body="承知しました。",
                                  now=NOW + timedelta(hours=1))
    thread = list_messages(session, seeker_id=seeker.id, job_offer_id=offer.id)
    assert [(m.from_seeker, m.body) for m in thread] == [(True, "面接日程の件でご連絡します。"), (False, "承知しました。")]
    item = session.execute(select(InboxItem).where(InboxItem.kind == InboxKind.MESSAGE.value)).scalar_one()
    assert (item.seeker_id, item.job_offer_id, item.body) == (seeker.id, offer.id, "")
    [mail] = mails(session, "message-received")
    assert mail.context == {"seeker_id": seeker.id, "message_id": reply.id}
    assert mail.dedupe_key == f"message-received:{reply.id}"


def test_no_message_goes_to_an_employer_the_seeker_did_not_apply_to(session, seeker, offer):
    applied(session, seeker, offer)
    elsewhere = make_offer(session, employer_name="株式会社ほか")
    counts = table_counts(session)
    with pytest.raises(NotPermitted, match="応募した求人の事業所とのみ"):
        send_to_employer(session, seeker_id=seeker.id, job_offer_id=elsewhere.id, body="こんにちは", now=NOW)
    with pytest.raises(NotPermitted):
        receive_from_employer(session, seeker_id=seeker.id, job_offer_id=elsewhere.id, body="ご応募を", now=NOW)
    assert table_counts(session) == counts


def test_an_empty_or_overlong_message_is_refused_and_nothing_changes(session, seeker, offer):
    applied(session, seeker, offer)
    counts = table_counts(session)
    for body in ("", "   ", "あ" * 2001):
        with pytest.raises(InvalidInput):
            send_to_employer(session, seeker_id=seeker.id, job_offer_id=offer.id, body=body, now=NOW)
    assert table_counts(session) == counts


def test_messages_are_refused_while_the_registration_is_invalid(session, seeker, offer):
    applied(session, seeker, offer)
    seeker.registration_status = RegistrationStatus.INVALID.value
    session.add(seeker)
    with pytest.raises(RegistrationInvalid):
        send_to_employer(session, seeker_id=seeker.id, job_offer_id=offer.id, body="よろしくお願いします", now=NOW)
    with pytest.raises(RegistrationInvalid):
        list_messages(session, seeker_id=seeker.id, job_offer_id=offer.id)


def test_an_employer_message_to_an_invalid_registration_waits_without_notice_or_mail(session, seeker, offer):
    applied(session, seeker, offer)
    seeker.registration_status = RegistrationStatus.INVALID.value
    session.add(seeker)
    receive_from_employer(session, seeker_id=seeker.id, job_offer_id=offer.id, body="ご連絡です", now=NOW)
    assert session.execute(select(InboxItem).where(InboxItem.kind == InboxKind.MESSAGE.value)).all() == []
    assert mails(session, "message-received") == []
    assert len(session.execute(select(Message)).all()) == 1


def test_messages_older_than_one_year_are_deleted_with_their_notices(session, seeker, offer):
    applied(session, seeker, offer)
    sent = datetime(2024, 6, 10, 1, 0, tzinfo=UTC)
    old = receive_from_employer(session, seeker_id=seeker.id, job_offer_id=offer.id, body="古い", now=sent)
    young = send_to_employer(session, seeker_id=seeker.id, job_offer_id=offer.id, body="新しい",
                             now=sent + timedelta(seconds=1))
    assert delete_expired_messages(session, now=sent + timedelta(days=365)) == 0  # 2025-06-09: not a year yet
    assert delete_expired_messages(session, now=NOW + timedelta(microseconds=1)) == 1
    remaining = session.execute(select(Message.id)).scalars().all()
    assert remaining == [young.id]
    assert session.execute(select(InboxItem).where(InboxItem.dedupe_key == f"message:{old.id}")).all() == []
    assert delete_expired_messages(session, now=NOW + timedelta(microseconds=1)) == 0

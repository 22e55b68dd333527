"""Retention: a My Page 無効 for 5 years is deleted with its data, warned 30 days before;
messages go after 1 year (tested in test_messages)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from tests.services.builders import mails, make_seeker, row
from worker.domain.models import (
    AccountState,
    Condition,
    ConditionKind,
    MailStatus,
    RegistrationStatus,
    SavedSearchHit,
    Seeker,
)
from worker.outbox.enqueue import enqueue_mail
from worker.services.retention import delete_lapsed_my_pages, deletion_on, warn_before_deletion

INVALID = RegistrationStatus.INVALID.value


def jst(year, month, day, hour=10) -> datetime:
    return datetime(year, month, day, hour - 9, tzinfo=UTC)


def lapsed(session, invalid_on: date, **fields):
    return make_seeker(session, registration_status=INVALID, registration_invalid_on=invalid_on, **fields)


def test_the_deletion_day_is_five_years_after_the_invalid_date():
    assert deletion_on(date(2020, 7, 1)) == date(2025, 7, 1)
    assert deletion_on(date(2020, 2, 29)) == date(2025, 2, 28)


def test_seekers_are_warned_30_days_before_deletion_once(session):
    due = lapsed(session, date(2020, 7, 10))
    lapsed(session, date(2020, 7, 11))  # 31 days away
    lapsed(session, date(2020, 7, 1), account_state=AccountState.NOT_OPENED.value, opened_at=None)
    make_seeker(session, registration_invalid_on=None)  # 有効: no clock running
    assert warn_before_deletion(session, now=jst(2025, 6, 10)) == 1
    assert warn_before_deletion(session, now=jst(2025, 6, 10)) == 0
    [mail] = mails(session, "deletion-warning")
    assert mail.context == {"seeker_id": due.id, "deletion_on": "2025-07-10"}
    assert (mail.dedupe_key, mail.recipient) == (f"deletion-warning:{due.id}:2025-07-10", due.email)


def test_the_warning_window_handles_29_february(session):
    leap = lapsed(session, date(2020, 2, 29))  # deleted on 2025-02-28
    assert warn_before_deletion(session, now=jst(2025, 1, 29), days_before=30) == 1
    assert mails(session, "deletion-warning")[0].context == {"seeker_id": leap.id, "deletion_on": "2025-02-28"}


def test_a_my_page_invalid_for_five_years_is_deleted_with_its_data(session):
    gone = lapsed(session, date(2020, 6, 10))
    kept = lapsed(session, date(2020, 6, 11))
    session.add(Condition(seeker_id=gone.id, kind=ConditionKind.REGISTERED.value, keywords=["事務"]))
    search = Condition(seeker_id=gone.id, kind=ConditionKind.SAVED.value, keywords=["介護"], notify=True)
    session.add(search)
    session.flush()
    session.add(SavedSearchHit(condition_id=search.id, job_offer_id=1, seeker_id=gone.id, day=date(2025, 6, 9)))
    enqueue_mail(session, kind="deletion-warning", dedupe_key="w", recipient=gone.email, seeker_id=gone.id,
                 context={"seeker_id": gone.id, "deletion_on": "2025-06-10"})
    assert delete_lapsed_my_pages(session, now=jst(2025, 6, 10)) == 1
    assert row(session, Seeker, gone.id) == {}
    assert session.execute(select(Condition).where(Condition.seeker_id == gone.id)).all() == []
    assert session.execute(select(SavedSearchHit)).all() == []  # no foreign key to cascade: deleted on purpose
    assert row(session, Seeker, kept.id) != {}
    [mail] = mails(session)
    assert (mail.status, mail.recipient, mail.seeker_id) == (MailStatus.CANCELLED, None, None)
    assert delete_lapsed_my_pages(session, now=jst(2025, 6, 10)) == 0


def test_a_new_registration_stops_the_clock(session):
    renewed = make_seeker(session, registration_invalid_on=None, registration_valid_until=date(2025, 7, 31))
    assert delete_lapsed_my_pages(session, now=jst(2030, 1, 1)) == 0
    assert row(session, Seeker, renewed.id) != {}


def test_the_deletion_day_counts_in_tokyo(session):
    seeker = lapsed(session, date(2020, 6, 10))
    assert delete_lapsed_my_pages(session, now=datetime(2025, 6, 9, 14, 59, tzinfo=UTC)) == 0
    assert delete_lapsed_my_pages(session, now=datetime(2025, 6, 9, 15, 0, tzinfo=UTC)) == 1
    assert row(session, Seeker, seeker.id) == {}

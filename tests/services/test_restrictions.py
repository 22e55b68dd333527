"""利用不可 by staff, and the 機能制限 after 5 interview no-shows within 3 months."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.services.builders import NOW, mails, make_offer, make_seeker, recommend, row, table_counts
from worker.domain.errors import AccountRestricted, AccountUnusable, NotFound, NotPermitted
from worker.domain.models import AccountState, Application, NoShowReport, Seeker
from worker.services.favourites import add_favourite
from worker.services.guards import allowed_actions
from worker.services.messages import send_to_employer
from worker.services.referrals import apply_online
from worker.services.restrictions import (
    apply_no_show_restrictions,
    counted_no_shows,
    lift_restriction,
    lift_unusable,
    make_unusable,
    report_no_show,
)


def jst(year, month, day, hour=10) -> datetime:
    return datetime(year, month, day, hour - 9, tzinfo=UTC)


def self_applications(session, seeker, n, *, self_application=True) -> list[int]:
    ids = []
    for _ in range(n):
        application = Application(seeker_id=seeker.id, job_offer_id=make_offer(session, online_application=True).id,
                                  self_application=self_application, applied_at=NOW - timedelta(days=120))
        session.add(application)
        session.flush()
        ids.append(application.id)
    return ids


def report_all(session, ids, now=NOW):
    return [report_no_show(session, application_id=i, now=now) for i in ids]


def state(session, seeker):
    return row(session, Seeker, seeker.id)["account_state"]


# ---------------------------------------------------------------------------- 利用不可


def test_staff_make_a_my_page_unusable_and_everything_is_refused(session, seeker, offer):
    assert make_unusable(session, seeker_id=seeker.id, now=NOW) is True
    assert state(session, seeker) == AccountState.UNUSABLE
    assert allowed_actions(seeker) == frozenset()
    with pytest.raises(AccountUnusable, match="利用不可"):
        add_favourite(session, seeker_id=seeker.id, job_offer_id=offer.id, now=NOW)
    assert make_unusable(session, seeker_id=seeker.id, now=NOW) is False


def test_lifting_unusable_returns_the_account_to_where_it_was(session):
    was_open = make_seeker(session)
    was_restricted = make_seeker(session, account_state=AccountState.RESTRICTED.value, restricted_at=NOW)
    never_opened = make_seeker(session, account_state=AccountState.NOT_OPENED.value, opened_at=None)
    for seeker in (was_open, was_restricted, never_opened):
        make_unusable(session, seeker_id=seeker.id, now=NOW)
        assert lift_unusable(session, seeker_id=seeker.id, now=NOW + timedelta(days=1)) is True
    assert [state(session, s) for s in (was_open, was_restricted, never_opened)] == [
        AccountState.OPEN, AccountState.RESTRICTED, AccountState.NOT_OPENED]
    assert lift_unusable(session, seeker_id=was_open.id, now=NOW) is False


def test_staff_actions_on_an_unknown_seeker_are_refused_in_japanese(session):
    for action in (make_unusable, lift_unusable, lift_restriction):
        with pytest.raises(NotFound, match="求職者が見つかりません"):
            action(session, seeker_id=999, now=NOW)


# ---------------------------------------------------------------------------- 面接不参加


def test_the_fifth_no_show_within_three_months_restricts_at_once_and_mails(session, seeker):
    ids = self_applications(session, seeker, 5)
    report_all(session, ids[:4])
    assert state(session, seeker) == AccountState.OPEN
    assert report_no_show(session, application_id=ids[4], now=NOW) is True
    stored = row(session, Seeker, seeker.id)
    assert (stored["account_state"], stored["restricted_at"]) == (AccountState.RESTRICTED, NOW)
    [mail] = mails(session, "restricted")
    assert (mail.context, mail.recipient, mail.seeker_id) == ({"seeker_id": seeker.id}, seeker.email, seeker.id)


def test_a_restricted_seeker_may_not_apply_online_but_keeps_messages_and_favourites(session, seeker):
    ids = self_applications(session, seeker, 5)
    report_all(session, ids)
    open_online, recommended = make_offer(session, online_application=True), make_offer(session)
    recommend(session, seeker, recommended)
    counts = table_counts(session)
    with pytest.raises(AccountRestricted, match="来所"):
        apply_online(session, seeker_id=seeker.id, job_offer_id=open_online.id, now=NOW)
    with pytest.raises(AccountRestricted):
        apply_online(session, seeker_id=seeker.id, job_offer_id=recommended.id, now=NOW)
    assert table_counts(session) == counts
    applied_offer = row(session, Application, ids[0])["job_offer_id"]
    send_to_employer(session, seeker_id=seeker.id, job_offer_id=applied_offer, body="面接を辞退します。", now=NOW)
    assert add_favourite(session, seeker_id=seeker.id, job_offer_id=open_online.id, now=NOW)


def test_only_self_applications_can_be_reported_and_nothing_changes_otherwise(session, seeker):
    [referred] = self_applications(session, seeker, 1, self_application=False)
    counts = table_counts(session)
    with pytest.raises(NotPermitted, match="オンライン自主応募"):
        report_no_show(session, application_id=referred, now=NOW)
    with pytest.raises(NotFound, match="応募が見つかりません"):
        report_no_show(session, application_id=999, now=NOW)
    assert table_counts(session) == counts


def test_reporting_one_application_twice_counts_once(session, seeker):
    ids = self_applications(session, seeker, 4)
    report_all(session, ids)
    assert report_no_show(session, application_id=ids[0], now=NOW) is False
    assert counted_no_shows(session, seeker_id=seeker.id, now=NOW) == 4
    assert state(session, seeker) == AccountState.OPEN


def test_three_months_are_calendar_months_in_tokyo(session, seeker):
    ids = self_applications(session, seeker, 5)
    report_all(session, ids[:1], now=jst(2025, 5, 31))
    report_all(session, ids[1:4], now=jst(2025, 7, 1))
    assert counted_no_shows(session, seeker_id=seeker.id, now=jst(2025, 8, 31, 9)) == 4
    assert counted_no_shows(session, seeker_id=seeker.id, now=jst(2025, 9, 1, 9)) == 3
    report_all(session, ids[4:], now=jst(2025, 9, 1, 9))  # the May report no longer counts
    assert state(session, seeker) == AccountState.OPEN


def test_the_periodic_sweep_restricts_whoever_reached_five_and_a_rerun_does_nothing(session, seeker):
    ids = self_applications(session, seeker, 5)
    for i in ids:  # reports recorded without the immediate check (e.g. imported)
        session.add(NoShowReport(seeker_id=seeker.id, application_id=i, reported_at=NOW - timedelta(days=10)))
    other = make_seeker(session)
    for i in self_applications(session, other, 4):
        session.add(NoShowReport(seeker_id=other.id, application_id=i, reported_at=NOW - timedelta(days=10)))
    assert apply_no_show_restrictions(session, now=NOW) == 1
    assert (state(session, seeker), state(session, other)) == (AccountState.RESTRICTED, AccountState.OPEN)
    assert apply_no_show_restrictions(session, now=NOW) == 0
    assert len(mails(session, "restricted")) == 1


def test_only_staff_lift_the_restriction_and_earlier_reports_stop_counting(session, seeker):
    ids = self_applications(session, seeker, 10)
    report_all(session, ids[:5])
    assert lift_restriction(session, seeker_id=seeker.id, now=NOW + timedelta(days=1)) is True
    assert state(session, seeker) == AccountState.OPEN
    assert apply_no_show_restrictions(session, now=NOW + timedelta(days=2)) == 0
    report_all(session, ids[5:9], now=NOW + timedelta(days=3))
    assert state(session, seeker) == AccountState.OPEN
    report_all(session, ids[9:], now=NOW + timedelta(days=4))
    assert state(session, seeker) == AccountState.RESTRICTED
    assert len(mails(session, "restricted")) == 2
    assert lift_restriction(session, seeker_id=make_seeker(session).id, now=NOW) is False


def test_an_unusable_account_that_reaches_five_comes_back_restricted(session, seeker):
    make_unusable(session, seeker_id=seeker.id, now=NOW - timedelta(days=1))
    report_all(session, self_applications(session, seeker, 5))
    assert state(session, seeker) == AccountState.UNUSABLE
    assert mails(session, "restricted") == []
    lift_unusable(session, seeker_id=seeker.id, now=NOW + timedelta(days=1))
    assert state(session, seeker) == AccountState.RESTRICTED

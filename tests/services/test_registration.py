"""The seeker's own registration (求職登録): view, change, 有効/無効, validity and its mails."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.services.builders import NOW, mails, make_seeker, row, table_counts
from worker.domain.errors import AccountUnusable, InvalidInput, NotFound, RegistrationInvalid
from worker.domain.models import AccountState, Condition, ConditionKind, RegistrationStatus, Seeker
from worker.services.conditions import create_saved_search
from worker.services.registration import (
    expire_registrations,
    notify_expiring_registrations,
    record_activity,
    set_registration_valid,
    update_registration,
    valid_until_from,
    view_registration,
)

HISTORY = [{"employer": "株式会社さくら物産", "job": "経理事務", "from": "2015-04", "to": "2020-03"}]


def jst(year, month, day, hour=10) -> datetime:
    return datetime(year, month, day, hour - 9, tzinfo=UTC)


def test_the_seeker_sees_their_registration_with_history_qualifications_and_conditions(session):
    seeker = make_seeker(session, work_history=HISTORY, qualifications=["日商簿記検定2級"])
    session.add(Condition(seeker_id=seeker.id, kind=ConditionKind.REGISTERED.value, keywords=["経理"],
                          prefecture_codes=["13"]))
    view = view_registration(session, seeker_id=seeker.id)
    assert view.seeker_number == seeker.seeker_number
    assert (view.status, view.valid_until) == (RegistrationStatus.VALID, date(2025, 8, 31))
    assert view.work_history == HISTORY
    assert view.qualifications == ["日商簿記検定2級"]
    assert view.conditions["keywords"] == ["経理"] and view.conditions["prefecture_codes"] == ["13"]


def test_the_seeker_changes_history_qualifications_and_job_seeking_conditions(session, seeker):
    update_registration(session, seeker_id=seeker.id, now=NOW, work_history=HISTORY,
                        qualifications=["普通自動車第一種運転免許", "普通自動車第一種運転免許", "介護福祉士"],
                        conditions={"occupation_codes": ["051-01"], "employment_forms": [1]})
    view = view_registration(session, seeker_id=seeker.id)
    assert view.work_history == HISTORY
    assert view.qualifications == ["普通自動車第一種運転免許", "介護福祉士"]
    assert view.conditions["occupation_codes"] == ["051-01"]
    # Changing the conditions again edits the one registered condition, marking the time.
    later = NOW + timedelta(days=1)
    update_registration(session, seeker_id=seeker.id, now=later, conditions={"keywords": ["介護"]})
    registered = session.exec(Condition.__table__.select().where(
        Condition.seeker_id == seeker.id, Condition.kind == ConditionKind.REGISTERED.value)).all()
    assert len(registered) == 1 and registered[0].keywords == ["介護"] and registered[0].updated_at == later


@pytest.mark.parametrize("changes", [
    {"work_history": [{"employer": "", "from": "2015-04"}]},
    {"work_history": [{"employer": "A社", "from": "2015/04"}]},
    {"work_history": [{"employer": "A社", "from": "2020-04", "to": "2015-03"}]},
    {"work_history": [{"employer": "A社", "from": "2015-04", "salary": 1}]},
    {"qualifications": ["あ" * 101]},
    {"qualifications": "介護福祉士"},
    {"conditions": {"prefecture_codes": ["00"]}},
    {"work_history": HISTORY, "conditions": {"employment_forms": [9]}},
])
def test_a_bad_change_is_refused_and_nothing_changes(session, changes):
    seeker = make_seeker(session, qualifications=["看護師"])
    counts, before = table_counts(session), row(session, Seeker, seeker.id)
    with pytest.raises(InvalidInput) as raised:
        update_registration(session, seeker_id=seeker.id, now=NOW, **changes)
    assert raised.value.message
    assert table_counts(session) == counts
    assert row(session, Seeker, seeker.id) == before


def test_an_unknown_or_unusable_seeker_cannot_view_the_registration(session):
    unusable = make_seeker(session, account_state=AccountState.UNUSABLE.value)
    with pytest.raises(NotFound, match="求職者が見つかりません"):
        view_registration(session, seeker_id=999)
    with pytest.raises(AccountUnusable):
        view_registration(session, seeker_id=unusable.id)


def test_switching_to_invalid_records_the_invalid_date_and_refuses_the_listed_functions(session, seeker):
    set_registration_valid(session, seeker_id=seeker.id, valid=False, now=jst(2025, 6, 10))
    stored = row(session, Seeker, seeker.id)
    assert (stored["registration_status"], stored["registration_invalid_on"]) == (RegistrationStatus.INVALID, date(2025, 6, 10))
    with pytest.raises(RegistrationInvalid):
        create_saved_search(session, seeker_id=seeker.id, condition={"keywords": ["事務"]}, now=NOW)
    # …but the registration itself stays visible, so the seeker can switch it back.
    assert view_registration(session, seeker_id=seeker.id).status == RegistrationStatus.INVALID


def test_switching_back_to_valid_is_a_new_registration_to_the_end_of_the_month_after_next(session, seeker):
    set_registration_valid(session, seeker_id=seeker.id, valid=False, now=jst(2025, 6, 10))
    set_registration_valid(session, seeker_id=seeker.id, valid=True, now=jst(2025, 7, 15))
    stored = row(session, Seeker, seeker.id)
    assert stored["registration_status"] == RegistrationStatus.VALID
    assert stored["registration_invalid_on"] is None
    assert stored["registration_valid_until"] == date(2025, 9, 30)
    create_saved_search(session, seeker_id=seeker.id, condition={"keywords": ["事務"]}, now=NOW)


def test_switching_to_invalid_twice_keeps_the_first_invalid_date(session, seeker):
    set_registration_valid(session, seeker_id=seeker.id, valid=False, now=jst(2025, 6, 10))
    set_registration_valid(session, seeker_id=seeker.id, valid=False, now=jst(2025, 6, 20))
    assert row(session, Seeker, seeker.id)["registration_invalid_on"] == date(2025, 6, 10)


def test_validity_runs_to_the_end_of_the_month_after_next():
    assert valid_until_from(date(2025, 6, 10)) == date(2025, 8, 31)
    assert valid_until_from(date(2025, 11, 30)) == date(2026, 1, 31)


def test_activity_in_the_last_month_extends_validity(session):
    seeker = make_seeker(session, registration_valid_until=date(2025, 8, 31))
    assert record_activity(session, seeker_id=seeker.id, now=jst(2025, 8, 1)) == date(2025, 10, 31)
    assert row(session, Seeker, seeker.id)["registration_valid_until"] == date(2025, 10, 31)


def test_activity_before_the_last_month_changes_nothing(session):
    seeker = make_seeker(session, registration_valid_until=date(2025, 8, 31))
    assert record_activity(session, seeker_id=seeker.id, now=jst(2025, 7, 31)) is None
    assert row(session, Seeker, seeker.id)["registration_valid_until"] == date(2025, 8, 31)


def test_activity_does_not_revive_an_invalid_registration(session):
    seeker = make_seeker(session, registration_status=RegistrationStatus.INVALID.value,
                         registration_valid_until=date(2025, 6, 30))
    assert record_activity(session, seeker_id=seeker.id, now=jst(2025, 6, 10)) is None
    assert row(session, Seeker, seeker.id)["registration_status"] == RegistrationStatus.INVALID


def test_seekers_whose_registration_ends_within_14_days_are_mailed_once(session):
    due = make_seeker(session, registration_valid_until=date(2025, 6, 30))
    later = make_seeker(session, registration_valid_until=date(2025, 7, 1))  # 15 days away
    make_seeker(session, registration_valid_until=date(2025, 6, 20), account_state=AccountState.NOT_OPENED.value)
    make_seeker(session, registration_valid_until=date(2025, 6, 20), account_state=AccountState.UNUSABLE.value)
    make_seeker(session, registration_valid_until=date(2025, 6, 20), registration_status=RegistrationStatus.INVALID.value)
    assert notify_expiring_registrations(session, today=date(2025, 6, 16)) == 1
    assert notify_expiring_registrations(session, today=date(2025, 6, 16)) == 0
    [mail] = mails(session, "registration-expiring")
    assert mail.dedupe_key == f"registration-expiring:{due.id}:2025-06-30"
    assert mail.context == {"seeker_id": due.id, "valid_until": "2025-06-30"}
    assert (mail.recipient, mail.seeker_id) == (due.email, due.id)
    # The next day only the one now within 14 days is added; the first is not mailed again.
    assert notify_expiring_registrations(session, today=date(2025, 6, 17)) == 1
    assert [m.seeker_id for m in mails(session, "registration-expiring")] == [due.id, later.id]


def test_a_registration_extended_after_the_warning_is_warned_again_before_its_new_end(session):
    seeker = make_seeker(session, registration_valid_until=date(2025, 6, 30))
    notify_expiring_registrations(session, today=date(2025, 6, 20))
    record_activity(session, seeker_id=seeker.id, now=jst(2025, 6, 21))
    assert notify_expiring_registrations(session, today=date(2025, 8, 20)) == 1
    assert [m.context["valid_until"] for m in mails(session, "registration-expiring")] == ["2025-06-30", "2025-08-31"]


def test_a_passed_registration_becomes_invalid_the_day_after_its_last_day_and_is_mailed(session):
    passed = make_seeker(session, registration_valid_until=date(2025, 6, 30))
    not_yet = make_seeker(session, registration_valid_until=date(2025, 7, 1))
    unopened = make_seeker(session, registration_valid_until=date(2025, 6, 15), account_state=AccountState.NOT_OPENED.value)
    assert expire_registrations(session, today=date(2025, 7, 1)) == 2
    stored = row(session, Seeker, passed.id)
    assert (stored["registration_status"], stored["registration_invalid_on"]) == (RegistrationStatus.INVALID, date(2025, 7, 1))
    assert row(session, Seeker, not_yet.id)["registration_status"] == RegistrationStatus.VALID
    assert row(session, Seeker, unopened.id)["registration_invalid_on"] == date(2025, 6, 16)
    [mail] = mails(session, "registration-invalid")
    assert mail.dedupe_key == f"registration-invalid:{passed.id}:2025-07-01"
    assert mail.context == {"seeker_id": passed.id, "invalid_on": "2025-07-01"}
    assert expire_registrations(session, today=date(2025, 7, 1)) == 0
    assert expire_registrations(session, today=date(2025, 7, 2)) == 1  # not_yet, now passed
    assert len(mails(session, "registration-invalid")) == 2

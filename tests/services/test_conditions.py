"""Saved searches (検索条件): at most 3, editable, deletable, in the matchers' condition shape."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlmodel import Session

from tests.services.builders import NOW, make_seeker, row, table_counts
from worker.domain.errors import InvalidInput, LimitExceeded, NotFound, RegistrationInvalid
from worker.domain.models import Condition, ConditionKind, RegistrationStatus, SavedSearchHit, Seeker
from worker.services.conditions import (
    create_saved_search,
    delete_saved_search,
    list_saved_searches,
    set_saved_search_mails,
    update_saved_search,
    validate_condition,
)

NURSE = {"keywords": ["看護師"], "prefecture_codes": ["13"]}


def save(session, seeker, condition=NURSE, **kwargs):
    return create_saved_search(session, seeker_id=seeker.id, condition=condition, now=NOW, **kwargs)


def test_a_saved_search_is_stored_in_the_matchers_shape(session, seeker):
    saved = save(session, seeker, {"keywords": "看護師　夜勤", "keyword_mode": "or", "exclude_keywords": ["派遣"],
                                   "prefecture_codes": ["13", "14"], "municipality_codes": ["13101"],
                                   "occupation_codes": ["021-01", "021"], "employment_forms": [5, 1],
                                   "wage_type": "hourly", "wage_min": 1500}, name="夜勤の看護師", notify=True)
    stored = row(session, Condition, saved.id)
    assert stored["kind"] == ConditionKind.SAVED
    assert stored["keywords"] == ["看護師", "夜勤"]
    assert stored["keyword_mode"] == "or"
    assert stored["employment_forms"] == [1, 5]
    assert (stored["wage_type"], stored["wage_min"]) == ("hourly", 1500)
    assert (stored["name"], stored["notify"]) == ("夜勤の看護師", True)


def test_the_fourth_saved_search_is_refused_and_nothing_changes(session, seeker):
    for _ in range(3):
        save(session, seeker)
    counts, before = table_counts(session), row(session, Seeker, seeker.id)
    with pytest.raises(LimitExceeded) as raised:
        save(session, seeker)
    assert raised.value.message == "検索条件は3件まで保存できます。保存済みの条件を編集するか削除してください。"
    assert table_counts(session) == counts
    assert row(session, Seeker, seeker.id) == before


def test_the_registered_condition_does_not_count_towards_the_three(session, seeker):
    session.add(Condition(seeker_id=seeker.id, kind=ConditionKind.REGISTERED.value, keywords=["事務"]))
    for _ in range(3):
        save(session, seeker)
    assert len(list_saved_searches(session, seeker_id=seeker.id)) == 3


def test_after_deleting_one_a_new_one_fits_again(session, seeker):
    first, *_ = [save(session, seeker) for _ in range(3)]
    delete_saved_search(session, seeker_id=seeker.id, condition_id=first.id, now=NOW + timedelta(hours=1))
    assert row(session, Condition, first.id) == {}
    assert row(session, Seeker, seeker.id)["updated_at"] == NOW + timedelta(hours=1)
    save(session, seeker)
    assert len(list_saved_searches(session, seeker_id=seeker.id)) == 3


def test_deleting_a_saved_search_deletes_the_offers_waiting_for_its_mail(session, seeker):
    search, other = save(session, seeker), save(session, seeker)
    for condition in (search, other):
        session.add(SavedSearchHit(condition_id=condition.id, job_offer_id=7, seeker_id=seeker.id, day=NOW.date()))
    session.flush()

    delete_saved_search(session, seeker_id=seeker.id, condition_id=search.id, now=NOW + timedelta(hours=1))

    assert [hit.condition_id for hit in session.execute(select(SavedSearchHit)).scalars()] == [other.id]


def test_each_seeker_has_their_own_three(session, seeker):
    other = make_seeker(session)
    for _ in range(3):
        save(session, seeker)
    save(session, other)
    assert len(list_saved_searches(session, seeker_id=other.id)) == 1


def test_editing_changes_only_what_is_given_and_marks_the_time(session, seeker):
    saved = save(session, seeker, name="最初")
    later = NOW + timedelta(hours=1)
    update_saved_search(session, seeker_id=seeker.id, condition_id=saved.id, now=later,
                        condition={"keywords": ["介護"], "prefecture_codes": ["27"]}, notify=True)
    stored = row(session, Condition, saved.id)
    assert (stored["keywords"], stored["prefecture_codes"], stored["name"], stored["notify"]) == (["介護"], ["27"], "最初", True)
    assert stored["updated_at"] == later


def test_an_invalid_edit_is_refused_and_the_search_stays_as_it_was(session, seeker):
    saved = save(session, seeker)
    before = row(session, Condition, saved.id)
    with pytest.raises(InvalidInput):
        update_saved_search(session, seeker_id=seeker.id, condition_id=saved.id, now=NOW,
                            condition={"prefecture_codes": ["48"]}, name="新しい名前")
    assert row(session, Condition, saved.id) == before


def test_another_seekers_search_cannot_be_edited_or_deleted(session, seeker):
    other = make_seeker(session)
    theirs = save(session, other)
    with pytest.raises(NotFound, match="検索条件が見つかりません"):
        update_saved_search(session, seeker_id=seeker.id, condition_id=theirs.id, now=NOW, name="x")
    with pytest.raises(NotFound):
        delete_saved_search(session, seeker_id=seeker.id, condition_id=theirs.id, now=NOW)
    assert row(session, Condition, theirs.id)["name"] == ""


def test_the_registered_condition_is_not_a_saved_search_to_delete(session, seeker):
    registered = Condition(seeker_id=seeker.id, kind=ConditionKind.REGISTERED.value, keywords=["事務"])
    session.add(registered)
    session.flush()
    with pytest.raises(NotFound):
        delete_saved_search(session, seeker_id=seeker.id, condition_id=registered.id, now=NOW)


def test_saving_is_refused_while_the_registration_is_invalid_and_nothing_changes(session):
    seeker = make_seeker(session, registration_status=RegistrationStatus.INVALID.value)
    counts = table_counts(session)
    with pytest.raises(RegistrationInvalid):
        save(session, seeker)
    assert table_counts(session) == counts


def test_an_unknown_seeker_is_refused_in_japanese(session):
    with pytest.raises(NotFound, match="求職者が見つかりません"):
        create_saved_search(session, seeker_id=999, condition=NURSE, now=NOW)


def test_the_seeker_can_opt_out_of_every_saved_search_mail(session, seeker):
    set_saved_search_mails(session, seeker_id=seeker.id, enabled=False, now=NOW)
    assert row(session, Seeker, seeker.id)["saved_search_mails"] is False


# ---------------------------------------------------------------------------- the condition shape


@pytest.mark.parametrize(("condition", "field"), [
    ({"prefecture_codes": ["01", "13", "27", "47"]}, "prefecture_codes"),
    ({"prefecture_codes": ["48"]}, "prefecture_codes"),
    ({"prefecture_codes": ["１３"]}, "prefecture_codes"),
    ({"prefecture_codes": "13"}, "prefecture_codes"),
    ({"municipality_codes": ["13101", "13102", "13103", "13104"]}, "municipality_codes"),
    ({"municipality_codes": ["1310"]}, "municipality_codes"),
    ({"municipality_codes": ["99101"]}, "municipality_codes"),
    ({"occupation_codes": ["011", "012", "013", "014"]}, "occupation_codes"),
    ({"occupation_codes": ["01101"]}, "occupation_codes"),
    ({"employment_forms": [0]}, "employment_forms"),
    ({"employment_forms": [8]}, "employment_forms"),
    ({"employment_forms": [True]}, "employment_forms"),
    ({"keywords": ["あ" * 51]}, "keywords"),
    ({"keywords": ["あ" * 25, "い" * 25]}, "keywords"),
    ({"keywords": ["事務"], "keyword_mode": "xor"}, "keyword_mode"),
    ({"keywords": ["事務"], "exclude_keywords": ["あ" * 51]}, "exclude_keywords"),
    ({"wage_type": "yearly"}, "wage_type"),
    ({"wage_type": "monthly", "wage_min": -1}, "wage_min"),
    ({"wage_type": "monthly", "wage_min": "200000"}, "wage_min"),
    ({"wage_min": 200000}, "wage_type"),
    ({"keywords": ["事務"], "salary": 1}, "salary"),
    ({"exclude_keywords": ["派遣"]}, "condition"),
    ({}, "condition"),
])
def test_a_condition_outside_the_forms_limits_is_refused_naming_the_field(condition, field):
    with pytest.raises(InvalidInput) as raised:
        validate_condition(condition)
    assert raised.value.field == field
    assert raised.value.message and raised.value.message.isascii() is False


def test_fifty_characters_of_free_words_are_accepted():
    assert validate_condition({"keywords": ["あ" * 24, "い" * 25]})["keywords"] == ["あ" * 24, "い" * 25]
    assert validate_condition({"keywords": "あ" * 50})["keywords"] == ["あ" * 50]


def test_a_condition_is_normalized_for_the_matchers():
    condition = validate_condition({"keywords": " 事務  経理 事務", "occupation_codes": ["01", "011", "011-01"],
                                    "employment_forms": [2, 1, 2]})
    assert condition == {
        "keywords": ["事務", "経理"], "keyword_mode": "and", "exclude_keywords": [], "prefecture_codes": [],
        "municipality_codes": [], "occupation_codes": ["01", "011", "011-01"], "employment_forms": [1, 2],
        "wage_type": None, "wage_min": None,
    }


def test_two_concurrent_saves_cannot_make_a_fourth_search(engine, session, seeker):
    """On PostgreSQL the seeker row lock makes the second save wait for the first and count
    again. (SQLite serializes writers with its database lock, so there is nothing to race.)"""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has a single writer: no concurrent saves to serialize")
    for _ in range(2):
        save(session, seeker)
    session.commit()
    first, second = Session(engine), Session(engine)
    outcome: list[object] = []
    try:
        save(first, seeker)  # holds the seeker's row lock until it commits

        def other_save():
            try:
                outcome.append(save(second, seeker))
                second.commit()
            except LimitExceeded as refused:
                second.rollback()
                outcome.append(refused)

        thread = threading.Thread(target=other_save)
        thread.start()
        with engine.connect() as watcher:  # wait until the second save is queued behind the lock
            while not watcher.execute(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )).scalar_one():
                thread.join(0.05)
                assert thread.is_alive(), outcome
        first.commit()
        thread.join()
    finally:
        first.close()
        second.close()
    assert [type(o) for o in outcome] == [LimitExceeded]
    assert len(list_saved_searches(session, seeker_id=seeker.id)) == 3


@pytest.mark.parametrize(("condition", "field"), [
    ({"prefecture_codes": [["13"]]}, "prefecture_codes"),
    ({"municipality_codes": [{"code": "13101"}]}, "municipality_codes"),
    ({"occupation_codes": [["011"]]}, "occupation_codes"),
    ({"employment_forms": [[1]]}, "employment_forms"),
    ({"employment_forms": [{"form": 1}]}, "employment_forms"),
])
def test_nested_lists_in_a_condition_get_the_fields_japanese_error_not_a_type_error(session, seeker, condition, field):
    counts = table_counts(session)
    with pytest.raises(InvalidInput) as raised:
        save(session, seeker, condition={"keywords": ["事務"], **condition})
    assert raised.value.field == field and not raised.value.message.isascii()
    assert table_counts(session) == counts


@pytest.mark.parametrize(("condition", "field"), [
    ({"prefecture_codes": ["١٣"]}, "prefecture_codes"),  # Arabic-Indic digits
    ({"municipality_codes": ["１３１０１"]}, "municipality_codes"),
    ({"occupation_codes": ["０５０"]}, "occupation_codes"),
    ({"keywords": ["事務\x00"]}, "keywords"),
    ({"keywords": ["事務"], "exclude_keywords": ["\x1b[2J"]}, "exclude_keywords"),
    ({"wage_type": "monthly", "wage_min": float("nan")}, "wage_min"),
    ({"wage_type": "monthly", "wage_min": 10**9}, "wage_min"),
])
def test_a_condition_is_checked_by_the_same_schema_as_the_jsonl_lines(condition, field):
    with pytest.raises(InvalidInput) as raised:
        validate_condition(condition)
    assert raised.value.field == field and not raised.value.message.isascii()

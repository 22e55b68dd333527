"""The JSONL contract: what a job line and a condition line may hold, field by field."""

from __future__ import annotations

from datetime import date

import pytest

from matchers import Condition, InvalidRecord, JobOffer, parse_condition, parse_job

JOB = {"job_number": "13010-14180061", "title": "介護職", "prefecture_code": "13"}
CONDITION = {"condition_id": 1, "seeker_id": 10}


def test_a_full_job_line_becomes_a_job_offer():
    offer = parse_job({
        **JOB, "description": "施設での介護", "employer_name": "株式会社ケア", "occupation_code": "050-01",
        "municipality_code": "13101", "employment_form": 1, "wage_type": "monthly", "wage_min": 200000,
        "wage_max": 260000, "licenses": ["介護福祉士"], "received_on": "2025-10-01",
        "online_application": True, "industry_code": "85",  # unknown keys are ignored
    })
    assert offer == JobOffer("13010-14180061", "介護職", "施設での介護", "株式会社ケア", "050-01", "13", "13101",
                             1, "monthly", 200000, 260000, ("介護福祉士",), date(2025, 10, 1), True)


def test_a_minimal_job_line_takes_the_defaults():
    assert parse_job(JOB) == JobOffer("13010-14180061", "介護職", prefecture_code="13")


def test_a_full_condition_line_becomes_a_condition():
    condition = parse_condition({
        **CONDITION, "kind": "saved", "keywords": ["介護"], "keyword_mode": "or", "exclude_keywords": ["夜勤"],
        "prefecture_codes": ["13", "14"], "municipality_codes": ["27127"], "occupation_codes": ["050", "051-01", "08"],
        "employment_forms": [1, 5], "wage_type": "hourly", "wage_min": 1200, "name": "ignored",
    })
    assert condition == Condition(1, 10, "saved", ("介護",), "or", ("夜勤",), ("13", "14"), ("27127",),
                                  ("050", "051-01", "08"), (1, 5), "hourly", 1200)


def test_condition_ids_may_be_strings():
    assert parse_condition({"condition_id": "c-1", "seeker_id": "s-9"}).condition_id == "c-1"


@pytest.mark.parametrize(("change", "field"), [
    ({"job_number": None}, "job_number"),
    ({"job_number": "1301014180061"}, "job_number"),
    ({"job_number": "13010-1418006"}, "job_number"),
    ({"title": None}, "title"),
    ({"title": "   "}, "title"),
    ({"title": 5}, "title"),
    ({"prefecture_code": None}, "prefecture_code"),
    ({"prefecture_code": "48"}, "prefecture_code"),
    ({"prefecture_code": "00"}, "prefecture_code"),
    ({"prefecture_code": "１３"}, "prefecture_code"),
    ({"prefecture_code": 13}, "prefecture_code"),
    ({"municipality_code": "1310"}, "municipality_code"),
    ({"municipality_code": "14101"}, "municipality_code"),  # not in prefecture 13
    ({"occupation_code": "050"}, "occupation_code"),
    ({"occupation_code": "05001"}, "occupation_code"),
    ({"employment_form": 8}, "employment_form"),
    ({"employment_form": "1"}, "employment_form"),
    ({"employment_form": True}, "employment_form"),
    ({"wage_type": "weekly"}, "wage_type"),
    ({"wage_min": -1}, "wage_min"),
    ({"wage_min": "200000"}, "wage_min"),
    ({"wage_min": 1.5}, "wage_min"),
    ({"wage_max": 10**12}, "wage_max"),
    ({"wage_min": 300000, "wage_max": 200000}, "wage_max"),
    ({"licenses": "介護福祉士"}, "licenses"),
    ({"licenses": [1]}, "licenses"),
    ({"received_on": "2025/10/01"}, "received_on"),
    ({"received_on": "2025-02-30"}, "received_on"),
    ({"online_application": "yes"}, "online_application"),
])
def test_a_bad_job_field_is_named(change, field):
    with pytest.raises(InvalidRecord) as caught:
        parse_job({**JOB, **change})
    assert caught.value.field == field
    assert caught.value.reason


@pytest.mark.parametrize(("change", "field"), [
    ({"condition_id": None}, "condition_id"),
    ({"condition_id": True}, "condition_id"),
    ({"condition_id": ""}, "condition_id"),
    ({"seeker_id": None}, "seeker_id"),
    ({"seeker_id": [1]}, "seeker_id"),
    ({"kind": "favourite"}, "kind"),
    ({"keywords": "介護"}, "keywords"),
    ({"keywords": [None]}, "keywords"),
    ({"keyword_mode": "AND"}, "keyword_mode"),
    ({"exclude_keywords": [3]}, "exclude_keywords"),
    ({"prefecture_codes": ["13", "14", "27", "01"]}, "prefecture_codes"),
    ({"prefecture_codes": ["99"]}, "prefecture_codes"),
    ({"municipality_codes": ["131"]}, "municipality_codes"),
    ({"municipality_codes": ["1", "2", "3", "4"]}, "municipality_codes"),
    ({"occupation_codes": ["05"]}, None),  # a 大分類 is fine: see below
    ({"occupation_codes": ["0500"]}, "occupation_codes"),
    ({"occupation_codes": ["050", "051", "052", "053"]}, "occupation_codes"),
    ({"employment_forms": [0]}, "employment_forms"),
    ({"employment_forms": 1}, "employment_forms"),
    ({"wage_type": "yearly"}, "wage_type"),
    ({"wage_min": -5}, "wage_min"),
])
def test_a_bad_condition_field_is_named(change, field):
    if field is None:
        parse_condition({**CONDITION, **change})
        return
    with pytest.raises(InvalidRecord) as caught:
        parse_condition({**CONDITION, **change})
    assert caught.value.field == field


def test_a_line_that_is_not_an_object_is_refused():
    for value in ([], "x", 3, None):
        with pytest.raises(InvalidRecord):
            parse_job(value)
        with pytest.raises(InvalidRecord):
            parse_condition(value)


def test_invalid_record_is_a_value_error_naming_the_field():
    error = InvalidRecord("title", "必須項目がありません")
    assert isinstance(error, ValueError) and str(error) == "title: 必須項目がありません"


@pytest.mark.parametrize("change, field", [
    ({"title": "\ud800介護"}, "title"),
    ({"description": "介護\udfff"}, "description"),
    ({"licenses": ["介護福祉士", "\udc80"]}, "licenses"),
])
def test_a_job_text_with_a_lone_surrogate_is_not_text_and_is_refused(change, field):
    # json.loads turns the escape "\ud800" into a string no UTF-8 output or database can hold.
    with pytest.raises(InvalidRecord) as caught:
        parse_job({**JOB, **change})
    assert caught.value.field == field


@pytest.mark.parametrize("change, field", [
    ({"keywords": ["\ud800介護"]}, "keywords"),
    ({"exclude_keywords": ["夜勤\udc00"]}, "exclude_keywords"),
    ({"condition_id": "c-\ud800"}, "condition_id"),
])
def test_a_condition_text_with_a_lone_surrogate_is_not_text_and_is_refused(change, field):
    with pytest.raises(InvalidRecord) as caught:
        parse_condition({**CONDITION, **change})
    assert caught.value.field == field


@pytest.mark.parametrize("change, field", [
    ({"job_number": "１３０１０-14180061"}, "job_number"),  # full-width digits
    ({"job_number": "١٣٠١٠-14180061"}, "job_number"),  # Arabic-Indic digits
    ({"prefecture_code": "١٣"}, "prefecture_code"),
    ({"municipality_code": "１３１０１"}, "municipality_code"),
    ({"occupation_code": "０５０-０１"}, "occupation_code"),
    ({"industry_code": "８５"}, "industry_code"),
])
def test_codes_take_ascii_digits_only(change, field):
    with pytest.raises(InvalidRecord) as caught:
        parse_job({**JOB, **change})
    assert caught.value.field == field


@pytest.mark.parametrize("change, field", [
    ({"prefecture_codes": ["１３"]}, "prefecture_codes"),
    ({"municipality_codes": ["١٣١٠١"]}, "municipality_codes"),
    ({"occupation_codes": ["０５０"]}, "occupation_codes"),
])
def test_condition_codes_take_ascii_digits_only(change, field):
    with pytest.raises(InvalidRecord) as caught:
        parse_condition({**CONDITION, **change})
    assert caught.value.field == field


def test_every_bad_field_of_a_line_is_named_in_field_order():
    with pytest.raises(InvalidRecord) as caught:
        parse_job({"job_number": "x", "title": "", "prefecture_code": "99", "wage_min": "1", "online_application": 1})
    assert [field for field, _ in caught.value.problems] == [
        "job_number", "title", "prefecture_code", "wage_min", "online_application"]
    assert all(reason and not reason.isascii() for _, reason in caught.value.problems)
    assert (caught.value.field, caught.value.reason) == caught.value.problems[0]


@pytest.mark.parametrize("change, field", [
    ({"title": "あ" * 201}, "title"),
    ({"employer_name": "あ" * 201}, "employer_name"),
    ({"description": "あ" * 20_001}, "description"),
    ({"licenses": ["免許"] * 21}, "licenses"),
    ({"licenses": ["あ" * 101]}, "licenses"),
])
def test_every_job_text_and_list_has_a_length_limit(change, field):
    with pytest.raises(InvalidRecord) as caught:
        parse_job({**JOB, **change})
    assert caught.value.field == field


@pytest.mark.parametrize("change, field", [
    ({"keywords": ["介護"] * 11}, "keywords"),
    ({"keywords": ["あ" * 51]}, "keywords"),
    ({"exclude_keywords": ["夜勤"] * 11}, "exclude_keywords"),
    ({"condition_id": "c" * 65}, "condition_id"),
    ({"seeker_id": 2**63}, "seeker_id"),
    ({"employment_forms": [1, 2, 3, 4, 5, 6, 7, 1]}, "employment_forms"),
])
def test_every_condition_text_and_list_has_a_length_limit(change, field):
    with pytest.raises(InvalidRecord) as caught:
        parse_condition({**CONDITION, **change})
    assert caught.value.field == field


@pytest.mark.parametrize("text", ["介護\x00職員", "介護\x1b[31m", "\x7f", "介護\u0085"])
def test_a_text_with_a_nul_or_a_control_character_is_refused(text):
    for field in ("title", "employer_name"):
        with pytest.raises(InvalidRecord) as caught:
            parse_job({**JOB, field: text})
        assert caught.value.field == field
    with pytest.raises(InvalidRecord):
        parse_condition({**CONDITION, "keywords": [text]})


def test_a_description_may_have_line_breaks_and_tabs_but_no_nul():
    assert parse_job({**JOB, "description": "一行目\r\n二行目\tタブ"}).description == "一行目\r\n二行目\tタブ"
    with pytest.raises(InvalidRecord):
        parse_job({**JOB, "description": "一行目\x00"})


@pytest.mark.parametrize("amount", [float("inf"), float("-inf"), float("nan"), 1.5, True, "200000"])
def test_a_wage_that_is_not_a_whole_finite_number_of_yen_is_refused(amount):
    with pytest.raises(InvalidRecord) as caught:
        parse_job({**JOB, "wage_min": amount})
    assert caught.value.field == "wage_min"


def test_a_whole_wage_written_as_a_float_is_the_same_amount():
    assert parse_job({**JOB, "wage_min": 200000.0}).wage_min == 200000


def test_nulls_count_as_absent_fields():
    nulls = {k: None for k in ("description", "employer_name", "occupation_code", "municipality_code", "employment_form",
                               "wage_type", "wage_min", "wage_max", "licenses", "received_on", "online_application")}
    assert parse_job({**JOB, **nulls}) == parse_job(JOB)


def test_a_well_formed_code_the_tables_do_not_know_is_accepted():
    # Rule 7: the site's table may be newer than the shipped one.
    offer = parse_job({**JOB, "occupation_code": "998-77", "municipality_code": "13999"})
    assert (offer.occupation_code, offer.municipality_code) == ("998-77", "13999")
    condition = parse_condition({**CONDITION, "occupation_codes": ["998", "998-77", "15"],
                                 "municipality_codes": ["47999"]})
    assert condition.occupation_codes == ("998", "998-77", "15")

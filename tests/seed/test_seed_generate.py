"""Synthetic records: deterministic, in the real formats, skewed like the real market, streamed."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from datetime import date, timedelta
from itertools import islice

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matchers import parse_condition, parse_job
from matchers.codes import municipalities, occupations, prefectures
from worker.seed import vocabulary
from worker.seed.generate import (
    BLOCK,
    condition_groups,
    condition_records,
    job_offer_records,
    seeker_records,
)
from worker.services.calendar import end_of_month_after_next

TODAY = date(2025, 11, 25)
NUMBER = re.compile(r"\d{5}-\d{8}")


@pytest.fixture(scope="module")
def offers() -> list[dict]:
    return list(job_offer_records(6000, seed=7, today=TODAY))


@pytest.fixture(scope="module")
def conditions() -> list[dict]:
    return list(condition_records(6000, seed=7))


@pytest.fixture(scope="module")
def dense_conditions() -> list[dict]:
    return list(condition_records(6000, seed=7, profile="dense"))


@pytest.fixture(scope="module")
def dense_offers() -> list[dict]:
    return list(job_offer_records(6000, seed=7, today=TODAY, profile="dense"))


@pytest.fixture(scope="module")
def seekers() -> list[dict]:
    return list(seeker_records(3000, seed=7, today=TODAY))


# ---------------------------------------------------------------------------- determinism and streaming


def test_the_same_seed_gives_the_same_records_and_another_seed_different_ones():
    for make in (lambda s: job_offer_records(300, seed=s, today=TODAY), lambda s: condition_records(300, seed=s),
                 lambda s: seeker_records(300, seed=s, today=TODAY)):
        assert list(make(1)) == list(make(1))
        assert list(make(1)) != list(make(2))


def test_a_record_depends_only_on_seed_and_index_so_runs_can_start_anywhere():
    whole = list(job_offer_records(BLOCK + 50, seed=3, today=TODAY))
    assert list(job_offer_records(100, seed=3, start=BLOCK - 50, today=TODAY)) == whole[BLOCK - 50:]
    assert list(job_offer_records(10, seed=3, today=TODAY)) == whole[:10]
    seekers = list(seeker_records(BLOCK + 5, seed=3, today=TODAY))
    assert list(seeker_records(7, seed=3, start=BLOCK - 2, today=TODAY)) == seekers[BLOCK - 2:]


def _digest(records) -> str:
    digest = hashlib.sha256()
    for record in records:
        digest.update(json.dumps(record, sort_keys=True, ensure_ascii=False).encode())
    return digest.hexdigest()[:16]


def _groups(profile: str):
    for index, group in islice(condition_groups(11, 4000, profile=profile), 300):
        yield [index, [[c.fields, c.name, c.notify] for c in group]]


def test_a_seed_gives_exactly_the_records_it_gave_before():
    """Pinned digests of 300 records of every stream across a block boundary (indices 4000–4299), so
    speeding the generators up cannot change what a seed means: a database seeded yesterday and one
    seeded today with the same seed hold the same people. A change that is meant to alter the data
    (or a Python or Faker upgrade that does) updates these digests on purpose."""
    assert {
        "seekers": _digest(seeker_records(300, seed=11, start=4000, today=TODAY)),
        "realistic_conditions": _digest(_groups("realistic")),
        "dense_conditions": _digest(_groups("dense")),
        "realistic_offers": _digest(job_offer_records(300, seed=11, start=4000, today=TODAY)),
        "dense_offers": _digest(job_offer_records(300, seed=11, start=4000, today=TODAY, profile="dense")),
    } == {
        "seekers": "f5b7a48bf6bef298",
        "realistic_conditions": "e74fd97c58783d8d",
        "dense_conditions": "21accb9daed85866",
        "realistic_offers": "09083f5a28b74e92",
        "dense_offers": "dbeeaefbc3601978",
    }


def test_generators_are_lazy_iterators_that_never_build_all_records():
    for stream in (condition_records(10**8, seed=1), job_offer_records(10**7, seed=1, today=TODAY),
                   seeker_records(10**7, seed=1, today=TODAY)):
        assert iter(stream) is stream
        assert len(list(islice(stream, 3))) == 3  # returns at once: nothing was made ahead


def test_records_are_json_ready():
    for stream in (job_offer_records(50, seed=1, today=TODAY), condition_records(50, seed=1),
                   seeker_records(50, seed=1, today=TODAY)):
        for record in stream:
            assert json.loads(json.dumps(record, ensure_ascii=False)) == record


# ---------------------------------------------------------------------------- job offers


def test_job_offers_have_real_format_numbers_at_an_office_of_their_prefecture(offers):
    numbers = [offer["job_number"] for offer in offers]
    assert all(NUMBER.fullmatch(n) for n in numbers)
    assert len(set(numbers)) == len(numbers)
    assert all(offer["job_number"][:2] == offer["prefecture_code"] for offer in offers)


def test_job_offers_are_placed_in_a_municipality_of_their_prefecture(offers):
    table = municipalities()
    for offer in offers:
        assert offer["prefecture_code"] in prefectures()
        place = table[offer["municipality_code"]]
        assert place.prefecture_code == offer["prefecture_code"]
        assert place.kind != "designated_city"  # offers are placed by ward


def test_job_offers_use_listed_minor_occupations_forms_and_industries(offers):
    table = occupations()
    for offer in offers:
        assert offer["occupation_code"] in table.minors
        assert offer["employment_form"] in range(1, 8)
        assert re.fullmatch(r"\d{2}", offer["industry_code"])


@pytest.mark.parametrize("wage_type, low, high", [("monthly", 180_000, 450_000), ("hourly", 1_000, 1_800),
                                                   ("daily", 8_000, 15_000)])
def test_wages_are_realistic_for_their_wage_type(offers, wage_type, low, high):
    of_type = [o for o in offers if o["wage_type"] == wage_type]
    assert of_type
    assert all(low <= o["wage_min"] <= o["wage_max"] <= high for o in of_type)


def test_part_time_offers_are_mostly_hourly_and_full_time_mostly_monthly(offers):
    part = Counter(o["wage_type"] for o in offers if o["employment_form"] >= 5)
    full = Counter(o["wage_type"] for o in offers if o["employment_form"] <= 4)
    assert part.most_common(1)[0][0] == "hourly" and full.most_common(1)[0][0] == "monthly"


def test_offers_were_received_recently_and_referable_to_the_end_of_the_month_after_next(offers):
    for offer in offers:
        received = date.fromisoformat(offer["received_on"])
        assert TODAY - timedelta(days=60) <= received <= TODAY
        assert offer["referral_deadline"] == end_of_month_after_next(received).isoformat()


def test_offers_parse_as_matchers_job_offers(offers):
    for offer in offers[:1000]:
        assert parse_job(offer).job_number == offer["job_number"]


def test_tokyo_is_the_most_frequent_prefecture_by_a_clear_margin(offers):
    (first, top), (_, second) = Counter(o["prefecture_code"] for o in offers).most_common(2)
    assert first == "13" and top > 1.5 * second


def test_offers_concentrate_in_the_special_wards_and_designated_cities(offers):
    kinds = Counter(municipalities()[o["municipality_code"]].kind for o in offers if o["prefecture_code"] == "13")
    assert kinds["special_ward"] > 0.7 * sum(kinds.values())
    osaka = [o for o in offers if o["prefecture_code"] == "27"]
    assert sum(municipalities()[o["municipality_code"]].city_code == "27100" for o in osaka) > 0.5 * len(osaka)


def test_common_occupations_dominate(offers):
    middles = Counter(o["occupation_code"][:3] for o in offers)
    heavy = {"034", "045", "050", "048", "083", "023", "009", "071", "072", "074"}  # 事務 販売 介護 営業 運転 看護 IT 製造
    assert sum(middles[m] for m in heavy) > 0.3 * len(offers)  # 10 of 99 middles
    assert {m for m, _ in middles.most_common(5)} <= heavy | {"055"}


# ---------------------------------------------------------------------------- conditions


def test_conditions_have_at_most_three_places_and_occupations_all_from_the_tables(conditions, dense_conditions):
    table = occupations()
    for c in conditions + dense_conditions:
        for key in ("prefecture_codes", "municipality_codes", "occupation_codes"):
            assert len(c[key]) <= 3 and len(set(c[key])) == len(c[key])
        assert all(p in prefectures() for p in c["prefecture_codes"])
        assert all(m in municipalities() for m in c["municipality_codes"])
        assert all(code in table for code in c["occupation_codes"])
        assert set(c["employment_forms"]) <= set(range(1, 8))
        assert (c["wage_type"] is None) == (c["wage_min"] is None)


def test_conditions_mix_middle_and_minor_occupation_codes(conditions):
    codes = [code for c in conditions for code in c["occupation_codes"]]
    middles = sum(len(code) == 3 for code in codes)
    assert 0.4 < middles / len(codes) < 0.8


def test_each_seeker_has_one_registered_condition_then_at_most_three_saved_searches(conditions):
    by_seeker: dict[int, list[str]] = {}
    for c in conditions:
        by_seeker.setdefault(c["seeker_id"], []).append(c["kind"])
    last = max(by_seeker)
    for seeker_id, kinds in by_seeker.items():
        assert kinds[0] == "registered" or seeker_id == last
        assert kinds.count("registered") <= 1 and kinds.count("saved") <= 3
    assert [c["condition_id"] for c in conditions] == list(range(1, len(conditions) + 1))
    average = len(conditions) / len(by_seeker)
    assert 3.0 < average < 3.6  # 300,000 seekers carry about a million conditions


def test_dense_conditions_name_municipalities_inside_their_prefectures(dense_conditions):
    for c in dense_conditions:
        assert all(municipalities()[m].prefecture_code in c["prefecture_codes"] for m in c["municipality_codes"])


def test_dense_conditions_have_keywords_that_dense_offers_contain(dense_conditions, dense_offers):
    conditions, offers = dense_conditions, dense_offers
    with_keywords = [c for c in conditions if c["keywords"]]
    assert 0.4 < len(with_keywords) / len(conditions) < 0.7
    text = "\n".join(o["title"] + o["description"] + "".join(o["licenses"]) for o in offers)
    words = {word for c in with_keywords for word in c["keywords"]}
    assert {"介護", "看護", "事務", "経理", "プログラマー", "システムエンジニア", "フォークリフト", "在宅",
            "土日休み", "未経験可"} <= words | set(vocabulary.PERK_KEYWORDS)
    missing = {word for word in words if word not in text}
    assert not missing


def test_conditions_parse_as_matchers_conditions(conditions):
    for c in conditions[:2000]:
        assert parse_condition(c).condition_id == c["condition_id"]


# ---------------------------------------------------------------------------- seekers


def test_seekers_have_japanese_names_example_addresses_and_unique_numbers(seekers):
    assert all(NUMBER.fullmatch(s["seeker_number"]) and s["seeker_number"][:2] == s["prefecture_code"]
               for s in seekers)
    assert len({s["seeker_number"] for s in seekers}) == len(seekers)
    assert len({s["email_normalized"] for s in seekers}) == len(seekers)
    domains = {s["email"].rsplit("@", 1)[1] for s in seekers}
    assert domains <= {"example.jp", "example.com", "example.net", "example.org"}
    assert all(re.fullmatch(r"[\u4e00-\u9fff\u3040-\u30ff々]+ [\u4e00-\u9fff\u3040-\u30ff々]+", s["name"]) for s in seekers)


def test_seekers_are_adults_with_history_and_qualifications(seekers):
    for s in seekers:
        age = (TODAY - date.fromisoformat(s["birth_date"])).days / 365.25
        assert 17.9 < age < 71
    assert any(s["work_history"] for s in seekers) and any(s["qualifications"] for s in seekers)
    assert all({"employer", "from", "to", "job"} == set(job) for s in seekers for job in s["work_history"])


def test_registrations_are_mostly_valid_to_the_end_of_the_month_after_next(seekers):
    valid = [s for s in seekers if s["registration_status"] == "valid"]
    invalid = [s for s in seekers if s["registration_status"] == "invalid"]
    assert 0.8 < len(valid) / len(seekers) < 0.95
    for s in valid:
        until = date.fromisoformat(s["registration_valid_until"])
        assert s["registration_invalid_on"] is None and TODAY <= until <= end_of_month_after_next(TODAY)
    for s in invalid:
        assert date.fromisoformat(s["registration_invalid_on"]) < TODAY
    assert any(TODAY - date.fromisoformat(s["registration_invalid_on"]) > timedelta(days=5 * 366) for s in invalid)


def test_only_opened_accounts_carry_opening_and_agreement_times(seekers):
    states = Counter(s["account_state"] for s in seekers)
    assert set(states) <= {"not_opened", "open", "restricted", "unusable"} and states["open"] > states["not_opened"]
    for s in seekers:
        opened = s["account_state"] != "not_opened"
        assert (s["opened_at"] is not None) == opened and (s["agreed_at"] is not None) == opened
        assert (s["restricted_at"] is not None) == (s["account_state"] == "restricted")


@settings(max_examples=60, deadline=None)
@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_the_end_of_the_month_after_next_is_a_month_end_two_months_on(day):
    end = end_of_month_after_next(day)
    assert (end + timedelta(days=1)).day == 1
    assert (end.year * 12 + end.month) - (day.year * 12 + day.month) == 2


# ---------------------------------------------------------------------------- the realistic profile


def test_a_registered_condition_is_shaped_like_a_real_kyushokuhyo(conditions):
    registered = [c for c in conditions if c["kind"] == "registered"]
    for c in registered:
        assert 1 <= len(c["occupation_codes"]) <= 3
        assert 1 <= len(c["prefecture_codes"]) + len(c["municipality_codes"]) <= 3
        assert c["employment_forms"] and c["wage_type"] and c["wage_min"]
    with_keywords = sum(bool(c["keywords"]) for c in registered) / len(registered)
    assert 0.4 < with_keywords < 0.6
    assert {len(c["occupation_codes"]) for c in registered} == {1, 2, 3}


def test_desired_occupations_are_mostly_related_and_some_places_are_designated_cities(conditions):
    table = occupations()
    several = [c["occupation_codes"] for c in conditions if len(c["occupation_codes"]) > 1]
    same_major = sum(len({table.major_of(code) for code in codes}) == 1 for codes in several)
    assert same_major > 0.4 * len(several)
    named = [m for c in conditions for m in c["municipality_codes"]]
    assert any(municipalities()[m].kind == "designated_city" for m in named)


def test_saved_searches_always_name_a_place(conditions):
    for c in conditions:
        if c["kind"] == "saved":
            assert c["prefecture_codes"] or c["municipality_codes"]


def test_realistic_offers_use_job_tag_titles_and_texts_under_their_real_minor_code(offers):
    from worker.seed import jobtext

    for offer in offers[:500]:
        jobs = jobtext.for_minor(offer["occupation_code"])
        assert jobs, offer["occupation_code"]
        title = offer["title"].removesuffix("（派遣）").removesuffix("（パート）")
        assert any(title in job.names and job.summary in offer["description"] for job in jobs), offer


def test_most_realistic_keywords_occur_in_some_offer(conditions, offers):
    text = "\n".join(o["title"] + o["description"] + "".join(o["licenses"]) for o in offers)
    words = {word for c in conditions for word in c["keywords"]}
    found = sum(word in text for word in words)
    assert found > 0.7 * len(words)


def test_the_profiles_give_different_conditions_and_an_unknown_profile_is_refused(conditions, dense_conditions):
    assert conditions[:50] != dense_conditions[:50]
    with pytest.raises(ValueError):
        next(condition_records(1, seed=1, profile="sparse"))
    with pytest.raises(ValueError):
        next(job_offer_records(1, seed=1, profile="sparse"))


def test_the_dense_profile_matches_many_more_conditions_per_offer_than_the_realistic_one():
    from matchers import ConditionIndex, parse_condition, parse_job

    def matches_per_offer(profile: str) -> float:
        index = ConditionIndex(parse_condition(c) for c in condition_records(3000, seed=5, profile=profile))
        offers = [parse_job(o) for o in job_offer_records(200, seed=5, today=TODAY, profile=profile)]
        return sum(len(index.match(o)) for o in offers) / len(offers)

    assert matches_per_offer("dense") > 2 * matches_per_offer("realistic")

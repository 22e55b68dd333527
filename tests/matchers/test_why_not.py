""""Why not this offer?": the verdict agrees with the rules — a match exactly when ``evaluate``
says so, with its score and reasons; otherwise at least one named rule, each one a rule the offer
really fails."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings

from matchers import Condition, JobOffer
from matchers.rules import OfferView, evaluate, prepare
from matchers.why_not import why
from tests.matchers.strategies import conditions, job_offers

SETTINGS = settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])

OFFER = JobOffer(job_number="13010-00000001", title="一般事務", description="電話応対とデータ入力", prefecture_code="27",
                 municipality_code="27127", occupation_code="250-01", employment_form=5, wage_type="hourly",
                 wage_min=1000, wage_max=1100)


@SETTINGS
@given(job_offers(), conditions(1))
def test_a_verdict_is_a_match_exactly_when_the_rules_say_so(offer, condition):
    expected = evaluate(OfferView(offer), prepare(condition))
    verdict = why(offer, condition)
    assert verdict.matched == (expected is not None)
    if expected is not None:
        assert (verdict.score, verdict.reasons) == expected and not verdict.rejections
    else:
        assert verdict.rejections


@SETTINGS
@given(job_offers(), conditions(1))
def test_every_rejection_names_a_rule_the_offer_fails_on_its_own(offer, condition):
    """Dropping the rules a rejection names from the condition turns it into a match."""
    verdict = why(offer, condition)
    if verdict.matched:
        return
    loosened = condition
    for rejection in verdict.rejections:
        loosened = replace(loosened, **LOOSEN[rejection.rule])
    assert why(offer, loosened).matched


LOOSEN = {
    "勤務地": {"prefecture_codes": (), "municipality_codes": ()},
    "職種": {"occupation_codes": ()},
    "雇用形態": {"employment_forms": ()},
    "賃金": {"wage_min": None},
    "除外キーワード": {"exclude_keywords": ()},
    "キーワード": {"keywords": ()},
}


def condition(**fields) -> Condition:
    return Condition(condition_id=1, seeker_id=1, **fields)


def test_each_rule_is_named_with_the_offer_and_the_wish():
    reasons = {r.rule: r.reason for r in why(OFFER, condition(
        prefecture_codes=("13",), occupation_codes=("05",), employment_forms=(1,), wage_type="monthly",
        wage_min=250_000, exclude_keywords=("データ入力",), keywords=("経理",))).rejections}
    assert reasons == {
        "勤務地": "勤務地（27127 大阪市北区）が希望の勤務地（13 東京都）に含まれません",
        "職種": reasons["職種"],
        "雇用形態": "雇用形態（パート労働者）が希望（正社員）に含まれません",
        "賃金": "賃金（時給 1,100円、月額換算 176,000円）が希望の下限（月給 250,000円）に届きません",
        "除外キーワード": "除外キーワード『データ入力』が求人にあります",
        "キーワード": "キーワード『経理』が求人の職種・仕事内容・事業所名・免許・資格にありません",
    }
    assert reasons["職種"].startswith("職業分類（250-01") and "希望の職種（05" in reasons["職種"]


def test_an_or_condition_is_rejected_only_when_no_keyword_is_found():
    assert why(OFFER, condition(keywords=("経理", "事務"), keyword_mode="or")).matched
    rejected = why(OFFER, condition(keywords=("経理", "営業"), keyword_mode="or"))
    assert [r.rule for r in rejected.rejections] == ["キーワード"] and "いずれか一つで可" in rejected.rejections[0].reason


def test_an_offer_without_a_wage_or_occupation_says_it_cannot_be_checked():
    bare = JobOffer(job_number="13010-00000002", title="一般事務", prefecture_code="13")
    reasons = [r.reason for r in why(bare, condition(occupation_codes=("25",), wage_min=200_000)).rejections]
    assert reasons[0].startswith("求人に職業分類がなく") and reasons[1].startswith("求人に賃金の記載がなく")

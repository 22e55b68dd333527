"""The ranking score: the matcher's points first, then the wage margin, then freshness; ties by
the newer offer, the higher wage, the job number."""

from __future__ import annotations

from datetime import date

from matchers import Condition, JobOffer, ReferenceMatcher
from matchers.ranking import freshness_points, rank_score, tie_order, wage_margin_points

TODAY = date(2025, 6, 10)


def offer(number="13010-00000001", **fields):
    fields.setdefault("prefecture_code", "13")
    return JobOffer(job_number=number, title=fields.pop("title", "一般事務"), **fields)


def test_a_keyword_in_the_title_ranks_above_the_same_keyword_in_the_description():
    matcher = ReferenceMatcher([Condition(condition_id=1, seeker_id=1, keywords=("介護",))])
    in_title = offer(title="介護職員")
    in_description = offer(title="スタッフ", description="介護のお仕事")
    [title_match], [description_match] = matcher.match(in_title), matcher.match(in_description)

    assert (rank_score(title_match.score, in_title, today=TODAY)
            > rank_score(description_match.score, in_description, today=TODAY))


def test_one_matcher_point_outweighs_any_wage_margin_and_freshness():
    rich_and_fresh = offer(wage_type="monthly", wage_min=900_000, received_on=TODAY)
    plain = offer()
    assert rank_score(51, plain, today=TODAY) > rank_score(50, rich_and_fresh, wage_min=200_000, today=TODAY)


def test_the_wage_margin_counts_one_point_per_two_percent_above_the_minimum_in_monthly_terms():
    assert wage_margin_points(offer(wage_type="monthly", wage_min=220_000), 200_000, "monthly") == 5
    assert wage_margin_points(offer(wage_type="hourly", wage_max=1_500), 200_000, "monthly") == 10  # 240,000
    assert wage_margin_points(offer(wage_type="monthly", wage_min=1_000_000), 200_000, "monthly") == 50
    assert wage_margin_points(offer(wage_type="monthly", wage_min=220_000), None, None) == 0
    assert wage_margin_points(offer(), 200_000, "monthly") == 0
    well_paid = offer(wage_type="monthly", wage_min=300_000)
    assert rank_score(50, well_paid, wage_min=200_000, today=TODAY) == 100 * 50 + 25  # 50 % above


def test_a_fresher_offer_gets_more_points_for_nine_days():
    assert freshness_points(TODAY, TODAY) == 45
    assert freshness_points(date(2025, 6, 7), TODAY) == 30
    assert freshness_points(date(2025, 5, 1), TODAY) == 0 and freshness_points(None, TODAY) == 0
    assert (rank_score(50, offer(received_on=TODAY), today=TODAY)
            > rank_score(50, offer(received_on=date(2025, 6, 8)), today=TODAY))


def test_ties_go_to_the_newer_offer_then_the_higher_wage_then_the_job_number():
    older = offer("13010-00000001", received_on=date(2025, 6, 9), wage_min=300_000)
    newer_low = offer("13010-00000002", received_on=TODAY, wage_min=200_000)
    newer_high = offer("13010-00000003", received_on=TODAY, wage_type="hourly", wage_min=1_500)
    same_as_low = offer("13010-00000000", received_on=TODAY, wage_min=200_000)

    ordered = sorted([older, newer_low, newer_high, same_as_low], key=lambda o: tie_order(500, o))

    assert ordered == [newer_high, same_as_low, newer_low, older]

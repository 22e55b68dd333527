"""The ranking score of a match: which of a seeker's many matching offers are the best few.

A pure function of plain values (the match's score, the offer, the condition's wage floor, the
day), so the pipeline can store it with the candidate and choose in SQL.

    rank = 100 × match score                     (0–10,000)
         + wage margin                           (0–50)
         + freshness                             (0–45)

- **match score** (0–100, ``matchers.rules``): what the condition asked for and the offer has,
  the more specific the more points — a keyword in the 職種 (10) over one in the other fields
  (6) or a close spelling (4), the municipality (20) over the prefecture (15), the 小分類 (20)
  over the 中分類 (15) and the 大分類 (10), a requested employment form and wage (10 each). It
  dominates: one matcher point (100) outweighs the most wage margin and freshness together (95).
- **wage margin**: only when the condition has a minimum wage; 1 point per 2 % the offer's upper
  wage (``wage_max``, else ``wage_min``) lies above it, both as monthly amounts (1 month = 20
  days = 160 hours, the matchers' rule), at most 50 (double the minimum or more).
- **freshness**: 45 on the day the offer was received (受付年月日), 5 fewer for each day since,
  0 from the ninth day or when the day is unknown.

Equal ranks are broken by ``tie_order``: the newer offer (received later), then the higher wage
(monthly upper wage), then the job number (ascending). The pipeline's SQL uses the same order.
"""

from __future__ import annotations

from datetime import date

from matchers.records import JobOffer

MATCH_WEIGHT = 100
WAGE_MARGIN_CAP = 50
WAGE_MARGIN_PERCENT_PER_POINT = 2
FRESHNESS_MAX = 45
FRESHNESS_PER_DAY = 5

# The matchers' wage rule: monthly amounts, 1 month = 20 days = 160 hours.
_MONTHLY_FACTOR = {"monthly": 1, "daily": 20, "hourly": 160}


def monthly_amount(amount: int, wage_type: str | None) -> int:
    """A wage of the given type (monthly when None) as a monthly amount."""
    return amount * _MONTHLY_FACTOR.get(wage_type or "monthly", 1)


def monthly_upper_wage(offer: JobOffer) -> int | None:
    """The offer's upper wage as a monthly amount, or None when it states no wage."""
    amount = offer.wage_max if offer.wage_max is not None else offer.wage_min
    if amount is None:
        return None
    return monthly_amount(amount, offer.wage_type)


def wage_margin_points(offer: JobOffer, wage_min: int | None, wage_type: str | None) -> int:
    if wage_min is None or wage_min <= 0:
        return 0
    upper = monthly_upper_wage(offer)
    if upper is None:
        return 0
    floor = monthly_amount(wage_min, wage_type)
    percent_above = (upper - floor) * 100 // floor
    return max(0, min(WAGE_MARGIN_CAP, percent_above // WAGE_MARGIN_PERCENT_PER_POINT))


def freshness_points(received_on: date | None, today: date) -> int:
    if received_on is None:
        return 0
    age = max(0, (today - received_on).days)
    return max(0, FRESHNESS_MAX - FRESHNESS_PER_DAY * age)


def rank_score(match_score: int, offer: JobOffer, *, wage_min: int | None = None, wage_type: str | None = None,
               today: date) -> int:
    """Higher is better; see the module's text for how it is built."""
    return (MATCH_WEIGHT * match_score + wage_margin_points(offer, wage_min, wage_type)
            + freshness_points(offer.received_on, today))


def tie_order(rank: int, offer: JobOffer) -> tuple:
    """Sort key, best first: rank, then the newer offer, the higher wage, the lower job number."""
    received = offer.received_on.toordinal() if offer.received_on is not None else 0
    return (-rank, -received, -(monthly_upper_wage(offer) or 0), offer.job_number)

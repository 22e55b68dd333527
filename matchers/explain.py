"""Reasons for chosen pairs only: the score and the Japanese reasons of given (offer, conditions).

The pipeline stores candidates as ids and a score; the few it shows a seeker (the round's
chosen items) get their reasons here, with the same rules as every matcher (``matchers.rules``),
so they read exactly as the reference matcher's would."""

from __future__ import annotations

from collections.abc import Iterable

from matchers.records import Condition, ConditionId, JobOffer, Match
from matchers.rules import ConditionBody, OfferView, evaluate, prepare

# Offers whose prepared view an Explainer keeps (about 1.6 KB each): a national day's new
# offers. Past it the views are dropped and built again; a view costs a few hundred µs, most of
# it normalising the description, and a round explains each offer again in every seeker window.
VIEWS_KEPT = 50_000
# Conditions whose prepared form is kept: a round's seeker window has about 100,000 of them,
# and a seeker's conditions are never asked about in another window.
CONDITIONS_KEPT = 200_000


class Explainer:
    """Keeps each condition's prepared form and each offer's view, so a condition chosen for many
    offers, or an offer chosen for many seekers (in every window of a round), is prepared once.
    A kept form is used only while its record is equal to the one asked about."""

    def __init__(self) -> None:
        self._bodies: dict[ConditionId, tuple[Condition, ConditionBody]] = {}
        self._views: dict[str, tuple[JobOffer, OfferView]] = {}

    def _body(self, condition: Condition) -> ConditionBody:
        return _kept(self._bodies, condition.condition_id, condition, prepare, CONDITIONS_KEPT)

    def _view(self, offer: JobOffer) -> OfferView:
        return _kept(self._views, offer.job_number, offer, OfferView, VIEWS_KEPT)

    def explain(self, offer: JobOffer, conditions: Iterable[Condition]) -> dict[ConditionId, Match]:
        """condition id → the match, for the conditions the offer (still) satisfies."""
        view = self._view(offer)
        found = {}
        for condition in conditions:
            outcome = evaluate(view, self._body(condition))
            if outcome is not None:
                found[condition.condition_id] = Match(offer.job_number, condition.condition_id,
                                                      condition.seeker_id, *outcome)
        return found


def _kept(kept: dict, key, record, make, limit: int):
    """``make(record)``, kept under ``key`` while the record stays equal; past ``limit`` kept
    forms all are dropped (cheaper than tracking which is oldest, and rare)."""
    known = kept.get(key)
    if known is None or known[0] != record:
        if len(kept) >= limit:
            kept.clear()
        known = kept[key] = (record, make(record))
    return known[1]

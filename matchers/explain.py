"""Reasons for chosen pairs only: the score and the Japanese reasons of given (offer, conditions).

The pipeline stores candidates as ids and a score; the few it shows a seeker (the round's
chosen items) get their reasons here, with the same rules as every matcher (``matchers.rules``),
so they read exactly as the reference matcher's would."""

from __future__ import annotations

from collections.abc import Iterable

from matchers.records import Condition, ConditionId, JobOffer, Match
from matchers.rules import ConditionBody, OfferView, evaluate, prepare


class Explainer:
    """Keeps each condition's prepared form, so a condition chosen for many offers is prepared once."""

    def __init__(self) -> None:
        self._bodies: dict[ConditionId, tuple[Condition, ConditionBody]] = {}

    def _body(self, condition: Condition) -> ConditionBody:
        known = self._bodies.get(condition.condition_id)
        if known is None or known[0] != condition:
            known = self._bodies[condition.condition_id] = (condition, prepare(condition))
        return known[1]

    def explain(self, offer: JobOffer, conditions: Iterable[Condition]) -> dict[ConditionId, Match]:
        """condition id → the match, for the conditions the offer (still) satisfies."""
        view = OfferView(offer)
        found = {}
        for condition in conditions:
            outcome = evaluate(view, self._body(condition))
            if outcome is not None:
                found[condition.condition_id] = Match(offer.job_number, condition.condition_id,
                                                      condition.seeker_id, *outcome)
        return found

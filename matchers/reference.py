"""The reference matcher: the plain loop over every condition. It is the specification in
code — slow on purpose, obviously correct — and the index must always agree with it."""

from __future__ import annotations

from collections.abc import Iterable

from matchers.records import Condition, ConditionId, JobOffer, Match, condition_order
from matchers.rules import ConditionBody, OfferView, evaluate, prepare


class ReferenceMatcher:
    def __init__(self, conditions: Iterable[Condition] = ()) -> None:
        self._conditions: dict[ConditionId, tuple[Condition, ConditionBody]] = {}
        for condition in conditions:
            self.add(condition)

    def add(self, condition: Condition) -> None:
        """Add the condition, or replace the one with the same condition_id."""
        self._conditions[condition.condition_id] = (condition, prepare(condition))

    def remove(self, condition_id: ConditionId) -> None:
        self._conditions.pop(condition_id, None)

    def __len__(self) -> int:
        return len(self._conditions)

    def match(self, offer: JobOffer) -> list[Match]:
        view = OfferView(offer)
        matches = []
        for condition, body in self._conditions.values():
            outcome = evaluate(view, body)
            if outcome is not None:
                score, reasons = outcome
                matches.append(Match(offer.job_number, condition.condition_id, condition.seeker_id, score, reasons))
        matches.sort(key=lambda match: condition_order(match.condition_id))
        return matches

    def match_many(self, offers: Iterable[JobOffer]) -> list[list[Match]]:
        return [self.match(offer) for offer in offers]

"""The Explainer gives the reference's matches and reasons for chosen pairs, also when it keeps
the prepared offers and conditions across calls (a round's windows) and the records change."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matchers import ReferenceMatcher, explain
from matchers.explain import Explainer
from tests.matchers.strategies import condition_lists, job_offers

SETTINGS = settings(max_examples=100, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


def _reference(conditions, offer) -> dict:
    return {m.condition_id: m for m in ReferenceMatcher(conditions).match(offer)}


@SETTINGS
@given(condition_lists(), st.lists(job_offers(), min_size=1, max_size=6), st.integers(1, 3))
def test_one_explainer_over_many_offers_answers_as_the_reference(conditions, offers, kept):
    with pytest.MonkeyPatch.context() as patch:  # tiny caches, so they fill and are dropped too
        patch.setattr(explain, "VIEWS_KEPT", kept)
        patch.setattr(explain, "CONDITIONS_KEPT", kept)
        explainer = Explainer()
        for offer in offers:
            assert explainer.explain(offer, conditions) == _reference(conditions, offer)
            assert len(explainer._views) <= kept and len(explainer._bodies) <= kept


@SETTINGS
@given(condition_lists(), job_offers(), job_offers())
def test_an_offer_changed_under_the_same_job_number_is_explained_afresh(conditions, before, after):
    after = replace(after, job_number=before.job_number)
    explainer = Explainer()
    explainer.explain(before, conditions)
    assert explainer.explain(after, conditions) == _reference(conditions, after)


@SETTINGS
@given(condition_lists(), st.data())
def test_a_condition_changed_under_the_same_id_is_prepared_afresh(conditions, data):
    offer = data.draw(job_offers())
    changed = [replace(c, keywords=data.draw(st.sampled_from([("介護",), ("事務",), ()]))) for c in conditions]
    explainer = Explainer()
    explainer.explain(offer, conditions)
    assert explainer.explain(offer, changed) == _reference(changed, offer)

"""A saved search's new offers as rows of ``saved_search_hit``, written by the matching batches."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import text

from worker.db import session_scope
from worker.pipeline import digest

from .conftest import DAYTIME


def test_hits_are_written_in_key_order_whatever_order_they_come_in(world, settings):
    """Two transactions writing overlapping hits (a staff batch beside the actor) then wait for
    each other's keys in one order, and cannot deadlock."""
    if world.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer: no two transactions insert at once, and no ctid to read the order by")
    seeker = world.seeker()
    searches = [world.condition(seeker, kind="saved", notify=True) for _ in range(3)]
    hits = digest.SavedSearchHits(condition_id=np.array([searches[2], searches[0], searches[2], searches[1]]),
                                  job_offer_id=np.array([5, 9, 1, 7]), seeker_id=np.full(4, seeker))

    with session_scope(world.engine) as session:
        outcome = digest.queue_saved_search_mails(session, settings, hits, {seeker: None}, now=DAYTIME, all_new=True)

    with world.engine.connect() as conn:
        written = [tuple(r) for r in conn.execute(text(
            "SELECT condition_id, job_offer_id FROM saved_search_hit ORDER BY ctid"))]
    assert written == sorted(written) and len(written) == 4
    assert outcome.queued == 3 and outcome.placed == set(searches)

"""Erasure (退会, retention): nothing that names the seeker is left behind."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from sqlalchemy import select

from tests.services.builders import make_seeker
from worker.config import load_settings
from worker.domain.models import Condition, ConditionKind, SavedSearchHit
from worker.pipeline import digest
from worker.services.conditions import delete_saved_search
from worker.services.erasure import erase_seeker

NOW = datetime(2025, 6, 10, 1, 0, tzinfo=UTC)  # 10:00 JST


@pytest.mark.xfail(strict=True, reason=(
    "erase_seeker reaches the hits only through the seeker's saved searches that still exist; a "
    "batch that checked a search (recommend._live) before the seeker deleted it and wrote its hits "
    "after leaves hits of a gone search, with the seeker's id, that erasure no longer reaches "
    "(until the upkeep's 7 days). A fix needs either a seeker index on the hits or the batch to "
    "hold the searches (FOR KEY SHARE) until it commits: not a small change"))
def test_erasure_leaves_no_saved_search_hits_of_a_search_deleted_while_a_batch_wrote_them(session, tmp_path):
    seeker = make_seeker(session, saved_search_mails=True)
    search = Condition(seeker_id=seeker.id, kind=ConditionKind.SAVED.value, notify=True, prefecture_codes=["13"])
    session.add(search)
    session.flush()
    search_id = search.id
    settings = load_settings(var_dir=tmp_path, database_url=None, redis_url=None, smtp_host=None,
                             secret_key="test-secret-of-32-characters-256", quiet_hours_start=0,
                             quiet_hours_end=0, digest_delay_s=0)

    # The seeker deletes the search after the batch's check of it (recommend._live) ...
    delete_saved_search(session, seeker_id=seeker.id, condition_id=search_id, now=NOW)
    # ... and before the batch writes the search's hits, as it then does.
    hits = digest.SavedSearchHits(condition_id=np.array([search_id]), job_offer_id=np.array([7]),
                                  seeker_id=np.array([seeker.id]))
    digest.queue_saved_search_mails(session, settings, hits, {seeker.id: seeker.email}, now=NOW)
    session.flush()

    erase_seeker(session, seeker_id=seeker.id)
    session.flush()

    left = session.execute(select(SavedSearchHit.seeker_id).where(SavedSearchHit.seeker_id == seeker.id)).all()
    assert left == []

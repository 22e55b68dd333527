"""Erasure (退会, retention): nothing that names the seeker is left behind."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import numpy as np
import pytest
from sqlalchemy import select, text
from sqlmodel import Session

from tests.postgres_faults import waiting_on_a_lock
from tests.services.builders import make_seeker
from worker.config import load_settings
from worker.domain.models import Condition, ConditionKind, MailStatus, OutboxMail, SavedSearchHit
from worker.pipeline import digest
from worker.pipeline.recommend import saved_search_audience
from worker.services.conditions import delete_saved_search
from worker.services.erasure import erase_seeker

NOW = datetime(2025, 6, 10, 1, 0, tzinfo=UTC)  # 10:00 JST


@pytest.mark.parametrize("engine", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
@pytest.mark.parametrize("gone", ["search deleted", "seeker erased"])
def test_a_search_deleted_or_erased_while_a_batch_writes_its_hits_leaves_no_hit_behind(engine, gone, tmp_path):
    """A matching batch checks a saved search, then writes its hits; the seeker deletes the search
    (or is erased) in between. The delete waits for the batch and takes its hits along."""
    with Session(engine, expire_on_commit=False) as setup:
        seeker = make_seeker(setup, saved_search_mails=True)
        search = Condition(seeker_id=seeker.id, kind=ConditionKind.SAVED.value, notify=True, prefecture_codes=["13"])
        setup.add(search)
        setup.commit()
    settings = load_settings(var_dir=tmp_path, database_url=None, redis_url=None, smtp_host=None,
                             secret_key="test-secret-of-32-characters-256", quiet_hours_start=0,
                             quiet_hours_end=0, digest_delay_s=0)

    def seeker_side() -> None:
        with Session(engine) as session:
            if gone == "search deleted":
                delete_saved_search(session, seeker_id=seeker.id, condition_id=search.id, now=NOW)
            else:
                erase_seeker(session, seeker_id=seeker.id)
            session.commit()

    other = threading.Thread(target=seeker_side)
    with Session(engine) as batch, engine.connect() as watcher:
        audience = saved_search_audience(batch, {seeker.id}, {search.id})
        assert audience.notifying == {search.id}
        other.start()
        deadline = time.monotonic() + 10
        while other.is_alive() and not waiting_on_a_lock(watcher) and time.monotonic() < deadline:
            time.sleep(0.05)
        hits = digest.SavedSearchHits(condition_id=np.array([search.id]), job_offer_id=np.array([7]),
                                      seeker_id=np.array([seeker.id]))
        digest.queue_saved_search_mails(batch, settings, hits, audience.recipients, now=NOW)
        batch.commit()
    other.join(30)

    with Session(engine) as session:
        left = session.execute(select(SavedSearchHit.seeker_id).where(SavedSearchHit.condition_id == search.id)).all()
        waiting = session.execute(select(OutboxMail.id).where(
            OutboxMail.recipient.is_not(None), OutboxMail.status == MailStatus.PENDING.value)).all()
    assert left == []
    assert waiting == [] or gone == "search deleted"  # an erased seeker's mail from the batch is cancelled too


@pytest.mark.parametrize("engine", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
def test_two_batches_hearing_of_the_same_search_at_once_do_not_wait_for_each_other(engine):
    """The batches' hold on a search keeps deletes out, not each other (FOR KEY SHARE, not an
    update lock): shards' threads hit the same searches all day."""
    with Session(engine, expire_on_commit=False) as setup:
        seeker = make_seeker(setup, saved_search_mails=True)
        search = Condition(seeker_id=seeker.id, kind=ConditionKind.SAVED.value, notify=True, prefecture_codes=["13"])
        setup.add(search)
        setup.commit()

    with Session(engine) as first, Session(engine) as second:
        assert saved_search_audience(first, {seeker.id}, {search.id}).notifying == {search.id}
        second.execute(text("SET LOCAL lock_timeout = '2s'"))  # a wait would end in an error
        assert saved_search_audience(second, {seeker.id}, {search.id}).notifying == {search.id}

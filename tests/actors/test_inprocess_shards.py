"""Two shards of the condition index on the in-process broker, on SQLite and PostgreSQL: the
main site's hints (an offer by job number, a condition without its seeker) reach the shards
through the actors of the unsharded queue, and the work is delivered once."""

from __future__ import annotations

from sqlalchemy import func, select

from worker import announce
from worker.actors.inprocess import InProcessWorker
from worker.actors.runtime import Runtime
from worker.domain.models import OfferShardMatch
from worker.pipeline.shards import shard_of

from .conftest import add_saved_search, assert_everything_delivered_exactly_once, choose, seed
from .test_inprocess import job_numbers


def test_offers_posted_by_number_are_matched_by_both_shards_and_delivered_once(engine, embedded):
    settings = embedded.model_copy(update={"index_shards": 2})
    seed(engine, seekers=80, offers=15)
    with InProcessWorker(settings, runtime=Runtime(settings, engine=engine), threads=3) as worker:
        for number in job_numbers(engine):
            announce.job_offer_posted(number)  # the `matching` queue's actor hands it to every shard
        worker.join()
        choose(engine, settings, worker.dispatcher)
        worker.join()

    assert_everything_delivered_exactly_once(engine, settings.outbox_dir, settings=settings)
    with engine.connect() as conn:  # matched by the shards, not by a whole index in the `matching` queue
        claims = conn.execute(select(OfferShardMatch.shard, func.count()).group_by(OfferShardMatch.shard)
                              .order_by(OfferShardMatch.shard)).all()
    assert claims == [(0, 15), (1, 15)]


def test_a_condition_announced_without_its_seeker_reaches_only_its_shards_index(engine, embedded):
    settings = embedded.model_copy(update={"index_shards": 2})
    seed(engine, seekers=20, offers=0)
    runtime = Runtime(settings, engine=engine)
    caches = [runtime.cache_for(i) for i in range(2)]
    with InProcessWorker(settings, runtime=runtime, threads=1) as worker:
        for cache in caches:
            cache.refresh_s = 3600  # only the announcement can bring it in
            cache.match_many([])
        before = [len(cache) for cache in caches]
        seeker_id, condition_id = add_saved_search(engine)
        announce.condition_changed(condition_id)
        worker.join()

    owner = shard_of(seeker_id, 2)
    assert [len(cache) for cache in caches] == [n + (i == owner) for i, n in enumerate(before)]

"""The actors. Each takes ids, calls one pipeline or mail function, and is safe to run twice:
the work is keyed in the database (offers claimed pending → matched, inbox items and mails by
dedupe keys, outbox rows claimed with a lease). Retries, backoff and time limits are explicit.
"""

from __future__ import annotations

import logging

from worker import metrics
from worker.actors.registry import actor
from worker.actors.runtime import current
from worker.mail import delivery
from worker.pipeline import recommend
from worker.pipeline.shards import Shard
from worker.pipeline.sweeper import MAILS_PER_DELIVERY

log = logging.getLogger(__name__)

SECOND = 1_000
MINUTE = 60 * SECOND


@actor(queue="matching", max_retries=10, min_backoff=SECOND, max_backoff=5 * MINUTE, time_limit=15 * MINUTE)
def match_job_offers(offer_ids: list[int]) -> None:
    """Match these job offers (those still pending) into inbox items and mails. With shards of the
    condition index, hand them to every shard instead (a message sent before the shards were)."""
    runtime = current()
    if runtime.settings.index_shards > 1:
        runtime.dispatcher.match_job_offers(offer_ids)
        return
    report = recommend.match_pending_offers(runtime.engine, runtime.settings, runtime.cache, offer_ids,
                                            shortlist=runtime.shortlist, known_mails=runtime.known_mails)
    _log_matched(report)
    if report.mails_due_now:
        runtime.dispatcher.deliver_due_mail()


@actor(queue="matching", max_retries=10, min_backoff=SECOND, max_backoff=5 * MINUTE, time_limit=15 * MINUTE,
       sharded=True)
def match_shard_offers(offer_ids: list[int], shard: int) -> None:
    """One shard's part of matching these offers: its candidates and its claim (declared per shard
    as ``match_shard_offers_I`` on queue ``matching-I``)."""
    runtime = current()
    report = recommend.match_pending_offers(runtime.engine, runtime.settings, runtime.cache_for(shard), offer_ids,
                                            shard=Shard(shard, runtime.settings.index_shards),
                                            shortlist=runtime.shortlist, known_mails=runtime.known_mails)
    _log_matched(report)
    if report.mails_due_now:
        runtime.dispatcher.deliver_due_mail()


def _log_matched(report: recommend.RecommendReport) -> None:
    # The benchmarks read this line (``worker.bench.harness.MATCHED``).
    log.info("matched %d offers: %d candidates stored for %d seekers, %d left out by the day's shortlist, "
             "%d saved-search mails queued", report.offers, report.candidates, len(report.seekers), report.left_out,
             report.saved_search_mails)


@actor(queue="matching", max_retries=10, min_backoff=SECOND, max_backoff=5 * MINUTE, time_limit=15 * MINUTE)
def job_offer_posted(job_number: str) -> None:
    """The main site posted an offer (a hint by job number)."""
    offer_ids = recommend.offer_ids_for(current().engine, [job_number])
    if offer_ids:
        match_job_offers(offer_ids)
    else:
        log.warning("job offer %s is not in the database (yet); the sweeper will find it", job_number)


@actor(queue="matching", max_retries=5, min_backoff=SECOND, max_backoff=MINUTE, time_limit=MINUTE)
def condition_changed(condition_id: int, seeker_id: int | None = None) -> None:
    """The main site changed a condition: apply it to this process's index now (the other
    processes see it at their next refresh). With shards, pass it on to its shard."""
    runtime = current()
    if runtime.settings.index_shards > 1:
        runtime.dispatcher.send("condition_changed", condition_id, seeker_id)
        return
    if runtime.cache.built:
        runtime.cache.apply_condition(condition_id)


@actor(queue="matching", max_retries=5, min_backoff=SECOND, max_backoff=MINUTE, time_limit=MINUTE, sharded=True)
def shard_condition_changed(condition_id: int, shard: int) -> None:
    """``condition_changed`` for one shard's index (a condition of another shard is dropped)."""
    cache = current().cache_for(shard)
    if cache.built:
        cache.apply_condition(condition_id)


@actor(queue="mail", max_retries=10, min_backoff=5 * SECOND, max_backoff=10 * MINUTE, time_limit=20 * MINUTE)
def deliver_due_mail() -> None:
    """Send one batch of due mails over one connection; ask for another round while batches come back full."""
    runtime = current()
    report = delivery.deliver_due(runtime.engine, runtime.settings, limit=MAILS_PER_DELIVERY)
    counts = {outcome: n for outcome, n in report.as_dict().items() if n and outcome != "connections"}
    for outcome, n in counts.items():
        metrics.count("mails", n, outcome=outcome)
    # A full batch suggests more are due; a batch the server deferred does not (no busy loop).
    if sum(n for outcome, n in counts.items() if outcome != "deferred") >= MAILS_PER_DELIVERY:
        runtime.dispatcher.deliver_due_mail()


@actor(queue="mail", max_retries=10, min_backoff=5 * SECOND, max_backoff=10 * MINUTE, time_limit=5 * MINUTE)
def deliver_mail(outbox_id: int) -> None:
    """Send one mail now (e.g. the 認証キー mail the main site just queued)."""
    runtime = current()
    status = delivery.deliver_mail(runtime.engine, runtime.settings, outbox_id)
    metrics.count("mails", 1, outcome=str(status))

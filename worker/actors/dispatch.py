"""Sending hints: the dramatiq side of ``worker.pipeline.hints.Hints`` and ``worker.announce``.

With several shards of the condition index (``MYPAGE_INDEX_SHARDS``) an offer hint goes to every
shard's queue (or to the shards named, for the sweeper) and a condition change to the shard of
its seeker — to every shard when the announcement did not name the seeker: each shard reads the
row and keeps it only if it is its own."""

from __future__ import annotations

from collections.abc import Sequence

import dramatiq

from worker.actors.registry import sharded_name
from worker.pipeline.recommend import OFFERS_PER_MESSAGE
from worker.pipeline.shards import shard_of


class Dispatcher:
    def __init__(self, broker: dramatiq.Broker, actors: dict[str, dramatiq.Actor], *,
                 offers_per_message: int = OFFERS_PER_MESSAGE, shards: int = 1):
        self.broker = broker
        self.actors = actors
        self.offers_per_message = offers_per_message
        self.shards = shards

    def send(self, actor_name: str, *args) -> None:
        if actor_name == "condition_changed" and self.shards > 1:
            condition_id, seeker_id = (*args, None)[:2]
            owners = range(self.shards) if seeker_id is None else [shard_of(seeker_id, self.shards)]
            for shard in owners:
                self.actors[sharded_name("shard_condition_changed", shard)].send(condition_id, shard)
            return
        self.actors[actor_name].send(*args)

    def match_job_offers(self, offer_ids: Sequence[int], *, shards: Sequence[int] | None = None) -> None:
        ids = list(offer_ids)
        if self.shards == 1:
            for start in range(0, len(ids), self.offers_per_message):
                self.send("match_job_offers", ids[start:start + self.offers_per_message])
            return
        for shard in (range(self.shards) if shards is None else shards):
            actor = self.actors[sharded_name("match_shard_offers", shard)]
            for start in range(0, len(ids), self.offers_per_message):
                actor.send(ids[start:start + self.offers_per_message], shard)

    def deliver_due_mail(self, batches: int = 1) -> None:
        for _ in range(batches):
            self.send("deliver_due_mail")

    def queue_depths(self) -> dict[str, int] | None:
        """Messages waiting per queue (Redis only; None for the in-process broker)."""
        if not hasattr(self.broker, "do_qsize"):
            return None
        queues = sorted(set(self.broker.get_declared_queues()) - set(self.broker.delay_queues))
        return {queue: int(self.broker.do_qsize(queue)) for queue in queues}

"""Sending hints: the dramatiq side of ``worker.pipeline.hints.Hints`` and ``worker.announce``."""

from __future__ import annotations

from collections.abc import Sequence

import dramatiq

from worker.pipeline.recommend import OFFERS_PER_MESSAGE


class Dispatcher:
    def __init__(self, broker: dramatiq.Broker, actors: dict[str, dramatiq.Actor], *,
                 offers_per_message: int = OFFERS_PER_MESSAGE):
        self.broker = broker
        self.actors = actors
        self.offers_per_message = offers_per_message

    def send(self, actor_name: str, *args) -> None:
        self.actors[actor_name].send(*args)

    def match_job_offers(self, offer_ids: Sequence[int]) -> None:
        ids = list(offer_ids)
        for start in range(0, len(ids), self.offers_per_message):
            self.send("match_job_offers", ids[start:start + self.offers_per_message])

    def deliver_due_mail(self, batches: int = 1) -> None:
        for _ in range(batches):
            self.send("deliver_due_mail")

    def queue_depths(self) -> dict[str, int] | None:
        """Messages waiting per queue (Redis only; None for the in-process broker)."""
        if not hasattr(self.broker, "do_qsize"):
            return None
        queues = sorted(set(self.broker.get_declared_queues()) - set(self.broker.delay_queues))
        return {queue: int(self.broker.do_qsize(queue)) for queue in queues}

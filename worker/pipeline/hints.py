"""Hints: "there is work in the database, go and do it". The actors package provides the
implementation (dramatiq messages); the pipeline only knows this interface, so it never imports
dramatiq. A hint that gets lost costs a delay, never the work: the sweeper sends it again."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class Hints(Protocol):
    def match_job_offers(self, offer_ids: Sequence[int], *, shards: Sequence[int] | None = None) -> None:
        """Ask for these job offers (ids) to be matched; the sender splits them into messages.
        With shards of the condition index: by every shard, or only by ``shards``."""

    def deliver_due_mail(self, batches: int = 1) -> None:
        """Ask for ``batches`` rounds of outbox delivery."""


class NoHints:
    """For processes without a broker (e.g. embedded mode outside ``mypage-worker run``): the
    rows stay pending and the sweeper of the running worker picks them up."""

    def match_job_offers(self, offer_ids: Sequence[int], *, shards: Sequence[int] | None = None) -> None:
        return None

    def deliver_due_mail(self, batches: int = 1) -> None:
        return None

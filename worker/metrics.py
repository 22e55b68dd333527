"""Prometheus counters of the pipeline: offers matched, inbox items, mails queued and their outcomes.

The counters are created on first use, not at import: dramatiq's Prometheus middleware switches
prometheus_client to multi-process mode when a worker process boots, and counters made before
that would not reach the shared exposition. Labels carry kinds and outcomes, never ids.
"""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.Lock()
_counters: dict[str, Any] = {}

_DECLARED = {
    "offers_matched": ("mypage_offers_matched_total", "Job offers matched against the conditions", ()),
    "inbox_items": ("mypage_inbox_items_total", "Inbox items created", ("kind",)),
    "mails_queued": ("mypage_mails_queued_total", "Outbox mails queued or extended", ("kind",)),
    "mails": ("mypage_mails_total", "Outbox mails by delivery outcome (sent, failed, suppressed, ...)", ("outcome",)),
}


def _counter(name: str):
    with _lock:
        counter = _counters.get(name)
        if counter is None:
            from prometheus_client import Counter

            metric, doc, labels = _DECLARED[name]
            counter = _counters[name] = Counter(metric, doc, labels)
        return counter


def count(name: str, amount: int = 1, **labels: str) -> None:
    """Add ``amount`` to the counter ``name`` (one of offers_matched, inbox_items, mails_queued, mails)."""
    if amount <= 0:
        return
    counter = _counter(name)
    (counter.labels(**labels) if labels else counter).inc(amount)


def serve(port: int) -> None:
    """Expose this process's metrics over HTTP (single-process mode: ``mypage-worker run``)."""
    from prometheus_client import start_http_server

    start_http_server(port)

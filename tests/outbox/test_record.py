"""Recording outcomes: only the worker that still holds the row can."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from worker.outbox.claim import claim_mail
from worker.outbox.record import mark_sent
from worker.outbox.sweep import requeue_expired_leases

from .conftest import enqueue, outbox_row

T0 = datetime(2025, 11, 5, 1, 0, tzinfo=UTC)
LEASE_S = 600


def test_a_worker_whose_lease_passed_to_another_cannot_record_over_it(sample_world):
    outbox_id = enqueue(sample_world, "restricted", not_before=T0)
    slow = claim_mail(sample_world, outbox_id, lease_s=LEASE_S, now=T0)
    later = T0 + timedelta(seconds=LEASE_S + 1)
    requeue_expired_leases(sample_world, now=later, max_attempts=8)
    fresh = claim_mail(sample_world, outbox_id, lease_s=LEASE_S, now=later)

    assert not mark_sent(sample_world, slow, message_id="<slow@x>", now=later)
    assert mark_sent(sample_world, fresh, message_id="<fresh@x>", now=later)
    assert outbox_row(sample_world, outbox_id).message_id == "<fresh@x>"

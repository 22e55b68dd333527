"""Claims on SQLite and PostgreSQL: one winner per mail, nothing claimed that is not due or has expired."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from worker.domain.models import MailStatus
from worker.outbox.claim import claim_mail, due_mail_ids

from .conftest import enqueue, outbox_row, outbox_rows

T0 = datetime(2025, 11, 5, 1, 0, tzinfo=UTC)
LEASE_S = 600


def test_of_two_workers_claiming_the_same_mails_each_mail_goes_to_exactly_one(sample_world):
    ids = [enqueue(sample_world, "restricted", key=f"restricted:{n}", not_before=T0) for n in range(20)]
    start = threading.Barrier(2)
    won: dict[str, list[int]] = {"a": [], "b": []}

    def worker(name):
        start.wait()
        for outbox_id in ids:
            if claim_mail(sample_world, outbox_id, lease_s=LEASE_S, now=T0) is not None:
                won[name].append(outbox_id)

    threads = [threading.Thread(target=worker, args=(name,)) for name in won]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(won["a"] + won["b"]) == ids
    rows = outbox_rows(sample_world)
    assert {row.status for row in rows} == {MailStatus.SENDING} and {row.attempts for row in rows} == {1}


def test_a_claimed_mail_is_no_longer_due_and_a_second_claim_loses(sample_world):
    outbox_id = enqueue(sample_world, "restricted", not_before=T0)
    assert due_mail_ids(sample_world, now=T0) == [outbox_id]
    assert due_mail_ids(sample_world, now=T0 - timedelta(seconds=1)) == []

    assert claim_mail(sample_world, outbox_id, lease_s=LEASE_S, now=T0) is not None
    assert claim_mail(sample_world, outbox_id, lease_s=LEASE_S, now=T0) is None
    assert due_mail_ids(sample_world, now=T0) == []


def test_a_key_mail_past_its_expiry_at_claim_time_cannot_be_claimed(sample_world):
    expires = T0 + timedelta(minutes=50)
    outbox_id = enqueue(sample_world, "password-registration", key="password-registration:1",
                        expires_at=expires, not_before=T0)

    assert claim_mail(sample_world, outbox_id, lease_s=LEASE_S, now=expires) is None
    assert claim_mail(sample_world, outbox_id, lease_s=LEASE_S, now=expires + timedelta(seconds=1)) is None
    row = outbox_row(sample_world, outbox_id)
    assert (row.status, row.attempts) == (MailStatus.PENDING, 0)
    assert claim_mail(sample_world, outbox_id, lease_s=LEASE_S, now=expires - timedelta(seconds=1)) is not None

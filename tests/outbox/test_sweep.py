"""The sweeper's side: leases of workers that stopped come back, as pending or (after a started
send) uncertain; mails that keep killing their worker fail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from worker.domain.models import MailStatus
from worker.mail.delivery import deliver_due
from worker.outbox.claim import claim_mail
from worker.outbox.record import record, started
from worker.outbox.sweep import requeue_expired_leases

from .conftest import eml_files, enqueue, outbox_row

T0 = datetime(2025, 11, 5, 1, 0, tzinfo=UTC)
LEASE_S = 600


def test_a_mail_whose_worker_died_is_requeued_when_its_lease_expires_and_then_sent_once(sample_world, settings):
    outbox_id = enqueue(sample_world, "restricted", not_before=T0)
    claim_mail(sample_world, outbox_id, lease_s=LEASE_S, now=T0)  # …and the worker is killed

    assert requeue_expired_leases(sample_world, now=T0 + timedelta(seconds=LEASE_S - 1), max_attempts=8) == 0
    assert requeue_expired_leases(sample_world, now=T0 + timedelta(seconds=LEASE_S + 1), max_attempts=8) == 1
    assert outbox_row(sample_world, outbox_id).status == MailStatus.PENDING

    report = deliver_due(sample_world, settings, now=T0 + timedelta(seconds=LEASE_S + 2))
    assert report.sent == 1
    row = outbox_row(sample_world, outbox_id)
    assert (row.status, row.attempts, row.recipient) == (MailStatus.SENT, 2, None)
    assert len(eml_files(settings)) == 1


def test_a_mail_that_used_up_its_attempts_in_dying_workers_fails_instead_of_looping(sample_world):
    outbox_id = enqueue(sample_world, "restricted", not_before=T0)
    now = T0
    for _ in range(3):
        claim_mail(sample_world, outbox_id, lease_s=LEASE_S, now=now)
        now += timedelta(seconds=LEASE_S + 1)
        requeue_expired_leases(sample_world, now=now, max_attempts=3)
    row = outbox_row(sample_world, outbox_id)
    assert (row.status, row.attempts, row.recipient) == (MailStatus.FAILED, 3, None)


def test_a_withdrawal_mail_that_used_up_its_attempts_in_dying_workers_forgets_the_name_too(sample_world):
    withdrawal = enqueue(sample_world, "withdrawn", not_before=T0)
    other = enqueue(sample_world, "restricted", not_before=T0)
    now = T0
    for _ in range(3):
        for outbox_id in (withdrawal, other):
            claim_mail(sample_world, outbox_id, lease_s=LEASE_S, now=now)
        now += timedelta(seconds=LEASE_S + 1)
        requeue_expired_leases(sample_world, now=now, max_attempts=3)
    withdrawal, other = outbox_row(sample_world, withdrawal), outbox_row(sample_world, other)
    assert (withdrawal.status, withdrawal.recipient, withdrawal.context) == (MailStatus.FAILED, None, {})
    assert (other.status, other.recipient, other.context) == (MailStatus.FAILED, None, {"seeker_id": 2})


def test_a_lease_that_ran_out_after_the_send_had_started_makes_the_mail_uncertain_not_pending(sample_world):
    outbox_id = enqueue(sample_world, "restricted", not_before=T0)
    mail = claim_mail(sample_world, outbox_id, lease_s=LEASE_S, now=T0)
    assert record(sample_world, [started(mail, now=T0)]) == [True]  # …then no outcome is ever recorded

    assert requeue_expired_leases(sample_world, now=T0 + timedelta(seconds=LEASE_S + 1), max_attempts=8) == 1
    row = outbox_row(sample_world, outbox_id)
    assert (row.status, row.uncertain_at) == (MailStatus.UNCERTAIN, T0 + timedelta(seconds=LEASE_S + 1))
    # Uncertain a second time is one copy too many to risk: failed, and the address dropped.
    again = claim_mail(sample_world, outbox_id, lease_s=LEASE_S, now=T0 + timedelta(seconds=LEASE_S + 2))
    record(sample_world, [started(again)])
    requeue_expired_leases(sample_world, now=T0 + timedelta(seconds=2 * LEASE_S + 3), max_attempts=8)
    row = outbox_row(sample_world, outbox_id)
    assert (row.status, row.recipient) == (MailStatus.FAILED, None)
    assert row.last_error.startswith("uncertain twice")

"""Outbox semantics on SQLite and PostgreSQL: one row per cause, one winner per claim, leases
that come back when a worker dies, and key mails that expire instead of going out late."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from worker.domain.models import AccountState, MailStatus, Seeker, SuppressedAddress
from worker.mail.delivery import deliver_due
from worker.mail.outbox import claim_mail, due_mail_ids, mark_sent, record, requeue_expired_leases, started
from worker.mail.suppression import address_hash, suppress
from worker.services.outbox import enqueue_mail

from .conftest import enqueue, outbox_row, outbox_rows

T0 = datetime(2025, 11, 5, 1, 0, tzinfo=UTC)
LEASE_S = 600


def eml_files(settings):
    return sorted(settings.outbox_dir.glob("*.eml")) if settings.outbox_dir.exists() else []


def test_causing_a_mail_twice_queues_it_once(engine):
    with Session(engine) as session:
        first = enqueue_mail(session, kind="withdrawn", dedupe_key="withdrawn:1", recipient="a@example.jp",
                             context={"name": "小林 太郎"})
        second = enqueue_mail(session, kind="withdrawn", dedupe_key="withdrawn:1", recipient="a@example.jp",
                              context={"name": "小林 太郎"})
        session.commit()
    assert (first, second) == (True, False)
    assert len(outbox_rows(engine)) == 1


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


def test_a_worker_whose_lease_passed_to_another_cannot_record_over_it(sample_world):
    outbox_id = enqueue(sample_world, "restricted", not_before=T0)
    slow = claim_mail(sample_world, outbox_id, lease_s=LEASE_S, now=T0)
    later = T0 + timedelta(seconds=LEASE_S + 1)
    requeue_expired_leases(sample_world, now=later, max_attempts=8)
    fresh = claim_mail(sample_world, outbox_id, lease_s=LEASE_S, now=later)

    assert not mark_sent(sample_world, slow, message_id="<slow@x>", now=later)
    assert mark_sent(sample_world, fresh, message_id="<fresh@x>", now=later)
    assert outbox_row(sample_world, outbox_id).message_id == "<fresh@x>"


def test_a_mail_that_used_up_its_attempts_in_dying_workers_fails_instead_of_looping(sample_world):
    outbox_id = enqueue(sample_world, "restricted", not_before=T0)
    now = T0
    for _ in range(3):
        claim_mail(sample_world, outbox_id, lease_s=LEASE_S, now=now)
        now += timedelta(seconds=LEASE_S + 1)
        requeue_expired_leases(sample_world, now=now, max_attempts=3)
    row = outbox_row(sample_world, outbox_id)
    assert (row.status, row.attempts, row.recipient) == (MailStatus.FAILED, 3, None)


def test_a_key_mail_past_its_expiry_is_marked_expired_and_never_sent(sample_world, settings):
    expires = T0 + timedelta(minutes=50)
    late = enqueue(sample_world, "password-registration", key="password-registration:1",
                   expires_at=expires, not_before=T0)

    report = deliver_due(sample_world, settings, now=expires + timedelta(seconds=1))

    assert report.expired == 1 and report.sent == 0
    row = outbox_row(sample_world, late)
    assert (row.status, row.recipient, row.attempts) == (MailStatus.EXPIRED, None, 0)
    assert eml_files(settings) == []


def test_a_key_mail_within_its_fifty_minutes_is_sent(sample_world, settings):
    expires = T0 + timedelta(minutes=50)
    outbox_id = enqueue(sample_world, "password-registration", key="password-registration:1",
                        expires_at=expires, not_before=T0)
    report = deliver_due(sample_world, settings, now=expires - timedelta(seconds=1))
    assert report.sent == 1 and outbox_row(sample_world, outbox_id).status == MailStatus.SENT
    assert len(eml_files(settings)) == 1


def test_a_mail_to_a_suppressed_address_is_marked_suppressed_without_being_attempted(sample_world, settings):
    with Session(sample_world) as session:
        suppress(session, " Kenichi.Sato@Example.jp ", reason="550 on outbox 1")
        session.commit()
    outbox_id = enqueue(sample_world, "restricted", not_before=T0)

    report = deliver_due(sample_world, settings, now=T0)

    assert report.suppressed == 1 and report.sent == 0
    row = outbox_row(sample_world, outbox_id)
    assert (row.status, row.recipient) == (MailStatus.SUPPRESSED, None)
    assert eml_files(settings) == []
    with Session(sample_world) as session:
        hashes = session.exec(select(SuppressedAddress.address_hash)).all()
    assert hashes == [address_hash("kenichi.sato@example.jp")]  # a hash, not the address


def test_a_mail_whose_reason_went_away_before_sending_is_cancelled(sample_world, settings):
    outbox_id = enqueue(sample_world, "restricted", not_before=T0)
    with Session(sample_world) as session:
        session.get(Seeker, 2).account_state = AccountState.OPEN  # staff lifted the restriction
        session.commit()

    report = deliver_due(sample_world, settings, now=T0)

    assert report.cancelled == 1
    row = outbox_row(sample_world, outbox_id)
    assert (row.status, row.recipient) == (MailStatus.CANCELLED, None)
    assert eml_files(settings) == []


def test_a_mail_of_an_undeclared_kind_fails_and_keeps_no_address(sample_world, settings):
    with Session(sample_world) as session:
        enqueue_mail(session, kind="newsletter", dedupe_key="newsletter:1", recipient="a@example.jp",
                     context={}, not_before=T0)
        session.commit()
    assert deliver_due(sample_world, settings, now=T0).failed == 1
    (row,) = outbox_rows(sample_world)
    assert (row.status, row.recipient) == (MailStatus.FAILED, None)
    assert "newsletter" in row.last_error


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


def test_offers_mails_due_before_the_quiet_hours_wait_for_the_morning_while_a_key_mail_goes_at_once(sample_world, settings):
    # Due at 20:59 JST but reached only at 22:00 JST (a backlog, a restart): held, not sent.
    due = datetime(2025, 11, 5, 11, 59, tzinfo=UTC)  # 20:59 JST
    night = datetime(2025, 11, 5, 13, 0, tzinfo=UTC)  # 22:00 JST
    morning = datetime(2025, 11, 5, 23, 0, tzinfo=UTC)  # 08:00 JST the next day
    digest = enqueue(sample_world, "recommendations", key="recommend-digest:1:2025-11-05", not_before=due)
    saved = enqueue(sample_world, "saved-search-new-jobs", key="saved-search:1:2025-11-05", not_before=due)
    key_mail = enqueue(sample_world, "password-registration", key="password-registration:1",
                       not_before=night, expires_at=night + timedelta(minutes=50))

    report = deliver_due(sample_world, settings, now=night)

    assert report.sent == 1 and outbox_row(sample_world, key_mail).status == MailStatus.SENT
    for held in (digest, saved):
        row = outbox_row(sample_world, held)
        assert (row.status, row.attempts) == (MailStatus.PENDING, 0)
    assert claim_mail(sample_world, digest, lease_s=60, now=night, quiet=True) is None

    report = deliver_due(sample_world, settings, now=morning)
    assert report.sent == 2
    assert {outbox_row(sample_world, i).status for i in (digest, saved)} == {MailStatus.SENT}


def test_a_key_mail_past_its_expiry_at_claim_time_cannot_be_claimed(sample_world):
    expires = T0 + timedelta(minutes=50)
    outbox_id = enqueue(sample_world, "password-registration", key="password-registration:1",
                        expires_at=expires, not_before=T0)

    assert claim_mail(sample_world, outbox_id, lease_s=LEASE_S, now=expires) is None
    assert claim_mail(sample_world, outbox_id, lease_s=LEASE_S, now=expires + timedelta(seconds=1)) is None
    row = outbox_row(sample_world, outbox_id)
    assert (row.status, row.attempts) == (MailStatus.PENDING, 0)
    assert claim_mail(sample_world, outbox_id, lease_s=LEASE_S, now=expires - timedelta(seconds=1)) is not None


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

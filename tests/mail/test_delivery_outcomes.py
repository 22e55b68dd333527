"""Delivery's outcomes through the file transport on SQLite and PostgreSQL: key mails that expire
instead of going out late, suppressed addresses, mails whose reason went away, the quiet hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from worker.domain.models import AccountState, MailStatus, Seeker, SuppressedAddress
from worker.mail.delivery import deliver_due
from worker.outbox.claim import claim_mail
from worker.outbox.enqueue import enqueue_mail
from worker.outbox.suppression import address_hash, suppress

from .conftest import enqueue, outbox_row, outbox_rows

T0 = datetime(2025, 11, 5, 1, 0, tzinfo=UTC)
LEASE_S = 600


def eml_files(settings):
    return sorted(settings.outbox_dir.glob("*.eml")) if settings.outbox_dir.exists() else []


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

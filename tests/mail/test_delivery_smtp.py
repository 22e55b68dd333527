"""Delivery to a real SMTP server (aiosmtpd on 127.0.0.1, in this process) that answers as a
test scripts it. Every test ends by counting what the server received and what the outbox
says: every mail exactly once, except the documented uncertain case (dropped after DATA)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from worker.domain.models import MailStatus, SuppressedAddress
from worker.mail.delivery import deliver_due, deliver_mail
from worker.mail.message import message_id_for
from worker.mail.suppression import address_hash

from .conftest import enqueue, outbox_row, outbox_rows

T0 = datetime(2025, 11, 5, 1, 0, tzinfo=UTC)
BASE = timedelta(seconds=60)  # smtp_settings' first retry delay
KINDS = ["recommendations", "notice", "referral-issued", "message-received", "restricted"]


def statuses(engine) -> Counter:
    return Counter(row.status for row in outbox_rows(engine))


def assert_each_sent_mail_arrived_exactly_once(engine, handler):
    sent = {row.message_id for row in outbox_rows(engine) if row.status == MailStatus.SENT}
    assert Counter(handler.message_ids()) == Counter({message_id: 1 for message_id in sent})


def test_a_batch_goes_out_over_one_connection_each_mail_once_to_its_own_recipient(sample_world, smtp_settings,
                                                                                   smtp_server):
    handler, _ = smtp_server
    ids = [enqueue(sample_world, name, not_before=T0) for name in KINDS]

    report = deliver_due(sample_world, smtp_settings, now=T0)

    assert report.sent == len(KINDS) and report.connections == 1
    assert handler.connections == 1
    assert all(len(recipients) == 1 for _, recipients in handler.envelopes)
    assert {sender for sender, _ in handler.envelopes} == {"system@mail.hellowork.mhlw.go.jp"}
    subjects = [message["Subject"] for message in handler.received]  # decoded by the parser
    assert all(subject.startswith("【ハローワークインターネットサービス】") for subject in subjects)
    assert "【ハローワークインターネットサービス】おすすめ求人のお知らせ（2件）" in subjects
    for outbox_id, name in zip(ids, KINDS):
        row = outbox_row(sample_world, outbox_id)
        assert (row.status, row.recipient, row.attempts) == (MailStatus.SENT, None, 1)
        assert row.message_id == message_id_for(f"test:{name}", smtp_settings.mail_from)
    assert_each_sent_mail_arrived_exactly_once(sample_world, handler)
    assert deliver_due(sample_world, smtp_settings, now=T0 + BASE * 10).sent == 0  # nothing twice


def test_450_and_451_are_retried_with_growing_delays_until_the_mail_is_accepted(sample_world, smtp_settings,
                                                                                smtp_server):
    handler, _ = smtp_server
    handler.rcpt_script.extend(["450 4.2.1 Mailbox busy", "451 4.3.0 Local error in processing"])
    outbox_id = enqueue(sample_world, "restricted", not_before=T0)

    assert deliver_due(sample_world, smtp_settings, now=T0).retrying == 1
    row = outbox_row(sample_world, outbox_id)
    assert (row.status, row.next_attempt_at, row.last_error) == (MailStatus.PENDING, T0 + BASE,
                                                                "RCPT: 450 4.2.1 Mailbox busy")
    too_early = deliver_due(sample_world, smtp_settings, now=T0 + BASE - timedelta(seconds=1))
    assert (too_early.sent, too_early.retrying, handler.rcpt_commands) == (0, 0, 1)
    assert deliver_due(sample_world, smtp_settings, now=T0 + BASE).retrying == 1
    assert outbox_row(sample_world, outbox_id).next_attempt_at == T0 + BASE + 2 * BASE
    assert deliver_due(sample_world, smtp_settings, now=T0 + 3 * BASE).sent == 1

    row = outbox_row(sample_world, outbox_id)
    assert (row.status, row.attempts, row.recipient) == (MailStatus.SENT, 3, None)
    assert len(handler.received) == 1 and handler.rcpt_commands == 3
    assert_each_sent_mail_arrived_exactly_once(sample_world, handler)


def test_transient_failures_stop_at_the_attempt_limit_and_the_mail_fails(sample_world, smtp_settings, smtp_server):
    handler, _ = smtp_server
    handler.rcpt_script.extend(["450 4.2.1 Mailbox busy"] * smtp_settings.mail_max_attempts)
    outbox_id = enqueue(sample_world, "restricted", not_before=T0)

    now = T0
    for _ in range(smtp_settings.mail_max_attempts):
        deliver_due(sample_world, smtp_settings, now=now)
        now += timedelta(seconds=smtp_settings.mail_retry_cap_s)

    row = outbox_row(sample_world, outbox_id)
    assert (row.status, row.attempts, row.recipient) == (MailStatus.FAILED, smtp_settings.mail_max_attempts, None)
    assert handler.received == []
    with Session(sample_world) as session:  # a busy mailbox is not a bad address
        assert session.exec(select(SuppressedAddress)).all() == []


def test_a_421_closes_the_connection_and_the_rest_of_the_batch_goes_out_on_a_new_one(sample_world, smtp_settings,
                                                                                     smtp_server):
    handler, _ = smtp_server
    handler.rcpt_script.append("421 4.7.0 Too many connections, closing")
    first, *others = [enqueue(sample_world, name, not_before=T0) for name in KINDS[:3]]

    report = deliver_due(sample_world, smtp_settings, now=T0)

    assert (report.retrying, report.sent, report.connections) == (1, 2, 2)
    assert outbox_row(sample_world, first).status == MailStatus.PENDING
    assert deliver_due(sample_world, smtp_settings, now=T0 + BASE).sent == 1
    assert statuses(sample_world) == Counter({MailStatus.SENT: 3})
    assert handler.connections == 3 and len(handler.received) == 3
    assert_each_sent_mail_arrived_exactly_once(sample_world, handler)


def test_550_and_552_fail_for_good_suppress_the_address_and_later_mails_to_it_are_not_attempted(
        sample_world, smtp_settings, smtp_server):
    handler, _ = smtp_server
    handler.rcpt_script.append("550 5.1.1 <kenichi.sato@example.jp>: Recipient address rejected")
    handler.data_script.append("552 5.2.2 Mailbox full")
    unknown_user = enqueue(sample_world, "restricted", not_before=T0)  # to kenichi.sato@
    full_mailbox = enqueue(sample_world, "registration-invalid", not_before=T0)  # to misaki.suzuki@

    report = deliver_due(sample_world, smtp_settings, now=T0)

    assert report.failed == 2
    for outbox_id, error in ((unknown_user, "RCPT: 550 5.1.1 <[address]>: Recipient address rejected"),
                             (full_mailbox, "DATA: 552 5.2.2 Mailbox full")):
        row = outbox_row(sample_world, outbox_id)
        assert (row.status, row.recipient, row.last_error) == (MailStatus.FAILED, None, error)
    with Session(sample_world) as session:
        suppressed = set(session.exec(select(SuppressedAddress.address_hash)).all())
    assert suppressed == {address_hash("kenichi.sato@example.jp"), address_hash("misaki.suzuki@example.jp")}

    rcpts_before = handler.rcpt_commands
    later = enqueue(sample_world, "restricted", key="restricted:again", not_before=T0)
    report = deliver_due(sample_world, smtp_settings, now=T0 + BASE)

    assert report.suppressed == 1 and handler.rcpt_commands == rcpts_before
    assert outbox_row(sample_world, later).status == MailStatus.SUPPRESSED
    assert handler.received == []  # the 552 mail was refused, nothing stored
    assert statuses(sample_world) == Counter({MailStatus.FAILED: 2, MailStatus.SUPPRESSED: 1})


def test_a_server_that_stores_the_mail_then_drops_before_replying_leaves_it_uncertain_and_it_is_retried_once(
        sample_world, smtp_settings, smtp_server):
    handler, _ = smtp_server
    handler.data_script.append("drop")
    outbox_id = enqueue(sample_world, "restricted", not_before=T0)

    assert deliver_due(sample_world, smtp_settings, now=T0).uncertain == 1
    row = outbox_row(sample_world, outbox_id)
    assert (row.status, row.uncertain_at) == (MailStatus.UNCERTAIN, T0)
    assert row.recipient is not None  # still needed for the one retry

    assert deliver_due(sample_world, smtp_settings, now=T0 + BASE).sent == 1
    row = outbox_row(sample_world, outbox_id)
    assert (row.status, row.uncertain_at, row.recipient) == (MailStatus.SENT, T0, None)
    # The documented case: the server got it twice, and both copies carry the same Message-ID.
    assert handler.message_ids() == [row.message_id, row.message_id]


def test_a_second_drop_after_data_fails_the_mail_instead_of_risking_more_copies(sample_world, smtp_settings,
                                                                                smtp_server):
    handler, _ = smtp_server
    handler.data_script.extend(["drop", "drop"])
    outbox_id = enqueue(sample_world, "restricted", not_before=T0)

    deliver_due(sample_world, smtp_settings, now=T0)
    deliver_due(sample_world, smtp_settings, now=T0 + BASE)
    assert deliver_due(sample_world, smtp_settings, now=T0 + 100 * BASE).sent == 0

    row = outbox_row(sample_world, outbox_id)
    assert (row.status, row.attempts, row.recipient) == (MailStatus.FAILED, 2, None)
    assert row.last_error.startswith("uncertain twice")
    assert handler.message_ids() == [row.message_id, row.message_id]  # at most the documented two copies


def test_a_server_slower_than_the_timeout_before_data_gets_the_mail_again_later_exactly_once(
        sample_world, smtp_settings, smtp_server):
    handler, _ = smtp_server
    handler.rcpt_script.append("stall")
    outbox_id = enqueue(sample_world, "restricted", not_before=T0)

    assert deliver_due(sample_world, smtp_settings, now=T0).retrying == 1
    assert "Timeout" in outbox_row(sample_world, outbox_id).last_error
    assert deliver_due(sample_world, smtp_settings, now=T0 + BASE).sent == 1

    assert outbox_row(sample_world, outbox_id).status == MailStatus.SENT
    assert len(handler.received) == 1
    assert_each_sent_mail_arrived_exactly_once(sample_world, handler)


def test_a_server_too_slow_to_answer_the_data_is_the_uncertain_case(sample_world, smtp_settings, smtp_server):
    handler, _ = smtp_server
    handler.data_script.append("stall")
    outbox_id = enqueue(sample_world, "restricted", not_before=T0)

    assert deliver_due(sample_world, smtp_settings, now=T0).uncertain == 1
    assert deliver_due(sample_world, smtp_settings, now=T0 + BASE).sent == 1
    row = outbox_row(sample_world, outbox_id)
    assert row.uncertain_at == T0
    assert handler.message_ids() == [row.message_id, row.message_id]


def test_a_sender_refused_stops_the_batch_and_leaves_the_rest_waiting_untouched(sample_world, smtp_settings,
                                                                                smtp_server):
    handler, _ = smtp_server
    handler.mail_script.append("553 5.7.1 Sender address rejected: not owned by user")
    ids = [enqueue(sample_world, name, not_before=T0) for name in KINDS[:3]]

    report = deliver_due(sample_world, smtp_settings, now=T0)

    assert (report.retrying, report.deferred, report.sent) == (1, 2, 0)
    assert [outbox_row(sample_world, i).attempts for i in ids] == [1, 0, 0]
    with Session(sample_world) as session:  # our sender's problem, not the seekers' addresses
        assert session.exec(select(SuppressedAddress)).all() == []
    assert deliver_due(sample_world, smtp_settings, now=T0 + BASE).sent == 3
    assert_each_sent_mail_arrived_exactly_once(sample_world, handler)


def test_no_server_listening_loses_nothing(sample_world, smtp_settings):
    unreachable = smtp_settings.model_copy(update={"smtp_port": 1})
    ids = [enqueue(sample_world, name, not_before=T0) for name in KINDS[:2]]

    report = deliver_due(sample_world, unreachable, now=T0)

    assert (report.retrying, report.deferred, report.connections) == (1, 1, 0)
    assert statuses(sample_world) == Counter({MailStatus.PENDING: 2})
    assert all(outbox_row(sample_world, i).recipient for i in ids)


def test_deliver_mail_sends_one_mail_and_reports_its_status(sample_world, smtp_settings, smtp_server):
    handler, _ = smtp_server
    outbox_id = enqueue(sample_world, "notice")

    assert deliver_mail(sample_world, smtp_settings, outbox_id) == "sent"
    assert deliver_mail(sample_world, smtp_settings, outbox_id) == "sent"  # a repeated hint does nothing
    assert len(handler.received) == 1
    assert_each_sent_mail_arrived_exactly_once(sample_world, handler)


def test_an_address_quoted_in_a_refusal_leaves_no_part_of_it_in_the_outbox_the_suppression_list_or_the_log(
        sample_world, smtp_settings, smtp_server, caplog):
    handler, _ = smtp_server
    address = "ken'ichi!sato/2=x@example.jp"  # the login form accepts these characters in the local part
    handler.rcpt_script.append(f"550 5.1.1 <{address}>: Recipient address rejected")
    outbox_id = enqueue(sample_world, "restricted", recipient=address, not_before=T0)

    with caplog.at_level("DEBUG", logger="worker"):
        report = deliver_due(sample_world, smtp_settings, now=T0)

    assert report.failed == 1
    row = outbox_row(sample_world, outbox_id)
    assert row.last_error == "RCPT: 550 5.1.1 <[address]>: Recipient address rejected"
    with Session(sample_world) as session:
        reasons = session.exec(select(SuppressedAddress.reason)).all()
    assert reasons and all("ken" not in reason and "sato" not in reason for reason in reasons)
    assert "ken" not in caplog.text and "sato" not in caplog.text
    assert handler.received == []


def test_a_refused_withdrawal_mail_keeps_neither_the_address_nor_the_withdrawn_seekers_name(
        sample_world, smtp_settings, smtp_server):
    handler, _ = smtp_server
    handler.rcpt_script.append("550 5.1.1 Recipient address rejected")
    outbox_id = enqueue(sample_world, "withdrawn", not_before=T0)

    assert deliver_due(sample_world, smtp_settings, now=T0).failed == 1

    row = outbox_row(sample_world, outbox_id)
    assert (row.status, row.recipient, row.context) == (MailStatus.FAILED, None, {})
    assert handler.received == []

"""Delivery to a real SMTP server (aiosmtpd on 127.0.0.1, in this process) that answers as a
test scripts it. Every test ends by counting what the server received and what the outbox
says: every mail exactly once, except the documented uncertain case (dropped after DATA)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from worker.domain.models import MailStatus, SuppressedAddress, utcnow
from worker.mail.delivery import deliver_due, deliver_mail
from worker.mail.message import message_id_for
from worker.outbox.suppression import address_hash

from .conftest import ScriptedHandler, enqueue, free_port, outbox_row, outbox_rows, start_server

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


def test_a_421_to_rcpt_stops_the_batch_charges_no_attempt_and_the_rest_goes_out_after_the_relays_backoff(
        sample_world, smtp_settings, smtp_server):
    handler, _ = smtp_server
    handler.rcpt_script.append("421 4.7.0 Too many connections, closing")
    ids = [enqueue(sample_world, name, not_before=T0) for name in KINDS[:3]]

    report = deliver_due(sample_world, smtp_settings, now=T0)

    assert (report.retrying, report.sent, report.deferred, report.relay_unavailable) == (0, 0, 3, 1)
    assert [outbox_row(sample_world, i).attempts for i in ids] == [0, 0, 0]
    assert outbox_row(sample_world, ids[0]).next_attempt_at == T0 + BASE  # the relay's backoff
    assert deliver_due(sample_world, smtp_settings, now=T0 + BASE - timedelta(seconds=1)).sent == 0
    assert deliver_due(sample_world, smtp_settings, now=T0 + BASE).sent == 3
    assert statuses(sample_world) == Counter({MailStatus.SENT: 3})
    assert [outbox_row(sample_world, i).attempts for i in ids] == [1, 1, 1]
    assert handler.connections == 2 and len(handler.received) == 3
    assert_each_sent_mail_arrived_exactly_once(sample_world, handler)


def test_a_relay_answering_421_to_ehlo_for_half_an_hour_fails_no_mail_and_sends_each_once_when_it_recovers(
        sample_world, smtp_settings, smtp_server):
    handler, _ = smtp_server
    handler.ehlo_reply = "421 4.3.2 Service shutting down"  # aiosmtplib reports it as MAIL: 421
    ids = [enqueue(sample_world, KINDS[n % len(KINDS)], key=f"relay-down:{n}", not_before=T0) for n in range(30)]

    now, end = T0, T0 + timedelta(hours=2)
    while now < end:  # the sweeper hints a delivery every 30 s of this (simulated) morning
        if now >= T0 + timedelta(minutes=30):
            handler.ehlo_reply = None
        deliver_due(sample_world, smtp_settings, now=now)
        now += timedelta(seconds=30)

    rows = [outbox_row(sample_world, i) for i in ids]
    assert {row.status for row in rows} == {MailStatus.SENT}
    assert {row.attempts for row in rows} == {1}  # waiting for the relay cost no attempt
    assert_each_sent_mail_arrived_exactly_once(sample_world, handler)
    # One probe per backoff (60 s, 120 s, … 1,920 s) while it was down, then one connection for all.
    assert handler.connections <= 7


def test_a_relay_refusing_connections_for_a_while_fails_no_mail_and_each_goes_out_once_when_it_is_back(
        sample_world, smtp_settings):
    port = free_port()  # nothing listens there yet: connections are refused
    settings = smtp_settings.model_copy(update={"smtp_port": port, "mail_max_attempts": 2})
    ids = [enqueue(sample_world, name, not_before=T0) for name in KINDS]

    now = T0
    for _ in range(20):  # twenty minutes down: far more tries than the mails' two attempts
        report = deliver_due(sample_world, settings, now=now)
        assert report.sent == report.failed == 0
        now += timedelta(minutes=1)
    assert [outbox_row(sample_world, i).attempts for i in ids] == [0] * len(ids)

    handler = ScriptedHandler()
    controller = start_server(handler, port=port)
    try:
        while now < T0 + timedelta(hours=2) and statuses(sample_world) != Counter({MailStatus.SENT: len(ids)}):
            deliver_due(sample_world, settings, now=now)
            now += timedelta(minutes=1)
    finally:
        controller.stop()
    assert statuses(sample_world) == Counter({MailStatus.SENT: len(ids)})
    assert handler.connections == 1
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

    assert (report.retrying, report.deferred, report.sent) == (0, 3, 0)
    assert [outbox_row(sample_world, i).attempts for i in ids] == [0, 0, 0]  # our sender's fault: uncharged
    with Session(sample_world) as session:  # our sender's problem, not the seekers' addresses
        assert session.exec(select(SuppressedAddress)).all() == []
    assert deliver_due(sample_world, smtp_settings, now=T0 + BASE).sent == 3
    assert_each_sent_mail_arrived_exactly_once(sample_world, handler)


def test_no_server_listening_loses_nothing(sample_world, smtp_settings):
    unreachable = smtp_settings.model_copy(update={"smtp_port": 1})
    ids = [enqueue(sample_world, name, not_before=T0) for name in KINDS[:2]]

    report = deliver_due(sample_world, unreachable, now=T0)

    assert (report.retrying, report.deferred, report.connections, report.relay_unavailable) == (0, 2, 0, 1)
    assert statuses(sample_world) == Counter({MailStatus.PENDING: 2})
    assert [outbox_row(sample_world, i).attempts for i in ids] == [0, 0]
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


def test_a_retry_after_a_reply_quoting_the_address_logs_no_part_of_it_at_any_level(sample_world, smtp_settings,
                                                                                   smtp_server, caplog):
    handler, _ = smtp_server
    handler.rcpt_script.append("450 4.2.1 <kenichi.sato@example.jp>: mailbox busy, try later")
    outbox_id = enqueue(sample_world, "restricted", not_before=T0)  # to kenichi.sato@example.jp

    with caplog.at_level("DEBUG"):
        assert deliver_due(sample_world, smtp_settings, now=T0).retrying == 1

    ours = [record for record in caplog.records if record.name.startswith(("worker", "aiosmtplib", "sqlalchemy"))]
    assert any("retry at" in record.getMessage() for record in ours)  # the retry line was logged…
    assert not [record.getMessage() for record in ours
                if "kenichi" in record.getMessage() or "example.jp" in record.getMessage()]  # …without the address
    assert outbox_row(sample_world, outbox_id).last_error == "RCPT: 450 4.2.1 <[address]>: mailbox busy, try later"


def test_a_key_mail_that_expires_while_earlier_mails_of_its_round_are_sent_is_expired_not_sent(
        sample_world, smtp_settings, smtp_server):
    handler, _ = smtp_server
    settings = smtp_settings.model_copy(update={"smtp_timeout_s": 3.0})
    handler.data_script.extend(["slow", "slow", "slow"])  # the three mails ahead take ≥ 1.2 s
    start = utcnow()
    # (kinds the quiet hours do not hold: this test runs on the real clock)
    ahead = [enqueue(sample_world, name, not_before=start - timedelta(seconds=10)) for name in KINDS[1:4]]
    key_mail = enqueue(sample_world, "password-registration", key="password-registration:1",
                       not_before=start - timedelta(seconds=5), expires_at=start + timedelta(seconds=0.9))

    report = deliver_due(sample_world, settings, limit=10)  # one round: all four claimed together

    assert report.not_claimed == 0 and report.sent == 3 and report.expired == 1
    row = outbox_row(sample_world, key_mail)
    assert (row.status, row.recipient, row.attempts) == (MailStatus.EXPIRED, None, 1)
    assert len(handler.received) == 3 and all(outbox_row(sample_world, i).status == MailStatus.SENT for i in ahead)

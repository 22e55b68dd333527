"""The embedded default: without an SMTP host, mails become .eml files under var/outbox, with the
same claim-and-record bookkeeping as SMTP."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email.policy import default as default_policy

from worker.domain.models import MailStatus
from worker.mail.delivery import deliver_due, deliver_mail
from worker.mail.transport import eml_file_name

from .conftest import enqueue, outbox_row

T0 = datetime(2025, 11, 5, 1, 0, tzinfo=UTC)


def test_each_mail_becomes_one_eml_file_named_after_its_message_id_and_only_once(sample_world, settings):
    ids = [enqueue(sample_world, name, not_before=T0) for name in ("recommendations", "withdrawn")]

    report = deliver_due(sample_world, settings, now=T0)
    again = deliver_due(sample_world, settings, now=T0)

    assert (report.sent, again.sent) == (2, 0)
    files = sorted(settings.outbox_dir.iterdir())
    rows = [outbox_row(sample_world, outbox_id) for outbox_id in ids]
    assert [f.name for f in files] == sorted(eml_file_name(row.message_id) for row in rows)
    for row in rows:
        message = email.message_from_bytes((settings.outbox_dir / eml_file_name(row.message_id)).read_bytes(),
                                           policy=default_policy)
        assert (row.status, row.recipient) == (MailStatus.SENT, None)
        assert message["Message-ID"] == row.message_id
        assert message["Subject"].startswith("【ハローワークインターネットサービス】")
        assert message.get_body(("plain",)).get_content().startswith(("山田 花子 様", "小林 太郎 様"))


def test_deliver_mail_writes_one_file_and_a_repeat_does_nothing(sample_world, settings):
    outbox_id = enqueue(sample_world, "referral-issued")
    assert deliver_mail(sample_world, settings, outbox_id) == "sent"
    assert deliver_mail(sample_world, settings, outbox_id) == "sent"
    assert len(list(settings.outbox_dir.glob("*.eml"))) == 1


def test_the_withdrawal_mail_forgets_the_withdrawn_seekers_name_once_it_is_sent(sample_world, settings):
    outbox_id = enqueue(sample_world, "withdrawn", not_before=T0)

    assert deliver_due(sample_world, settings, now=T0).sent == 1

    row = outbox_row(sample_world, outbox_id)
    assert (row.status, row.recipient, row.context) == (MailStatus.SENT, None, {})

"""The sweeper re-sends hints for whatever the database still shows pending."""

from __future__ import annotations

from datetime import timedelta

from worker.db import session_scope
from worker.domain.models import JobOffer, MailStatus, OutboxMail, utcnow
from worker.outbox.enqueue import enqueue_mail
from worker.pipeline.sweeper import MATCH_GRACE, sweep


class RecordedHints:
    def __init__(self):
        self.offers: list[int] = []
        self.deliveries = 0

    def match_job_offers(self, offer_ids):
        self.offers.extend(offer_ids)

    def deliver_due_mail(self, batches=1):
        self.deliveries += batches


def test_offers_still_pending_after_the_grace_period_are_hinted_again(world, settings):
    now = utcnow()
    old = world.offer(created_at=now - MATCH_GRACE - timedelta(seconds=1))
    world.offer(created_at=now)  # its own hint is probably still on its way
    matched = world.offer(created_at=now - timedelta(hours=1))
    world.update(JobOffer, matched, matching_status="matched")
    hints = RecordedHints()

    report = sweep(world.engine, hints, settings, now=now)

    assert hints.offers == [old] and report.offers_hinted == 1


def test_a_mail_whose_worker_died_goes_back_to_pending_and_delivery_is_hinted(world, settings):
    now = utcnow()
    with session_scope(world.engine) as session:
        enqueue_mail(session, kind="notice", dedupe_key="notice:x:1", recipient="a@example.jp",
                     context={"seeker_id": 1, "inbox_item_id": 1})
    [mail] = world.outbox()
    world.update(OutboxMail, mail.id, status=MailStatus.SENDING.value, attempts=1,
                 lease_until=now - timedelta(seconds=1))
    hints = RecordedHints()

    report = sweep(world.engine, hints, settings, now=now)

    assert world.get(OutboxMail, mail.id).status == MailStatus.PENDING
    assert report.leases_requeued == 1 and report.mails_due == 1 and hints.deliveries == 1


def test_nothing_pending_sends_nothing(world, settings):
    hints = RecordedHints()
    sweep(world.engine, hints, settings)
    assert hints.offers == [] and hints.deliveries == 0


def test_the_sweeper_gives_up_on_a_mail_after_the_configured_number_of_attempts(world, settings):
    now = utcnow()
    with session_scope(world.engine) as session:
        enqueue_mail(session, kind="notice", dedupe_key="notice:x:1", recipient="a@example.jp",
                     context={"seeker_id": 1, "inbox_item_id": 1})
    [mail] = world.outbox()
    world.update(OutboxMail, mail.id, status=MailStatus.SENDING.value, attempts=2,
                 lease_until=now - timedelta(seconds=1))

    sweep(world.engine, RecordedHints(), settings.model_copy(update={"mail_max_attempts": 2}), now=now)

    row = world.get(OutboxMail, mail.id)
    assert (row.status, row.recipient) == (MailStatus.FAILED, None)

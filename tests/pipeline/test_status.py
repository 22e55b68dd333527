"""What staff see in ``mypage-worker status``."""

from __future__ import annotations

from worker.db import session_scope
from worker.domain.models import MailStatus, OutboxMail, SuppressedAddress
from worker.outbox.enqueue import enqueue_mail
from worker.pipeline.status import read_status


def test_it_counts_waiting_offers_mails_by_status_and_watched_accounts(world):
    world.offer()
    world.seeker(state="restricted")
    world.seeker(state="unusable")
    world.seeker(state="unusable")
    with session_scope(world.engine) as session:
        for n in range(3):
            enqueue_mail(session, kind="notice", dedupe_key=f"notice:s:{n}", recipient=None,
                         context={"seeker_id": 1, "inbox_item_id": n})
        session.add(SuppressedAddress(address_hash="0" * 64))
    failed = world.outbox()[0]
    world.update(OutboxMail, failed.id, status=MailStatus.FAILED.value)

    status = read_status(world.engine)

    assert status.offers_waiting == 1 and status.oldest_offer_waiting is not None
    assert (status.mails["pending"], status.mails["failed"], status.mails["suppressed"]) == (2, 1, 0)
    assert status.suppressed_addresses == 1
    assert status.accounts == {"restricted": 1, "unusable": 2}

"""Outbox rows for tests, queued and read as the producers and the delivery see them; the mail
and outbox tests share these."""

from __future__ import annotations

from sqlmodel import Session, select

from worker.domain.models import OutboxMail
from worker.mail.samples import SAMPLE_MAILS
from worker.outbox.enqueue import enqueue_mail


def enqueue(engine, name: str, *, key: str | None = None, recipient: str | None = None, **row) -> int:
    """Queue the sample mail ``name`` (as its producer would) and return the outbox id."""
    sample = SAMPLE_MAILS[name]
    dedupe_key = key or f"test:{name}"
    with Session(engine) as session:
        enqueue_mail(session, kind=name, dedupe_key=dedupe_key, recipient=recipient or sample.recipient,
                     context=sample.outbox_context, **row)
        session.commit()
        return session.exec(select(OutboxMail.id).where(OutboxMail.dedupe_key == dedupe_key)).one()


def outbox_rows(engine) -> list[OutboxMail]:
    with Session(engine) as session:
        return list(session.exec(select(OutboxMail).order_by(OutboxMail.id)))


def outbox_row(engine, outbox_id: int) -> OutboxMail:
    with Session(engine) as session:
        return session.get(OutboxMail, outbox_id)

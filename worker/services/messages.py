"""Messages between a seeker and the employers of the offers they applied to.

The application is the thread: without one, no message goes either way. An employer's message
puts a notice in the seeker's inbox and the message-received mail in the outbox — unless the
seeker may not use messages now (無効, 利用不可), in which case it waits silently until they may.
Messages are deleted 1 year after they were sent or received (:func:`delete_expired_messages`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, select

from worker.db import insert_ignore
from worker.domain.errors import InvalidInput, NotPermitted
from worker.domain.models import Application, InboxItem, InboxKind, JobOffer, Message
from worker.outbox.enqueue import enqueue_mail
from worker.services.calendar import JST, add_years, require_aware
from worker.services.guards import Action, get_seeker, is_allowed, is_id, require

MAX_BODY = 2000
RETENTION_YEARS = 1
_DELETE_BATCH = 500


def _body(body: object) -> str:
    if not isinstance(body, str) or not body.strip():
        raise InvalidInput("メッセージを入力してください。", field="body")
    if len(body) > MAX_BODY:
        raise InvalidInput(f"メッセージは{MAX_BODY}文字以内で入力してください。", field="body")
    return body


def _require_application(session: Session, seeker_id: int, job_offer_id: int) -> None:
    applied = is_id(job_offer_id) and session.exec(
        select(Application.id).where(Application.seeker_id == seeker_id, Application.job_offer_id == job_offer_id)
    ).first()
    if not applied:
        raise NotPermitted("メッセージは応募した求人の事業所とのみやりとりできます。", field="job_offer_id")


def send_to_employer(session: Session, *, seeker_id: int, job_offer_id: int, body: str, now: datetime) -> Message:
    """The seeker writes to the employer of an offer they applied to."""
    require_aware(now)
    require(session, seeker_id, Action.MESSAGE)
    text = _body(body)
    _require_application(session, seeker_id, job_offer_id)
    message = Message(seeker_id=seeker_id, job_offer_id=job_offer_id, from_seeker=True, body=text, sent_at=now)
    session.add(message)
    session.flush()
    return message


def receive_from_employer(session: Session, *, seeker_id: int, job_offer_id: int, body: str,
                          now: datetime) -> Message:
    """An employer writes to a seeker who applied to their offer (the main site calls this)."""
    require_aware(now)
    seeker = get_seeker(session, seeker_id)
    text = _body(body)
    _require_application(session, seeker_id, job_offer_id)
    message = Message(seeker_id=seeker_id, job_offer_id=job_offer_id, from_seeker=False, body=text, sent_at=now)
    session.add(message)
    session.flush()
    if is_allowed(seeker, Action.MESSAGE):
        offer = session.get(JobOffer, job_offer_id)
        # The inbox item only points at the message: deleting the message leaves nothing personal.
        insert_ignore(session, InboxItem, {
            "seeker_id": seeker_id, "kind": InboxKind.MESSAGE.value, "dedupe_key": f"message:{message.id}",
            "job_offer_id": job_offer_id, "title": f"{offer.employer_name or '事業所'}からメッセージが届きました"[:200],
            "body": "", "reasons": [], "created_at": now,
        }, conflict=["dedupe_key"])
        if seeker.email:
            enqueue_mail(session, kind="message-received", dedupe_key=f"message-received:{message.id}",
                         recipient=seeker.email, seeker_id=seeker_id,
                         context={"seeker_id": seeker_id, "message_id": message.id})
    return message


def list_messages(session: Session, *, seeker_id: int, job_offer_id: int) -> list[Message]:
    """The thread with one employer, oldest first."""
    require(session, seeker_id, Action.MESSAGE)
    _require_application(session, seeker_id, job_offer_id)
    return list(session.exec(
        select(Message).where(Message.seeker_id == seeker_id, Message.job_offer_id == job_offer_id)
        .order_by(Message.sent_at, Message.id)
    ))


def message_expiry_cutoff(now: datetime) -> datetime:
    """Messages sent before this moment are more than 1 year old (calendar year, JST)."""
    local = require_aware(now).astimezone(JST)
    earlier = add_years(local.date(), -RETENTION_YEARS)
    return local.replace(year=earlier.year, month=earlier.month, day=earlier.day)


def delete_expired_messages(session: Session, *, now: datetime) -> int:
    """Delete messages sent or received more than 1 year before ``now``, with their inbox
    notices; returns the messages deleted."""
    cutoff = message_expiry_cutoff(now)
    deleted = 0
    while True:
        ids = session.exec(select(Message.id).where(Message.sent_at < cutoff).order_by(Message.id).limit(_DELETE_BATCH)).all()
        if not ids:
            return deleted
        session.execute(delete(InboxItem).where(InboxItem.dedupe_key.in_([f"message:{i}" for i in ids])))
        deleted += session.execute(delete(Message).where(Message.id.in_(ids))).rowcount
        if len(ids) < _DELETE_BATCH:
            return deleted

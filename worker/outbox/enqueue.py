"""Putting mails in the outbox (producers, in their own transaction). Sending them is ``worker.mail``'s business."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from worker.db import insert_ignore
from worker.domain.models import MailStatus, OutboxMail, utcnow


def outbox_row(
    *,
    kind: str,
    dedupe_key: str,
    recipient: str | None,
    context: dict[str, Any],
    seeker_id: int | None = None,
    expires_at: datetime | None = None,
    not_before: datetime | None = None,
) -> dict[str, Any]:
    """One ``outbox_mail`` row, pending, due at ``not_before`` (default now). Bulk producers
    insert many of these at once; :func:`enqueue_mail` inserts one."""
    now = utcnow()
    return {
        "dedupe_key": dedupe_key,
        "kind": kind,
        "seeker_id": seeker_id,
        "recipient": recipient,
        "context": context,
        "status": MailStatus.PENDING.value,
        "attempts": 0,
        "next_attempt_at": not_before or now,
        "expires_at": expires_at,
        "created_at": now,
    }


def enqueue_mail(session: Session, **mail: Any) -> bool:
    """Add one outbox row (the arguments of :func:`outbox_row`) in the caller's transaction.
    Returns False when a mail with this dedupe key already exists (causing a mail twice
    produces it once)."""
    return insert_ignore(session, OutboxMail, outbox_row(**mail), conflict=["dedupe_key"]) == 1

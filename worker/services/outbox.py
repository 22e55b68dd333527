"""Putting mails in the outbox. Sending them is ``worker.mail``'s business."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from worker.db import insert_ignore
from worker.domain.models import MailStatus, OutboxMail, utcnow


def enqueue_mail(
    session: Session,
    *,
    kind: str,
    dedupe_key: str,
    recipient: str | None,
    context: dict[str, Any],
    seeker_id: int | None = None,
    expires_at: datetime | None = None,
    not_before: datetime | None = None,
) -> bool:
    """Add one outbox row in the caller's transaction. Returns False when a mail with this
    dedupe key already exists (causing a mail twice produces it once)."""
    row = {
        "dedupe_key": dedupe_key,
        "kind": kind,
        "seeker_id": seeker_id,
        "recipient": recipient,
        "context": context,
        "status": MailStatus.PENDING.value,
        "attempts": 0,
        "next_attempt_at": not_before or utcnow(),
        "expires_at": expires_at,
        "created_at": utcnow(),
    }
    return insert_ignore(session, OutboxMail, row, conflict=["dedupe_key"]) == 1

"""The audit log of staff actions: who, what, when and the counts. Entries carry ids and
counts, never e-mail addresses or passwords."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from worker.domain.models import AuditEntry, StaffAccount


def record(session: Session, *, staff_id: int | None, action: str, summary: str = "",
           details: dict[str, Any] | None = None, now: datetime) -> AuditEntry:
    """Add an entry in the caller's transaction, so the action and its record commit together."""
    entry = AuditEntry(staff_id=staff_id, action=action, summary=summary[:500], details=details or {}, created_at=now)
    session.add(entry)
    session.flush()
    return entry


def recent(session: Session, *, limit: int = 200, action_prefix: str | None = None) -> list[tuple[AuditEntry, str | None]]:
    """The newest entries first, each with the staff name (None for an entry without one)."""
    stmt = (select(AuditEntry, StaffAccount.name).join(StaffAccount, StaffAccount.id == AuditEntry.staff_id, isouter=True)
            .order_by(AuditEntry.id.desc()).limit(limit))
    if action_prefix:
        stmt = stmt.where(AuditEntry.action.startswith(action_prefix))
    return [(entry, name) for entry, name in session.exec(stmt).all()]

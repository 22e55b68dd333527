"""The audit log of staff actions: who, what, when and the counts. Entries carry ids and
counts, never e-mail addresses or passwords."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, func, select

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


def last_logout(session: Session, staff_id: int) -> datetime | None:
    """When the account last logged out: a session opened before it is over, whatever its cookie
    says (a signed cookie cannot be taken back, so its replay is refused here)."""
    stmt = select(func.max(AuditEntry.created_at)).where(AuditEntry.staff_id == staff_id, AuditEntry.action == "logout")
    moment = session.exec(stmt).one()
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment

"""How long My Page keeps things (leaflet, 留意事項).

- Messages: deleted 1 year after they were sent or received (:func:`delete_expired_messages`).
- A My Page whose registration has been 無効 for 5 years without a new registration is deleted
  with its data on 求職無効日 + 5 years (the deletion day); 30 days before it, the seeker gets the
  deletion-warning mail. A new registration (有効 again) clears 求職無効日 and so stops the clock.
  Seekers who never opened a My Page are deleted alike but not mailed: they never asked for one.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

from sqlmodel import Session, select

from worker.domain.models import AccountState, RegistrationStatus, Seeker
from worker.outbox.enqueue import enqueue_mail
from worker.services.calendar import add_years, jst_today
from worker.services.erasure import erase_seeker
from worker.services.messages import delete_expired_messages

__all__ = ["RETENTION_YEARS", "deletion_on", "delete_expired_messages", "warn_before_deletion", "delete_lapsed_my_pages"]

RETENTION_YEARS = 5


def deletion_on(invalid_on: date) -> date:
    """The day a My Page 無効 since ``invalid_on`` is deleted: 5 years later."""
    return add_years(invalid_on, RETENTION_YEARS)


def _due(session: Session, by: date) -> Iterator[tuple[int, str | None, str, date]]:
    """Seekers 無効 whose deletion day is on or before ``by``: (id, email, state, deletion day).
    The SQL bound is one day loose (29 February); the exact day is checked here."""
    rows = session.exec(
        select(Seeker.id, Seeker.email, Seeker.account_state, Seeker.registration_invalid_on).where(
            Seeker.registration_status == RegistrationStatus.INVALID.value,
            Seeker.registration_invalid_on.is_not(None),
            Seeker.registration_invalid_on <= add_years(by, -RETENTION_YEARS) + timedelta(days=1),
        ).order_by(Seeker.id)
    ).all()
    for seeker_id, email, state, invalid_on in rows:
        day = deletion_on(invalid_on)
        if day <= by:
            yield seeker_id, email, state, day


def warn_before_deletion(session: Session, *, now: datetime, days_before: int = 30) -> int:
    """Put the deletion-warning mail in the outbox for My Pages deleted within ``days_before``
    days. One mail per seeker and deletion day: a rerun adds nothing. Returns the mails added."""
    today = jst_today(now)
    added = 0
    for seeker_id, email, state, day in _due(session, today + timedelta(days=days_before)):
        if day <= today or state == AccountState.NOT_OPENED or not email:
            continue
        added += enqueue_mail(
            session, kind="deletion-warning", dedupe_key=f"deletion-warning:{seeker_id}:{day.isoformat()}",
            recipient=email, seeker_id=seeker_id, context={"seeker_id": seeker_id, "deletion_on": day.isoformat()},
        )
    return added


def delete_lapsed_my_pages(session: Session, *, now: datetime) -> int:
    """Delete every seeker whose deletion day has come, with all their data; returns how many."""
    due = list(_due(session, jst_today(now)))
    for seeker_id, _email, _state, _day in due:
        erase_seeker(session, seeker_id=seeker_id)
    return len(due)

"""Erasing a seeker and everything personal about them (退会, or 5 years after 求職無効日).

The database does the fan-out: every personal table references ``seeker`` with ON DELETE
CASCADE (conditions, favourites, inbox items, applications, referrals, messages, no-show
reports, password requests); the outbox references it with SET NULL so the record that a mail
was sent survives without saying to whom. SQLite honours this only with foreign keys on, which
``worker.db.make_engine`` switches on for every connection. Recommendation candidates (ids and
a score, no foreign keys for the sake of bulk writes) are deleted here explicitly.
"""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlmodel import Session

from worker.domain.models import (
    FINAL_MAIL_STATUSES,
    WAITING_MAIL_STATUSES,
    Condition,
    MailStatus,
    OutboxMail,
    RecommendationCandidate,
    SavedSearchHit,
    Seeker,
)


def erase_seeker(session: Session, *, seeker_id: int) -> None:
    """Delete the seeker row (the database cascades to their data) after cancelling their
    waiting mails and clearing the address from their finished ones (a mail being sent right
    now, status sending, is left to finish: the mail layer clears its recipient once it is final)."""
    # The seeker's conditions are locked first: a matching batch writing saved-search hits and
    # mails for one holds it until it commits (``recommend.saved_search_audience``); waiting
    # for it here lets everything below see what it wrote (its mail to cancel, its hits).
    searches = session.execute(select(Condition.id).where(Condition.seeker_id == seeker_id)
                               .with_for_update()).scalars().all()
    session.execute(
        update(OutboxMail).where(OutboxMail.seeker_id == seeker_id, OutboxMail.status.in_(WAITING_MAIL_STATUSES))
        .values(status=MailStatus.CANCELLED.value, recipient=None, lease_until=None)
    )
    session.execute(
        update(OutboxMail).where(OutboxMail.seeker_id == seeker_id, OutboxMail.status.in_(FINAL_MAIL_STATUSES))
        .values(recipient=None)
    )
    session.execute(delete(RecommendationCandidate).where(RecommendationCandidate.seeker_id == seeker_id))
    # The hits have no seeker index (only the upkeep and the mail read them): reach them through
    # the seeker's saved searches.
    if searches:
        session.execute(delete(SavedSearchHit).where(SavedSearchHit.condition_id.in_(searches)))
    seeker = session.get(Seeker, seeker_id)
    session.execute(delete(Seeker).where(Seeker.id == seeker_id))
    if seeker is not None:
        session.expunge(seeker)

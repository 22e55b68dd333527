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

from worker.domain.models import Condition, MailStatus, OutboxMail, RecommendationCandidate, SavedSearchHit, Seeker

# Mails still waiting are cancelled; a mail being sent right now (status sending) is left to
# finish — the mail layer clears its recipient once it is final.
_WAITING = (MailStatus.PENDING.value, MailStatus.UNCERTAIN.value)
_FINAL = (MailStatus.SENT.value, MailStatus.FAILED.value, MailStatus.SUPPRESSED.value,
          MailStatus.EXPIRED.value, MailStatus.CANCELLED.value)


def erase_seeker(session: Session, *, seeker_id: int) -> None:
    """Delete the seeker row (the database cascades to their data) after cancelling their
    waiting mails and clearing the address from their finished ones."""
    session.execute(
        update(OutboxMail).where(OutboxMail.seeker_id == seeker_id, OutboxMail.status.in_(_WAITING))
        .values(status=MailStatus.CANCELLED.value, recipient=None, lease_until=None)
    )
    session.execute(
        update(OutboxMail).where(OutboxMail.seeker_id == seeker_id, OutboxMail.status.in_(_FINAL))
        .values(recipient=None)
    )
    session.execute(delete(RecommendationCandidate).where(RecommendationCandidate.seeker_id == seeker_id))
    # The hits have no seeker index (only the upkeep and the mail read them): reach them through
    # the seeker's saved searches, whose deletion takes their hits along.
    session.execute(delete(SavedSearchHit).where(
        SavedSearchHit.condition_id.in_(select(Condition.id).where(Condition.seeker_id == seeker_id))))
    seeker = session.get(Seeker, seeker_id)
    session.execute(delete(Seeker).where(Seeker.id == seeker_id))
    if seeker is not None:
        session.expunge(seeker)

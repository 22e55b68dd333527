"""Staff's 利用不可, and the 機能制限 that interview no-shows bring.

利用不可: staff make a My Page unusable for abuse of the service and lift it again; lifting
returns the account to where it was (機能制限 if it was restricted, open if it was open, not
opened if it never was) — derived from ``restricted_at`` and ``opened_at``, so nothing extra is
stored.

面接不参加: employers report no-shows, only for オンライン自主応募 applications. "5 or more
within 3 months" counts calendar months in JST (a report on 31 May still counts on 31 August,
no longer on 1 September) — the leaflet says 3ヶ月, not 90 days. Reports made before staff last
lifted a restriction no longer count (``restriction_lifted_at``): lifting needs a visit, and a
visit wipes the slate. The restriction applies at once on the report that reaches 5, and the
periodic :func:`apply_no_show_restrictions` catches anything missed. Only staff lift it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, or_, update
from sqlmodel import Session, select

from worker.db import insert_ignore
from worker.domain.errors import NotFound, NotPermitted
from worker.domain.models import AccountState, Application, NoShowReport, Seeker
from worker.outbox.enqueue import enqueue_mail
from worker.services.calendar import months_before, require_aware
from worker.services.guards import get_row, get_seeker

NO_SHOW_LIMIT = 5
NO_SHOW_WINDOW_MONTHS = 3


# ---------------------------------------------------------------------------- 利用不可


def make_unusable(session: Session, *, seeker_id: int, now: datetime) -> bool:
    """Staff make the My Page 利用不可: every function is refused. False if it already was."""
    require_aware(now)
    seeker = get_seeker(session, seeker_id)
    if seeker.account_state == AccountState.UNUSABLE:
        return False
    seeker.account_state = AccountState.UNUSABLE.value
    seeker.unusable_at = now
    seeker.updated_at = now
    session.add(seeker)
    session.flush()
    return True


def lift_unusable(session: Session, *, seeker_id: int, now: datetime) -> bool:
    """Staff lift 利用不可; the account returns to its previous state. False if not unusable."""
    require_aware(now)
    seeker = get_seeker(session, seeker_id)
    if seeker.account_state != AccountState.UNUSABLE:
        return False
    if seeker.restricted_at is not None:
        seeker.account_state = AccountState.RESTRICTED.value
    elif seeker.opened_at is not None:
        seeker.account_state = AccountState.OPEN.value
    else:
        seeker.account_state = AccountState.NOT_OPENED.value
    seeker.unusable_at = None
    seeker.updated_at = now
    session.add(seeker)
    session.flush()
    return True


# ---------------------------------------------------------------------------- 面接不参加


def _counted_reports(now: datetime):
    """The reports that count at ``now``: within the window, after the last lift."""
    return and_(
        NoShowReport.reported_at > months_before(now, NO_SHOW_WINDOW_MONTHS),
        NoShowReport.reported_at <= now,
        or_(Seeker.restriction_lifted_at.is_(None), NoShowReport.reported_at > Seeker.restriction_lifted_at),
    )


def counted_no_shows(session: Session, *, seeker_id: int, now: datetime) -> int:
    return session.exec(
        select(func.count()).select_from(NoShowReport).join(Seeker, Seeker.id == NoShowReport.seeker_id)
        .where(NoShowReport.seeker_id == seeker_id, _counted_reports(now))
    ).one()


def _restrict(session: Session, seeker: Seeker, now: datetime) -> bool:
    """機能制限 on. An open account becomes restricted and gets the mail; an account that is
    利用不可 keeps that state but will come back restricted when it is lifted."""
    if seeker.restricted_at is not None or seeker.account_state not in (AccountState.OPEN, AccountState.UNUSABLE):
        return False
    changed = session.execute(
        update(Seeker).where(Seeker.id == seeker.id, Seeker.restricted_at.is_(None),
                             Seeker.account_state == seeker.account_state)
        .values(restricted_at=now, updated_at=now,
                account_state=_restricted_state(seeker.account_state))
    ).rowcount
    if changed != 1:
        return False
    session.refresh(seeker)
    if seeker.account_state == AccountState.RESTRICTED and seeker.email:
        enqueue_mail(session, kind="restricted", dedupe_key=f"restricted:{seeker.id}:{int(now.timestamp())}",
                     recipient=seeker.email, seeker_id=seeker.id, context={"seeker_id": seeker.id})
    return True


def _restricted_state(state: str) -> str:
    return AccountState.RESTRICTED.value if state == AccountState.OPEN else state


def report_no_show(session: Session, *, application_id: int, now: datetime) -> bool:
    """An employer reports that the applicant missed the interview without notice.

    Only オンライン自主応募 applications count; one report per application (a repeat returns
    False). The report that makes 5 within 3 months restricts the account at once."""
    require_aware(now)
    application = get_row(session, Application, application_id)
    if application is None:
        raise NotFound("応募が見つかりません。", field="application_id")
    if not application.self_application:
        raise NotPermitted("面接不参加の報告は、オンライン自主応募による応募についてのみ行えます。", field="application_id")
    inserted = insert_ignore(session, NoShowReport, {
        "seeker_id": application.seeker_id, "application_id": application_id, "reported_at": now,
    }, conflict=["application_id"])
    if inserted and counted_no_shows(session, seeker_id=application.seeker_id, now=now) >= NO_SHOW_LIMIT:
        _restrict(session, get_seeker(session, application.seeker_id), now)
    return inserted == 1


def apply_no_show_restrictions(session: Session, *, now: datetime) -> int:
    """Restrict every seeker with 5 or more counted no-shows who is not restricted yet;
    returns how many were restricted. A rerun finds nobody new."""
    require_aware(now)
    seeker_ids = session.exec(
        select(NoShowReport.seeker_id).join(Seeker, Seeker.id == NoShowReport.seeker_id)
        .where(_counted_reports(now), Seeker.restricted_at.is_(None),
               Seeker.account_state.in_((AccountState.OPEN.value, AccountState.UNUSABLE.value)))
        .group_by(NoShowReport.seeker_id).having(func.count() >= NO_SHOW_LIMIT)
        .order_by(NoShowReport.seeker_id)
    ).all()
    return sum(_restrict(session, get_seeker(session, seeker_id), now) for seeker_id in seeker_ids)


def lift_restriction(session: Session, *, seeker_id: int, now: datetime) -> bool:
    """Staff lift 機能制限 after the seeker's visit; earlier reports stop counting.
    False when the seeker was not restricted."""
    require_aware(now)
    seeker = get_seeker(session, seeker_id)
    if seeker.restricted_at is None and seeker.account_state != AccountState.RESTRICTED:
        return False
    if seeker.account_state == AccountState.RESTRICTED:
        seeker.account_state = AccountState.OPEN.value
    seeker.restricted_at = None
    seeker.restriction_lifted_at = now
    seeker.updated_at = now
    session.add(seeker)
    session.flush()
    return True

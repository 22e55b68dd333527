"""オンラインハローワーク紹介: applying online, and the 紹介状 it issues.

A seeker may apply online to an offer Hello Work recommended to them (an おすすめ求人 inbox
item exists) — オンラインハローワーク紹介 — or to an offer open for オンライン自主応募. Both
create an application, a 紹介状 the seeker can view, an inbox item and the referral-issued
mail; the application is also what opens the message thread with that employer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, select

from worker.db import insert_ignore
from worker.domain.errors import NotFound, NotPermitted
from worker.domain.models import Application, InboxItem, InboxKind, JobOffer, Referral
from worker.outbox.enqueue import enqueue_mail
from worker.services.calendar import jst_today
from worker.services.guards import Action, check, get_row, get_seeker, is_id, require


def was_recommended(session: Session, *, seeker_id: int, job_offer_id: int) -> bool:
    return session.exec(
        select(InboxItem.id).where(
            InboxItem.seeker_id == seeker_id, InboxItem.job_offer_id == job_offer_id,
            InboxItem.kind == InboxKind.RECOMMENDATION.value,
        )
    ).first() is not None


def apply_online(session: Session, *, seeker_id: int, job_offer_id: int, now: datetime) -> Referral:
    """Apply online to a job offer; returns the 紹介状 issued.

    Refused while 無効, 機能制限 or 利用不可, for an offer neither recommended nor open for
    オンライン自主応募, after its 紹介期限日, and for a second application to the same offer."""
    today = jst_today(now)
    seeker = get_seeker(session, seeker_id)
    offer = get_row(session, JobOffer, job_offer_id)
    if offer is None:
        raise NotFound("求人が見つかりません。", field="job_offer_id")
    recommended = was_recommended(session, seeker_id=seeker_id, job_offer_id=job_offer_id)
    if not recommended and not offer.online_application:
        check(seeker, Action.ONLINE_REFERRAL)
        raise NotPermitted("この求人にはオンラインで応募できません。ハローワークの窓口にご相談ください。", field="job_offer_id")
    check(seeker, Action.ONLINE_REFERRAL if recommended else Action.SELF_APPLICATION)
    if offer.referral_deadline is not None and offer.referral_deadline < today:
        raise NotPermitted("この求人は紹介期限を過ぎているため応募できません。", field="job_offer_id")
    inserted = insert_ignore(session, Application, {
        "seeker_id": seeker_id, "job_offer_id": job_offer_id, "self_application": not recommended, "applied_at": now,
    }, conflict=["seeker_id", "job_offer_id"])
    if inserted != 1:
        raise NotPermitted("この求人には既に応募しています。", field="job_offer_id")
    application_id = session.exec(
        select(Application.id).where(Application.seeker_id == seeker_id, Application.job_offer_id == job_offer_id)
    ).one()
    referral = Referral(seeker_id=seeker_id, application_id=application_id, job_offer_id=job_offer_id, issued_at=now)
    session.add(referral)
    session.flush()
    insert_ignore(session, InboxItem, {
        "seeker_id": seeker_id, "kind": InboxKind.REFERRAL.value, "dedupe_key": f"referral:{referral.id}",
        "job_offer_id": job_offer_id, "title": f"紹介状が発行されました: {offer.title}"[:200], "body": "",
        "reasons": [], "created_at": now,
    }, conflict=["dedupe_key"])
    if seeker.email:
        enqueue_mail(session, kind="referral-issued", dedupe_key=f"referral-issued:{referral.id}",
                     recipient=seeker.email, seeker_id=seeker_id,
                     context={"seeker_id": seeker_id, "referral_id": referral.id})
    return referral


@dataclass(frozen=True)
class ReferralLetter:
    """紹介状 as the seeker sees it."""

    referral_id: int
    issued_at: datetime
    self_application: bool
    job_number: str
    title: str
    employer_name: str
    referral_deadline: date | None


def _letters(session: Session, seeker_id: int, referral_id: int | None = None) -> list[ReferralLetter]:
    require(session, seeker_id, Action.VIEW_REFERRAL)
    query = (
        select(Referral, Application, JobOffer)
        .join(Application, Application.id == Referral.application_id)
        .join(JobOffer, JobOffer.id == Referral.job_offer_id)
        .where(Referral.seeker_id == seeker_id).order_by(Referral.id)
    )
    if referral_id is not None:
        if not is_id(referral_id):
            return []
        query = query.where(Referral.id == referral_id)
    return [_letter(r, a, o) for r, a, o in session.exec(query).all()]


def list_referrals(session: Session, *, seeker_id: int) -> list[ReferralLetter]:
    return _letters(session, seeker_id)


def view_referral(session: Session, *, seeker_id: int, referral_id: int) -> ReferralLetter:
    """One 紹介状 of the seeker's own (NotFound for anyone else's)."""
    letters = _letters(session, seeker_id, referral_id)
    if not letters:
        raise NotFound("紹介状が見つかりません。", field="referral_id")
    return letters[0]


def _letter(referral: Referral, application: Application, offer: JobOffer) -> ReferralLetter:
    return ReferralLetter(
        referral_id=referral.id, issued_at=referral.issued_at, self_application=application.self_application,
        job_number=offer.job_number, title=offer.title, employer_name=offer.employer_name,
        referral_deadline=offer.referral_deadline,
    )

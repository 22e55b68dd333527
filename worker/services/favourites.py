"""お気に入り求人: at most 300 per seeker. Adding one twice is harmless; the 301st is refused
and nothing changes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func
from sqlmodel import Session, select

from worker.db import insert_ignore
from worker.domain.errors import LimitExceeded, NotFound
from worker.domain.models import Favourite, JobOffer
from worker.services.calendar import require_aware
from worker.services.guards import Action, get_row, is_id, lock_seeker, require

MAX_FAVOURITES = 300


def add_favourite(session: Session, *, seeker_id: int, job_offer_id: int, now: datetime) -> bool:
    """Save a job offer as a favourite. True when added, False when it already was one."""
    require_aware(now)
    require(session, seeker_id, Action.SAVE_FAVOURITE)
    if get_row(session, JobOffer, job_offer_id) is None:
        raise NotFound("求人が見つかりません。", field="job_offer_id")
    lock_seeker(session, seeker_id)
    existing = session.exec(
        select(Favourite.id).where(Favourite.seeker_id == seeker_id, Favourite.job_offer_id == job_offer_id)
    ).first()
    if existing is not None:
        return False
    count = session.exec(select(func.count()).select_from(Favourite).where(Favourite.seeker_id == seeker_id)).one()
    if count >= MAX_FAVOURITES:
        raise LimitExceeded(
            f"お気に入り求人は{MAX_FAVOURITES}件まで保存できます。不要なお気に入りを削除してから保存してください。",
            field="job_offer_id",
        )
    row = {"seeker_id": seeker_id, "job_offer_id": job_offer_id, "created_at": now}
    return insert_ignore(session, Favourite, row, conflict=["seeker_id", "job_offer_id"]) == 1


def remove_favourite(session: Session, *, seeker_id: int, job_offer_id: int) -> bool:
    """Remove a favourite; False when it was not one."""
    require(session, seeker_id, Action.SAVE_FAVOURITE)
    if not is_id(job_offer_id):
        return False
    result = session.execute(
        delete(Favourite).where(Favourite.seeker_id == seeker_id, Favourite.job_offer_id == job_offer_id)
    )
    return result.rowcount == 1


def list_favourites(session: Session, *, seeker_id: int) -> list[Favourite]:
    require(session, seeker_id, Action.SAVE_FAVOURITE)
    return list(session.exec(select(Favourite).where(Favourite.seeker_id == seeker_id).order_by(Favourite.id)))

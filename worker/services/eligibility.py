"""Who receives recommendations (おすすめ求人): a seeker whose registration is 有効 and whose My
Page is open — a 機能制限 account still receives them; 利用不可, withdrawn and not-yet-opened
accounts do not."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, and_
from sqlmodel import Session, select

from worker.domain.models import AccountState, RegistrationStatus, Seeker

RECOMMENDABLE_STATES = (AccountState.OPEN.value, AccountState.RESTRICTED.value)


def recommendable_clause() -> ColumnElement[bool]:
    """The rule as a SQL condition on ``seeker`` (to join or filter with)."""
    return and_(
        Seeker.registration_status == RegistrationStatus.VALID.value,
        Seeker.account_state.in_(RECOMMENDABLE_STATES),
    )


def recommendable(session: Session | None = None) -> Select:
    """``SELECT seeker`` of the seekers who may receive recommendations; not executed.

    ``session`` is accepted so every service reads alike; the statement does not need it."""
    return select(Seeker).where(recommendable_clause())


def is_recommendable(seeker: Seeker) -> bool:
    return seeker.registration_status == RegistrationStatus.VALID and seeker.account_state in RECOMMENDABLE_STATES

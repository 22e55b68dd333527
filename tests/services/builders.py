"""Builders for the service tests: seekers, job offers, and "nothing changed" snapshots.

Every test passes time explicitly; NOW is a Tuesday morning in Tokyo. (Kept out of conftest.py:
pytest imports a conftest under its own name, and a second copy would restart the counter.)"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, SQLModel

from worker.domain.models import (
    AccountState,
    InboxItem,
    InboxKind,
    JobOffer,
    OutboxMail,
    RegistrationStatus,
    Seeker,
)

NOW = datetime(2025, 6, 10, 1, 0, tzinfo=UTC)  # 2025-06-10 10:00 JST
TODAY = date(2025, 6, 10)
SECRET = b"test-secret-key-for-authentication-keys"

_numbers = itertools.count(1)


def make_seeker(session: Session, **fields: Any) -> Seeker:
    """An open My Page with a 有効 registration unless told otherwise."""
    n = next(_numbers)
    values: dict[str, Any] = {
        "seeker_number": f"13010-{n:08d}",
        "name": f"山田 太郎{n}",
        "email": f"Taro.Yamada{n}@Example.jp",
        "birth_date": date(1990, 4, 1),
        "prefecture_code": "13",
        "registration_status": RegistrationStatus.VALID.value,
        "registration_valid_until": date(2025, 8, 31),
        "account_state": AccountState.OPEN.value,
        "opened_at": datetime(2025, 1, 1, tzinfo=UTC),
    }
    values.update(fields)
    if "email_normalized" not in fields:
        values["email_normalized"] = values["email"].lower() if values["email"] else None
    seeker = Seeker(**values)
    session.add(seeker)
    session.flush()
    return seeker


def make_offer(session: Session, **fields: Any) -> JobOffer:
    n = next(_numbers)
    values: dict[str, Any] = {
        "job_number": f"13010-{n:08d}",
        "title": "一般事務",
        "employer_name": "株式会社テスト商事",
        "prefecture_code": "13",
        "municipality_code": "13101",
        "employment_form": 1,
        "wage_type": "monthly",
        "wage_min": 220000,
        "received_on": date(2025, 6, 2),
        "referral_deadline": date(2025, 8, 31),
    }
    values.update(fields)
    offer = JobOffer(**values)
    session.add(offer)
    session.flush()
    return offer


def recommend(session: Session, seeker: Seeker, offer: JobOffer) -> InboxItem:
    item = InboxItem(seeker_id=seeker.id, kind=InboxKind.RECOMMENDATION.value, job_offer_id=offer.id,
                     dedupe_key=f"recommendation:{seeker.id}:{offer.id}", title=offer.title, created_at=NOW)
    session.add(item)
    session.flush()
    return item


def table_counts(session: Session) -> dict[str, int]:
    session.flush()
    return {t.name: session.execute(select(func.count()).select_from(t)).scalar_one()
            for t in SQLModel.metadata.sorted_tables}


def row(session: Session, model: type[SQLModel], row_id: int) -> dict[str, Any]:
    """The row as the database has it now (not the session's cached object)."""
    session.flush()
    table = model.__table__
    found = session.execute(select(table).where(table.c.id == row_id)).mappings().one_or_none()
    return dict(found) if found is not None else {}


def mails(session: Session, kind: str | None = None) -> list[OutboxMail]:
    session.flush()
    query = select(OutboxMail).order_by(OutboxMail.id).execution_options(populate_existing=True)
    if kind:
        query = query.where(OutboxMail.kind == kind)
    return list(session.execute(query).scalars())



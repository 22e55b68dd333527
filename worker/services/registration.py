"""求職登録: the seeker's own registration, its validity, and the mails about it.

Validity runs to the end of the month after next (翌々月末) from the day the registration was
made valid. "Extended by activity in the last month" is read literally: activity (the site
calls :func:`record_activity` when the seeker uses My Page) during the final calendar month of
validity moves the end to the 翌々月末 of that day; activity earlier changes nothing (the
validity already reaches further). When the end passes, :func:`expire_registrations` makes the
registration 無効 with 求職無効日 = the day after the last valid day.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, update
from sqlmodel import Session, select

from worker.domain.errors import InvalidInput
from worker.domain.models import AccountState, Condition, ConditionKind, RegistrationStatus, Seeker, utcnow
from worker.outbox.enqueue import enqueue_mail
from worker.services.calendar import end_of_month_after_next, jst_today, require_aware
from worker.services.conditions import FIELDS, validate_condition
from worker.services.guards import Action, require

MAX_WORK_HISTORY = 20
MAX_QUALIFICATIONS = 30
MAX_TEXT = 100
MAILED_STATES = (AccountState.OPEN.value, AccountState.RESTRICTED.value)
_YEAR_MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")


def valid_until_from(day: date) -> date:
    """The last valid day of a registration made (or renewed) on ``day``: 翌々月末."""
    return end_of_month_after_next(day)


@dataclass(frozen=True)
class RegistrationView:
    """What the seeker sees of their own registration (求職情報)."""

    seeker_number: str
    name: str
    status: str
    valid_until: date | None
    invalid_on: date | None
    work_history: list[dict[str, Any]]
    qualifications: list[str]
    conditions: dict[str, Any] | None  # the registered 求職条件, in the condition shape


def registered_condition(session: Session, seeker_id: int) -> Condition | None:
    return session.exec(
        select(Condition).where(Condition.seeker_id == seeker_id, Condition.kind == ConditionKind.REGISTERED.value)
        .order_by(Condition.id)
    ).first()


def view_registration(session: Session, *, seeker_id: int) -> RegistrationView:
    seeker = require(session, seeker_id, Action.REGISTRATION)
    condition = registered_condition(session, seeker_id)
    return RegistrationView(
        seeker_number=seeker.seeker_number,
        name=seeker.name,
        status=seeker.registration_status,
        valid_until=seeker.registration_valid_until,
        invalid_on=seeker.registration_invalid_on,
        work_history=list(seeker.work_history),
        qualifications=list(seeker.qualifications),
        conditions={k: getattr(condition, k) for k in FIELDS} if condition else None,
    )


def _text(value: Any, field: str, label: str, *, required: bool) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()) or len(value.strip()) > MAX_TEXT:
        raise InvalidInput(f"{label}は{MAX_TEXT}文字以内で入力してください。", field=field)
    return value.strip()


def validate_work_history(entries: Any) -> list[dict[str, Any]]:
    """職歴: [{"employer", "job", "from": "YYYY-MM", "to": "YYYY-MM" or None}], newest first or not."""
    if not isinstance(entries, (list, tuple)):
        raise InvalidInput("職歴の形式が正しくありません。", field="work_history")
    if len(entries) > MAX_WORK_HISTORY:
        raise InvalidInput(f"職歴は{MAX_WORK_HISTORY}件まで登録できます。", field="work_history")
    result = []
    for entry in entries:
        if not isinstance(entry, Mapping) or set(entry) - {"employer", "job", "from", "to"}:
            raise InvalidInput("職歴の形式が正しくありません。", field="work_history")
        start, end = entry.get("from"), entry.get("to")
        for value in (start, end):
            if value is not None and (not isinstance(value, str) or not _YEAR_MONTH.fullmatch(value)):
                raise InvalidInput("職歴の期間は西暦で「YYYY-MM」の形式で入力してください。", field="work_history")
        if start is None:
            raise InvalidInput("職歴の開始年月を入力してください。", field="work_history")
        if end is not None and end < start:
            raise InvalidInput("職歴の終了年月が開始年月より前になっています。", field="work_history")
        result.append({
            "employer": _text(entry.get("employer"), "work_history", "職歴の事業所名", required=True),
            "job": _text(entry.get("job"), "work_history", "職歴の仕事内容", required=False),
            "from": start,
            "to": end,
        })
    return result


def validate_qualifications(values: Any) -> list[str]:
    """資格・免許: a list of names, duplicates dropped."""
    if not isinstance(values, (list, tuple)):
        raise InvalidInput("資格の形式が正しくありません。", field="qualifications")
    names = list(dict.fromkeys(_text(v, "qualifications", "資格の名称", required=True) for v in values))
    if len(names) > MAX_QUALIFICATIONS:
        raise InvalidInput(f"資格は{MAX_QUALIFICATIONS}件まで登録できます。", field="qualifications")
    return names


def update_registration(session: Session, *, seeker_id: int, now: datetime,
                        work_history: Sequence[Mapping[str, Any]] | None = None,
                        qualifications: Sequence[str] | None = None,
                        conditions: Mapping[str, Any] | None = None) -> Seeker:
    """Change the seeker's own 職歴, 資格 and registered 求職条件; arguments left None stay.
    Everything is checked before anything changes."""
    require_aware(now)
    seeker = require(session, seeker_id, Action.REGISTRATION)
    history = validate_work_history(work_history) if work_history is not None else None
    names = validate_qualifications(qualifications) if qualifications is not None else None
    fields = validate_condition(conditions) if conditions is not None else None
    if history is not None:
        seeker.work_history = history
    if names is not None:
        seeker.qualifications = names
    if fields is not None:
        condition = registered_condition(session, seeker_id) or Condition(
            seeker_id=seeker_id, kind=ConditionKind.REGISTERED.value, created_at=now)
        for key, value in fields.items():
            setattr(condition, key, value)
        condition.updated_at = now
        session.add(condition)
    seeker.updated_at = now
    session.add(seeker)
    session.flush()
    return seeker


def set_registration_valid(session: Session, *, seeker_id: int, valid: bool, now: datetime) -> Seeker:
    """The seeker switches their registration 有効 or 無効 themselves.

    無効 records today as 求職無効日; 有効 is a new registration: validity to 翌々月末 again
    and the 5-year deletion clock stops."""
    today = jst_today(now)
    seeker = require(session, seeker_id, Action.REGISTRATION)
    if valid:
        seeker.registration_status = RegistrationStatus.VALID.value
        seeker.registration_invalid_on = None
        seeker.registration_valid_until = valid_until_from(today)
    elif seeker.registration_status != RegistrationStatus.INVALID:
        seeker.registration_status = RegistrationStatus.INVALID.value
        seeker.registration_invalid_on = today
    seeker.updated_at = now
    session.add(seeker)
    session.flush()
    return seeker


def record_activity(session: Session, *, seeker_id: int, now: datetime) -> date | None:
    """The seeker used My Page: in the last month of validity, extend it to 翌々月末.
    Returns the new last valid day when extended, else None."""
    today = jst_today(now)
    seeker = require(session, seeker_id, Action.READ_INBOX)
    until = seeker.registration_valid_until
    if seeker.registration_status != RegistrationStatus.VALID or until is None or until < today:
        return None
    if (today.year, today.month) != (until.year, until.month):
        return None  # not the last month yet
    new_until = valid_until_from(today)
    seeker.registration_valid_until = new_until
    seeker.updated_at = now
    session.add(seeker)
    session.flush()
    return new_until


def notify_expiring_registrations(session: Session, *, today: date, days_before: int = 14) -> int:
    """Mail seekers whose registration ends within ``days_before`` days (registration-expiring).
    One mail per seeker and end date: a rerun adds nothing. Returns the mails added."""
    rows = session.exec(
        select(Seeker.id, Seeker.email, Seeker.registration_valid_until).where(
            Seeker.registration_status == RegistrationStatus.VALID.value,
            Seeker.account_state.in_(MAILED_STATES),
            Seeker.email.is_not(None),
            Seeker.registration_valid_until >= today,
            Seeker.registration_valid_until <= today + timedelta(days=days_before),
        ).order_by(Seeker.id)
    ).all()
    added = 0
    for seeker_id, email, until in rows:
        added += enqueue_mail(
            session, kind="registration-expiring", dedupe_key=f"registration-expiring:{seeker_id}:{until.isoformat()}",
            recipient=email, seeker_id=seeker_id,
            context={"seeker_id": seeker_id, "valid_until": until.isoformat()},
        )
    return added


def expire_registrations(session: Session, *, today: date) -> int:
    """Registrations whose last valid day has passed become 無効 (求職無効日 = the day after);
    My Page holders get the registration-invalid mail. Returns the registrations made 無効."""
    rows = session.exec(
        select(Seeker.id, Seeker.email, Seeker.account_state, Seeker.registration_valid_until).where(
            Seeker.registration_status == RegistrationStatus.VALID.value,
            Seeker.registration_valid_until < today,
        ).order_by(Seeker.id)
    ).all()
    expired = 0
    for seeker_id, email, state, until in rows:
        invalid_on = until + timedelta(days=1)
        # Conditional: a seeker who renewed meanwhile (or a second sweeper) is left alone.
        changed = session.execute(
            update(Seeker).where(and_(
                Seeker.id == seeker_id,
                Seeker.registration_status == RegistrationStatus.VALID.value,
                Seeker.registration_valid_until == until,
            )).values(registration_status=RegistrationStatus.INVALID.value, registration_invalid_on=invalid_on,
                      updated_at=utcnow())
        ).rowcount
        if changed != 1:
            continue
        expired += 1
        if state in MAILED_STATES and email:
            enqueue_mail(
                session, kind="registration-invalid", dedupe_key=f"registration-invalid:{seeker_id}:{invalid_on.isoformat()}",
                recipient=email, seeker_id=seeker_id,
                context={"seeker_id": seeker_id, "invalid_on": invalid_on.isoformat()},
            )
    return expired

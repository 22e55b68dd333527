"""Staff accounts of the console (ハローワーク職員): adding, listing, disabling, and checking a login.

Passwords are kept as argon2id hashes (argon2-cffi's defaults). A login for a name that does not
exist is checked against a dummy hash all the same, so the answer and its timing are the same
whether the account exists or not."""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, select

from worker.domain.errors import InvalidInput, NotFound
from worker.domain.models import StaffAccount, StaffRole

ROLES = tuple(role.value for role in StaffRole)  # each includes the ones before it
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
MIN_PASSWORD = 10
MAX_PASSWORD = 128

_HASHER = PasswordHasher()


@cache
def _dummy_hash() -> str:
    return _HASHER.hash("not a password of anyone: evens out the time of unknown names")


def role_allows(role: str, needed: str) -> bool:
    """Whether ``role`` may do what ``needed`` may (admin ⊃ operator ⊃ viewer)."""
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)


def validate_name(name: str) -> str:
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise InvalidInput("職員名は半角英数字と . _ - の64文字以内で、英数字で始めてください。", field="name")
    return name


def validate_staff_password(password: str) -> str:
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInput(f"パスワードは{MIN_PASSWORD}〜{MAX_PASSWORD}文字で入力してください。", field="password")
    if password.strip() != password or "\n" in password:
        raise InvalidInput("パスワードの前後に空白や改行は使えません。", field="password")
    return password


def add_staff(session: Session, *, name: str, role: str, password: str, now: datetime) -> StaffAccount:
    validate_name(name)
    if role not in ROLES:
        raise InvalidInput(f"役割は {' / '.join(ROLES)} のいずれかです。", field="role")
    validate_staff_password(password)
    if session.exec(select(StaffAccount.id).where(StaffAccount.name == name)).first() is not None:
        raise InvalidInput("この職員名は既に登録されています。", field="name")
    account = StaffAccount(name=name, role=role, password_hash=_HASHER.hash(password), created_at=now)
    session.add(account)
    session.flush()
    return account


def list_staff(session: Session) -> list[StaffAccount]:
    return list(session.exec(select(StaffAccount).order_by(StaffAccount.name)))


def disable_staff(session: Session, *, name: str, now: datetime) -> StaffAccount:
    """Disable the account; its sessions end at their next request. Disabling twice is a no-op."""
    account = session.exec(select(StaffAccount).where(StaffAccount.name == name)).first()
    if account is None:
        raise NotFound("この職員名のアカウントはありません。", field="name")
    if account.disabled_at is None:
        account.disabled_at = now
        session.add(account)
    return account


def active_staff(session: Session, staff_id: int) -> StaffAccount | None:
    account = session.get(StaffAccount, staff_id)
    return account if account is not None and account.disabled_at is None else None


def authenticate(session: Session, *, name: str, password: str, now: datetime) -> StaffAccount | None:
    """The active account when ``password`` is its password, else None — after one argon2
    verification either way."""
    account = session.exec(select(StaffAccount).where(StaffAccount.name == name)).first() if name else None
    try:
        _HASHER.verify(account.password_hash if account is not None else _dummy_hash(), password or "")
    except (VerificationError, InvalidHashError):
        return None
    if account is None or account.disabled_at is not None:
        return None
    if _HASHER.check_needs_rehash(account.password_hash):
        account.password_hash = _HASHER.hash(password)
    account.last_login_at = now
    session.add(account)
    return account

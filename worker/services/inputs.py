"""Parsing what people type: login e-mail addresses and birth dates (西暦).

Malformed input raises :class:`InvalidInput` with a Japanese message and the field's name."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from worker.domain.errors import InvalidInput

_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"{_LOCAL}@(?:{_LABEL}\.)+[A-Za-z]{{2,63}}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
OLDEST_BIRTH_DATE = date(1900, 1, 1)


def normalize_email(email: object) -> str:
    """The login form of an address: trimmed and lower-cased (logins are case-insensitive)."""
    if not isinstance(email, str) or not email.strip():
        raise InvalidInput("メールアドレスを入力してください。", field="email")
    email = email.strip()
    if any(unicodedata.east_asian_width(c) in ("F", "W") for c in email):
        raise InvalidInput("メールアドレスは半角英数字で入力してください（全角文字は使用できません）。", field="email")
    local, _, _ = email.rpartition("@")
    if len(email) > 254 or len(local) > 64 or not _EMAIL.fullmatch(email):
        raise InvalidInput("メールアドレスの形式が正しくありません。", field="email")
    return email.lower()


def parse_birth_date(value: object, *, today: date) -> date:
    """A birth date as a ``date`` or ``'YYYY-MM-DD'`` (西暦, half-width digits); never after
    ``today`` and not before 1900."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, str):
        text = value.strip()
        if any(unicodedata.east_asian_width(c) in ("F", "W") for c in text):
            raise InvalidInput("生年月日は半角数字で入力してください（全角文字は使用できません）。", field="birth_date")
        if not _ISO_DATE.fullmatch(text):
            raise InvalidInput("生年月日は西暦で「YYYY-MM-DD」の形式で入力してください（例: 1990-04-01）。", field="birth_date")
        try:
            value = date.fromisoformat(text)
        except ValueError:
            raise InvalidInput("生年月日に存在しない日付が入力されています。", field="birth_date") from None
    if not isinstance(value, date):
        raise InvalidInput("生年月日を入力してください。", field="birth_date")
    if value > today:
        raise InvalidInput("生年月日に未来の日付は入力できません。", field="birth_date")
    if value < OLDEST_BIRTH_DATE:
        raise InvalidInput("生年月日は西暦で正しく入力してください。", field="birth_date")
    return value

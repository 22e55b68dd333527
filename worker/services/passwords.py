"""The password policy of the leaflet, and how passwords are stored.

Policy (leaflet step 6): 8 to 32 characters; only half-width digits, letters and the symbols
``@#%&()*+-./:;<=>?``; all three kinds present. Example: ``@abcd1234``.

Storage: scrypt (memory-hard, in the standard library). The stored string carries its own
parameters and salt, ``scrypt$<n>$<r>$<p>$<salt>$<hash>``, so the cost can be raised later
without invalidating existing passwords (see :func:`needs_rehash`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import string
import unicodedata

MIN_LENGTH = 8
MAX_LENGTH = 32
SYMBOLS = "@#%&()*+-./:;<=>?"
DIGITS = string.digits
LETTERS = string.ascii_letters
ALLOWED = frozenset(DIGITS + LETTERS + SYMBOLS)

# 32 MiB and about 0.2 s per hash on one core: expensive for an attacker with a stolen table,
# affordable for a site that hashes once per login.
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
_DKLEN = 32
_MAXMEM = 256 * 1024 * 1024


def _is_full_width(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("F", "W")


def validate_password(password: str | None) -> list[str]:
    """The problems with ``password`` as Japanese messages; empty when it is acceptable.

    The messages never repeat the password's characters: they may end up in a log."""
    if not password:
        return ["パスワードを入力してください。"]
    if not isinstance(password, str):
        return ["パスワードは文字列で入力してください。"]
    problems: list[str] = []
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        problems.append(
            f"パスワードは{MIN_LENGTH}文字以上{MAX_LENGTH}文字以内で入力してください（現在{len(password)}文字）。"
        )
    outside = [c for c in password if c not in ALLOWED]
    if any(_is_full_width(c) for c in outside):
        problems.append("全角文字は使用できません。半角の数字・英字・記号で入力してください。")
    if any(not _is_full_width(c) for c in outside):
        problems.append(f"使用できない文字が含まれています。使用できる記号は {SYMBOLS} です（空白は使用できません）。")
    missing = [
        name
        for name, kind in (("数字", DIGITS), ("英字", LETTERS), ("記号", SYMBOLS))
        if not any(c in kind for c in password)
    ]
    if missing:
        problems.append(
            "半角の数字・英字・記号の3種類をすべて組み合わせてください（不足: " + "・".join(missing) + "）。"
        )
    return problems


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=_MAXMEM, dklen=_DKLEN)


def hash_password(password: str) -> str:
    """A new salted scrypt hash of ``password`` in the self-describing format above."""
    salt = os.urandom(16)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str | None) -> bool:
    """Whether ``password`` matches ``stored``; compares in constant time. A malformed or
    missing hash matches nothing."""
    if not stored or not isinstance(password, str):
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest, validate=True)
        actual = _scrypt(password, base64.b64decode(salt, validate=True), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def needs_rehash(stored: str) -> bool:
    """True when ``stored`` was made with other parameters than today's: rehash at next login."""
    parts = stored.split("$")
    return len(parts) != 6 or parts[0] != "scrypt" or parts[1:4] != [str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P)]

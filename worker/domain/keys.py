"""認証キー: derived, never stored.

A key is HMAC-SHA256(secret key, random salt) written in an unambiguous 32-letter alphabet.
The database holds the salt and a hash of the key; the worker re-derives the key only when it
renders the 「パスワード登録申込受付通知」 mail. So the key travels in the mail and nowhere else:
a copy of the database alone cannot produce one, and a log line never holds one.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: the seeker types it by hand
KEY_LENGTH = 10  # 50 bits; with 5 tries per key, guessing is hopeless


def new_salt() -> str:
    return secrets.token_hex(16)


def derive_authentication_key(secret: bytes, salt: str) -> str:
    digest = hmac.new(secret, salt.encode(), hashlib.sha256).digest()
    return "".join(ALPHABET[b % len(ALPHABET)] for b in digest[:KEY_LENGTH])


def hash_authentication_key(key: str, salt: str) -> str:
    normalized = key.strip().upper()
    return hashlib.sha256(f"{salt}:{normalized}".encode()).hexdigest()


def key_matches(key: str, salt: str, key_hash: str) -> bool:
    return hmac.compare_digest(hash_authentication_key(key, salt), key_hash)

"""The suppression list: addresses that answered 5xx get no more mail.

Addresses are kept as the SHA-256 of the normalised address, so the list itself holds no
personal data yet still recognises the address when it comes back.
"""

from __future__ import annotations

import hashlib

from sqlmodel import Session, select

from worker.db import insert_ignore
from worker.domain.models import SuppressedAddress, utcnow


def address_hash(address: str) -> str:
    return hashlib.sha256(address.strip().lower().encode()).hexdigest()


def is_suppressed(session: Session, address: str) -> bool:
    query = select(SuppressedAddress.id).where(SuppressedAddress.address_hash == address_hash(address))
    return session.exec(query).first() is not None


def suppress(session: Session, address: str, *, reason: str) -> bool:
    """Put ``address`` on the list in the caller's transaction; False if it already was."""
    row = {"address_hash": address_hash(address), "reason": reason[:500], "created_at": utcnow()}
    return insert_ignore(session, SuppressedAddress, row, conflict=["address_hash"]) == 1

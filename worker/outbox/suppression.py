"""The suppression list: addresses that answered 5xx get no more mail.

Addresses are kept as the SHA-256 of the normalised address, so the list itself holds no
personal data yet still recognises the address when it comes back.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import bindparam, select
from sqlmodel import Session

from worker.db import insert_ignore
from worker.domain.models import SuppressedAddress, utcnow

_TABLE = SuppressedAddress.__table__  # type: ignore[attr-defined]
# Built once, on the table rather than the model: delivery asks this for every mail.
_LISTED = select(_TABLE.c.id).where(_TABLE.c.address_hash == bindparam("address_hash"))


def address_hash(address: str) -> str:
    return hashlib.sha256(address.strip().lower().encode()).hexdigest()


def is_suppressed(session: Session, address: str) -> bool:
    return session.execute(_LISTED, {"address_hash": address_hash(address)}).first() is not None


def suppress(session: Session, address: str, *, reason: str) -> bool:
    """Put ``address`` on the list in the caller's transaction; False if it already was."""
    row = {"address_hash": address_hash(address), "reason": reason[:500], "created_at": utcnow()}
    return insert_ignore(session, SuppressedAddress, row, conflict=["address_hash"]) == 1


def lift(session: Session, suppression_id: int) -> bool:
    """Take an address off the list (staff found it works again); False if it was not on it."""
    row = session.get(SuppressedAddress, suppression_id)
    if row is None:
        return False
    session.delete(row)
    return True
def suppressed_among(session: Session, addresses: list[str]) -> set[str]:
    """The hashes of those of ``addresses`` on the list: one query for a round of mails."""
    hashes = {address_hash(address) for address in addresses}
    if not hashes:
        return set()
    rows = session.execute(select(_TABLE.c.address_hash).where(_TABLE.c.address_hash.in_(sorted(hashes))))
    return set(rows.scalars())

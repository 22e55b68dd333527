"""Shards of the condition index (``MYPAGE_INDEX_SHARDS`` = P > 1).

A seeker's conditions all live in shard ``stable_hash(seeker id) mod P``. The key is the seeker,
not the condition: a candidate is the best of one seeker's matching conditions for an offer, and
a saved-search mail goes when that (seeker, offer) pair is new — both are decided by the one
shard that holds all of the seeker's conditions, so P shards write exactly the rows one index
writes. The hash is integer arithmetic that SQLite and PostgreSQL compute alike, so a shard
loads only its own conditions (:func:`clause`).

Each shard matches every offer on its own. Its claim is a row (offer, shard) written in the
transaction of its candidates — insert-or-ignore, so a shard that runs an offer twice finds its
row and adds nothing — and the offer turns ``matched`` when the last shard's row lands
(:func:`complete`). An offer still pending after the grace lacks some shards' rows: the sweeper
sends it again to those shards only (:func:`missing_shards`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, func, literal, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from worker.domain.models import JobOffer, MatchingStatus, OfferShardMatch
from worker.pipeline.bulk import among, insert_ignore_returning

# Knuth's multiplicative hash: an int4 id times this fits in 63 bits, so PostgreSQL's bigint
# and SQLite's integer compute it exactly; the middle 16 bits of the low word are well mixed
# (the lowest bits of the product only repeat the id's own low bits).
MULTIPLIER = 2_654_435_761
WORD = 2 ** 32
SHIFT = 2 ** 16


def stable_hash(key: int) -> int:
    """The same number in every process, on every machine, and in SQL (:func:`sql_hash`)."""
    return (int(key) * MULTIPLIER) % WORD // SHIFT


def shard_of(seeker_id: int, shards: int) -> int:
    return stable_hash(seeker_id) % shards


def sql_hash(column) -> ColumnElement[int]:
    product = column * literal(MULTIPLIER, BigInteger)
    # ``op("/")``: integer division on both databases (SQLAlchemy's ``/`` would cast to numeric).
    return (product % literal(WORD, BigInteger)).op("/")(literal(SHIFT, BigInteger))


def clause(seeker_column, shards: int, own: Sequence[int]) -> ColumnElement[bool]:
    """Rows of the seekers in the shards ``own``."""
    return (sql_hash(seeker_column) % shards).in_(list(own))


@dataclass(frozen=True)
class Shard:
    """The shard a matching message is for: ``index`` of ``count``."""

    index: int
    count: int


def claim(session: Session, offer_ids: Sequence[int], shard: Shard, now: datetime) -> set[int]:
    """Record (offer, shard) for the offers this shard has not matched yet; returns those."""
    rows = [{"job_offer_id": offer_id, "shard": shard.index, "matched_at": now} for offer_id in offer_ids]
    inserted = insert_ignore_returning(session, OfferShardMatch, rows, conflict=["job_offer_id", "shard"],
                                       returning=["job_offer_id"])
    return {row.job_offer_id for row in inserted}


def complete(session: Session, offer_ids: Sequence[int], shards: int, now: datetime) -> int:
    """pending → matched for the offers every shard has claimed; returns how many turned.

    Called at the end of a shard's transaction. The offers are locked first (in id order, so two
    shards never deadlock): two shards finishing the same offer at once would otherwise each
    count only their own uncommitted row and neither would turn it. The lock is held only from
    here to the commit, so shards still match the same offers side by side."""
    if not offer_ids:
        return 0
    table = JobOffer.__table__
    conn = session.connection()
    conn.execute(select(table.c.id).where(among(session, table.c.id, list(offer_ids)))
                 .order_by(table.c.id).with_for_update())
    done = (select(func.count()).select_from(OfferShardMatch)
            .where(OfferShardMatch.job_offer_id == table.c.id).scalar_subquery())
    stmt = (update(table).where(among(session, table.c.id, list(offer_ids)),
                                table.c.matching_status == MatchingStatus.PENDING.value, done >= shards)
            .values(matching_status=MatchingStatus.MATCHED.value, matched_at=now).returning(table.c.id))
    return len(conn.execute(stmt).all())


def missing_shards(conn: Connection, offer_ids: Sequence[int], shards: int) -> dict[int, list[int]]:
    """For each offer, the shards that have not claimed it (an offer every shard claimed maps to
    an empty list)."""
    claimed: dict[int, set[int]] = {offer_id: set() for offer_id in offer_ids}
    for start in range(0, len(offer_ids), 5_000):
        part = list(offer_ids[start:start + 5_000])
        stmt = select(OfferShardMatch.job_offer_id, OfferShardMatch.shard).where(
            OfferShardMatch.job_offer_id.in_(part))
        for offer_id, shard in conn.execute(stmt):
            claimed[offer_id].add(shard)
    return {offer_id: [i for i in range(shards) if i not in done] for offer_id, done in claimed.items()}

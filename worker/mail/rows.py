"""Rows by id for the mails' context builders, straight from one connection.

Delivery builds a context for every mail it sends; loading those few rows through the ORM's
``Session.get`` (identity map, loader options, cache keys) cost more than the query itself. The
builders ask ``rows.get(Model, id)`` (see ``worker.mail.declaration``), so one prebuilt SELECT
per table serves them, and each mail reads its rows afresh; a saved-search mail also asks for
the offers of its day (``saved_search_offer_ids``).
"""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from worker.domain.models import SavedSearchHit

T = TypeVar("T", bound=SQLModel)
_BY_ID: dict[type, Any] = {}


def _by_id(entity: type) -> Any:
    statement = _BY_ID.get(entity)
    if statement is None:
        table = entity.__table__  # type: ignore[attr-defined]
        statement = _BY_ID[entity] = select(table).where(table.c.id == bindparam("ident"))
    return statement


class ConnectionRows:
    """A ``RowSource`` over a connection: detached model instances, built from one SELECT each."""

    def __init__(self, conn: Connection):
        self.conn = conn

    def get(self, entity: type[T], ident: Any, /) -> T | None:
        row = self.conn.execute(_by_id(entity), {"ident": ident}).first()
        # The row comes from the database already typed: construct without validating again
        # (a tenth of the cost of ``entity(**row)``).
        return entity.model_construct(**row._mapping) if row is not None else None

    def saved_search_offer_ids(self, condition_id: int, day: date, /) -> list[int]:
        hit = SavedSearchHit.__table__.c  # type: ignore[attr-defined]
        return list(self.conn.execute(select(hit.job_offer_id).where(hit.condition_id == condition_id, hit.day == day)
                                      .order_by(hit.job_offer_id)).scalars())

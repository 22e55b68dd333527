"""The pipeline's bulk statements (``worker.pipeline.bulk``) on SQLite and PostgreSQL."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import select
from sqlmodel import Session

from worker.domain.models import OutboxMail
from worker.outbox.enqueue import outbox_row
from worker.pipeline.bulk import among, enqueue_mails

HOSTILE_KEYS = ['plain:1:2026-12-02', 'a "quoted" key', "back\\slash\\", "comma,and{braces}", " spaced ", "",
                "NULL", "マイページ:求人"]


def test_among_finds_texts_whatever_characters_they_hold(engine):
    """On PostgreSQL the texts travel as one quoted array literal: quotes, backslashes, commas,
    braces, spaces, an empty text and the word NULL are each one element, found as themselves."""
    with Session(engine) as session:
        ids = enqueue_mails(session, [outbox_row(kind="notice", dedupe_key=key, recipient=None, context={})
                                      for key in HOSTILE_KEYS + ["not asked for"]])
        found = session.execute(select(OutboxMail.dedupe_key).where(
            among(session, OutboxMail.dedupe_key, HOSTILE_KEYS))).scalars().all()
        session.rollback()
    assert sorted(found) == sorted(HOSTILE_KEYS)
    assert len(ids) == len(HOSTILE_KEYS) + 1


def test_among_takes_numpy_integers_and_python_ones_alike(engine):
    with Session(engine) as session:
        ids = enqueue_mails(session, [outbox_row(kind="notice", dedupe_key=f"k{i}", recipient=None, context={})
                                      for i in range(5)])
        wanted = sorted(ids.values())[1:4]
        by_numpy = session.execute(select(OutboxMail.id).where(
            among(session, OutboxMail.id, np.array(wanted, dtype=np.int64)))).scalars().all()
        by_list = session.execute(select(OutboxMail.id).where(among(session, OutboxMail.id, wanted))).scalars().all()
        nothing = session.execute(select(OutboxMail.id).where(among(session, OutboxMail.id, []))).scalars().all()
        session.rollback()
    assert sorted(by_numpy) == sorted(by_list) == wanted
    assert nothing == []


@pytest.mark.parametrize("engine", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
def test_among_hands_postgresql_one_constant_array_not_a_text_to_parse_per_row(engine):
    """A text parameter cast to an array is not folded into a constant: PostgreSQL parsed the
    whole list again for every row compared (a lock over 50,000 pending mails took 150 s)."""
    with Session(engine) as session:
        stmt = select(OutboxMail.id).where(among(session, OutboxMail.id, [3, 1, 2]),
                                           among(session, OutboxMail.dedupe_key, ["a", "b"]))
        compiled = stmt.compile(dialect=engine.dialect)
        plan = "\n".join(session.connection().exec_driver_sql(f"EXPLAIN {compiled}", compiled.params).scalars())
    assert "'{3,1,2}'::integer[]" in plan
    assert "'{a,b}'::text[]" in plan
    assert "::character varying)" not in plan and "::text)" not in plan

"""Putting mails in the outbox: one row per cause."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session

from worker.outbox.enqueue import enqueue_mail

from .conftest import outbox_rows

T0 = datetime(2025, 11, 5, 1, 0, tzinfo=UTC)
LEASE_S = 600


def test_causing_a_mail_twice_queues_it_once(engine):
    with Session(engine) as session:
        first = enqueue_mail(session, kind="withdrawn", dedupe_key="withdrawn:1", recipient="a@example.jp",
                             context={"name": "小林 太郎"})
        second = enqueue_mail(session, kind="withdrawn", dedupe_key="withdrawn:1", recipient="a@example.jp",
                              context={"name": "小林 太郎"})
        session.commit()
    assert (first, second) == (True, False)
    assert len(outbox_rows(engine)) == 1

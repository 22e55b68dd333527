"""worker.db: insert-or-ignore, the primitive every exactly-once effect rests on."""

from __future__ import annotations

from sqlmodel import func, select

from worker.db import insert_ignore
from worker.domain.models import OutboxMail, utcnow


def _row(key: str) -> dict:
    return {"dedupe_key": key, "kind": "notice", "context": {}, "status": "pending", "attempts": 0,
            "next_attempt_at": utcnow(), "created_at": utcnow()}


def test_insert_ignore_counts_only_the_rows_it_inserted(session):
    assert insert_ignore(session, OutboxMail, [_row("a"), _row("b")], conflict=["dedupe_key"]) == 2
    assert insert_ignore(session, OutboxMail, [_row("b"), _row("c")], conflict=["dedupe_key"]) == 1
    assert session.exec(select(func.count()).select_from(OutboxMail)).one() == 3


def test_insert_ignore_takes_more_rows_than_one_statement_can_bind(session):
    rows = [_row(f"k{i}") for i in range(8_000)]  # 7 columns × 8,000 > 32,766 and > 65,535
    assert insert_ignore(session, OutboxMail, rows, conflict=["dedupe_key"]) == 8_000
    assert insert_ignore(session, OutboxMail, rows[:10], conflict=["dedupe_key"]) == 0

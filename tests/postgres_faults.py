"""Faults and waits from outside for tests on PostgreSQL: the backend of a statement terminated
while it runs — the way an operator's ``pg_terminate_backend`` or a failover cuts a worker off —
and whether some transaction is queued behind a lock."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.engine import Engine


def terminate_while_inserting(engine: Engine, table: str, work: Callable[[], None], *, wait_s: float = 60) -> None:
    """Run ``work`` in a thread, hold ``table`` locked until ``work``'s INSERT into it waits on the
    lock, then terminate that backend; returns when ``work`` has ended."""
    with engine.connect() as blocker:
        blocker.execute(text(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"))  # the INSERT waits here
        thread = threading.Thread(target=work)
        thread.start()
        deadline = time.monotonic() + 30
        while True:
            blocker.execute(text("SELECT pg_stat_clear_snapshot()"))  # else one snapshot per transaction
            waiting = blocker.execute(text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND wait_event_type = 'Lock' AND query ILIKE :insert"), {"insert": f"INSERT INTO {table}%"}).scalars().all()
            if waiting or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert waiting, f"the work never reached its INSERT into {table}"
        blocker.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": waiting[0]})
        blocker.rollback()
    thread.join(wait_s)


def waiting_on_a_lock(conn) -> bool:
    """Whether some backend of this database waits on a lock now."""
    conn.execute(text("SELECT pg_stat_clear_snapshot()"))  # else one snapshot per transaction
    waiting = conn.execute(text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )).scalar_one()
    conn.rollback()
    return waiting > 0

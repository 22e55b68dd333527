"""The dashboard's numbers: mails per hour over 48 hours, mails today, and the offer mails the
quiet hours hold with the time they leave."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from worker.config import load_settings
from worker.db import session_scope
from worker.domain.models import OutboxMail
from worker.pipeline.dashboard import HOURS, read_dashboard

# 23:30 JST on 2025-06-10: inside the quiet hours (21–8).
NIGHT = datetime(2025, 6, 10, 14, 30, tzinfo=UTC)
MORNING = datetime(2025, 6, 10, 23, 0, tzinfo=UTC)  # 08:00 JST on the 11th


def mail(engine, n: int, *, kind: str = "recommendations", status: str = "pending", created_at: datetime,
         next_attempt_at: datetime | None = None) -> None:
    with session_scope(engine) as session:
        session.add(OutboxMail(dedupe_key=f"test:{n}", kind=kind, status=status, created_at=created_at,
                               next_attempt_at=next_attempt_at or created_at))


def quiet_settings(tmp_path):
    return load_settings(var_dir=tmp_path, secret_key="dashboard-test-secret-of-32-chars",
                         quiet_hours_start=21, quiet_hours_end=8)


def test_mails_are_counted_per_hour_over_48_hours_by_outcome(engine, tmp_path):
    mail(engine, 1, status="sent", created_at=NIGHT - timedelta(minutes=20))
    mail(engine, 2, status="sent", created_at=NIGHT - timedelta(minutes=10))
    mail(engine, 3, status="failed", created_at=NIGHT - timedelta(hours=3))
    mail(engine, 4, status="sent", created_at=NIGHT - timedelta(hours=49))  # too old for the chart
    board = read_dashboard(engine, quiet_settings(tmp_path), now=NIGHT)
    assert len(board.hours) == HOURS and board.hours[-1].start == NIGHT.replace(minute=0)
    assert board.hours[-1].counts == {"sent": 2, "failed": 0, "waiting": 0}
    assert board.hours[-4].counts["failed"] == 1
    assert sum(bucket.total for bucket in board.hours) == 3


def test_mails_today_count_from_midnight_in_japan(engine, tmp_path):
    mail(engine, 1, status="sent", created_at=datetime(2025, 6, 10, 15, 5, tzinfo=UTC))  # 00:05 JST on the 11th
    mail(engine, 2, status="sent", created_at=datetime(2025, 6, 10, 14, 55, tzinfo=UTC))  # 23:55 JST on the 10th
    board = read_dashboard(engine, quiet_settings(tmp_path), now=datetime(2025, 6, 10, 16, 0, tzinfo=UTC))
    assert board.today["sent"] == 1


def test_offer_mails_held_in_the_night_leave_at_the_end_of_the_quiet_hours(engine, tmp_path):
    mail(engine, 1, created_at=NIGHT, next_attempt_at=NIGHT - timedelta(minutes=5))  # due, held now
    mail(engine, 2, created_at=NIGHT, next_attempt_at=MORNING)  # queued for the morning
    mail(engine, 3, kind="notice", created_at=NIGHT)  # a notice is never held
    board = read_dashboard(engine, quiet_settings(tmp_path), now=NIGHT)
    assert (board.held.mails, board.held.first_leaves, board.held.last_leaves) == (2, MORNING, MORNING)


def test_in_the_daytime_nothing_is_held(engine, tmp_path):
    day = datetime(2025, 6, 10, 3, 0, tzinfo=UTC)  # 12:00 JST
    mail(engine, 1, created_at=day, next_attempt_at=day + timedelta(minutes=5))  # a digest delay, not a hold
    assert read_dashboard(engine, quiet_settings(tmp_path), now=day).held.mails == 0

"""The database connection lost right after the relay's 250, on PostgreSQL: the backend is really
terminated (pg_terminate_backend from another connection) or the database refuses connections
for a few seconds, while a real aiosmtpd counts what it got. A mail is never sent twice unflagged:
the outcome is recorded on a fresh connection, or, if it cannot be, the row is left so that the
sweeper makes it uncertain and its one resend carries the same Message-ID."""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError
from sqlmodel import SQLModel

from worker.db import make_engine
from worker.domain.models import MailStatus, OutboxMail, utcnow
from worker.mail.delivery import deliver_due
from worker.mail.samples import store_sample_world
from worker.outbox.sweep import requeue_expired_leases

from .conftest import enqueue, outbox_row, outbox_rows

pytestmark = pytest.mark.postgres
POSTGRES_ADMIN_URL = os.environ.get("MYPAGE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
KINDS = ["notice", "referral-issued", "message-received", "restricted"]  # none held by the quiet hours


@pytest.fixture
def pg_world(request, settings):
    """The sample world on PostgreSQL only: SQLite has no server connection to cut."""
    engine = request.getfixturevalue("_postgresql_engine")
    names = ", ".join(f'"{table.name}"' for table in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    store_sample_world(engine, settings)
    return engine


class Database:
    """Cuts the worker's database off from another connection (an administrator's)."""

    def __init__(self, engine):
        self.name = engine.url.database
        self.admin = make_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        self.timers: list[threading.Timer] = []
        self.cuts = 0

    def terminate_backends(self) -> None:
        with self.admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": self.name})
        self.cuts += 1

    def cut_for(self, seconds: float) -> None:
        """Refuse connections and kill the open ones, for ``seconds``."""
        self.allow(False)
        self.terminate_backends()
        timer = threading.Timer(seconds, self.allow, args=(True,))
        timer.start()
        self.timers.append(timer)

    def allow(self, allowed: bool) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS {str(allowed).lower()}'))

    def close(self) -> None:
        for timer in self.timers:
            timer.cancel()
        self.allow(True)
        self.admin.dispose()


@pytest.fixture
def database(pg_world):
    database = Database(pg_world)
    yield database
    database.close()


def test_the_backend_terminated_right_after_each_250_still_records_every_mail_sent_once(
        pg_world, database, smtp_settings, smtp_server):
    handler, _ = smtp_server
    handler.after_data = database.terminate_backends
    start = utcnow() - timedelta(seconds=10)
    ids = [enqueue(pg_world, KINDS[n % 4], key=f"cut:{n}", not_before=start) for n in range(40)]

    report = deliver_due(pg_world, smtp_settings, limit=100)

    assert database.cuts == 40
    assert report.sent == 40 and report.unrecorded == 0
    rows = [outbox_row(pg_world, i) for i in ids]
    assert {(row.status, row.attempts, row.uncertain_at) for row in rows} == {(MailStatus.SENT, 1, None)}
    assert Counter(handler.message_ids()) == Counter({row.message_id: 1 for row in rows})


def test_the_database_gone_for_three_seconds_after_the_last_250_still_records_it_once(
        pg_world, database, smtp_settings, smtp_server):
    handler, _ = smtp_server
    start = utcnow() - timedelta(seconds=10)
    ids = [enqueue(pg_world, name, not_before=start) for name in KINDS]

    def cut_after_the_last():
        if len(handler.received) == len(ids):
            database.cut_for(3.0)

    handler.after_data = cut_after_the_last
    report = deliver_due(pg_world, smtp_settings)

    assert database.cuts == 1
    assert report.sent == len(ids) and report.unrecorded == 0
    rows = [outbox_row(pg_world, i) for i in ids]
    assert {(row.status, row.attempts, row.uncertain_at) for row in rows} == {(MailStatus.SENT, 1, None)}
    assert Counter(handler.message_ids()) == Counter({row.message_id: 1 for row in rows})


def test_a_250_that_cannot_be_recorded_before_the_lease_ends_is_resent_once_marked_uncertain_with_the_same_message_id(
        pg_world, database, smtp_settings, smtp_server):
    handler, _ = smtp_server
    # The smallest lease the settings accept (20 timeouts of 0.1 s): the record is retried for
    # about as long, while the database stays away for 4 s.
    settings = smtp_settings.model_copy(update={"smtp_timeout_s": 0.1, "mail_lease_s": 2.0})
    outbox_id = enqueue(pg_world, "notice", not_before=utcnow() - timedelta(seconds=10))
    handler.after_data = lambda: database.cut_for(4.0) if not database.cuts else None

    report = deliver_due(pg_world, settings)

    assert report.sent == 0 and report.unrecorded == 1 and len(handler.received) == 1
    for timer in database.timers:
        timer.join()
    row = outbox_row(pg_world, outbox_id)
    assert row.status == MailStatus.SENDING and row.send_started_at is not None

    # The sweeper, once the lease is over: this attempt may have delivered it.
    assert requeue_expired_leases(pg_world, now=utcnow() + timedelta(seconds=3), max_attempts=8) == 1
    assert outbox_row(pg_world, outbox_id).status == MailStatus.UNCERTAIN
    assert deliver_due(pg_world, settings, now=utcnow() + timedelta(seconds=4)).sent == 1

    row = outbox_row(pg_world, outbox_id)
    assert (row.status, row.attempts) == (MailStatus.SENT, 2) and row.uncertain_at is not None
    assert handler.message_ids() == [row.message_id, row.message_id]  # the flagged, documented case
    assert len(outbox_rows(pg_world)) == 1


def test_backends_terminated_every_50_ms_while_300_mails_go_out_send_none_twice_unflagged(
        pg_world, database, smtp_settings, smtp_server):
    handler, _ = smtp_server
    start = utcnow() - timedelta(seconds=10)
    ids = [enqueue(pg_world, KINDS[n % 4], key=f"hammer:{n}", not_before=start) for n in range(300)]
    stop = threading.Event()

    def hammer():
        while not stop.is_set():
            database.terminate_backends()
            time.sleep(0.05)

    thread = threading.Thread(target=hammer)
    thread.start()
    try:
        later = utcnow()
        for _ in range(40):  # the worker's batches, and the sweeper between them once leases end
            try:
                deliver_due(pg_world, smtp_settings, limit=300, now=later)
                requeue_expired_leases(pg_world, now=later, max_attempts=smtp_settings.mail_max_attempts)
                if len(handler.received) >= len(ids) and all_sent(pg_world, ids):
                    break
            except OperationalError:
                pass  # a statement outside the recorded writes lost its connection: the next batch goes on
            later += timedelta(seconds=smtp_settings.mail_lease_s + 1)
    finally:
        stop.set()
        thread.join()

    assert database.cuts > 10
    rows = [outbox_row(pg_world, i) for i in ids]
    assert {row.status for row in rows} == {MailStatus.SENT}
    received = Counter(handler.message_ids())
    assert set(received) == {row.message_id for row in rows}
    unflagged_copies = [row.id for row in rows if received[row.message_id] > 1 and row.uncertain_at is None]
    assert unflagged_copies == []
    assert all(received[row.message_id] <= 2 for row in rows)


def all_sent(engine, ids) -> bool:
    with engine.connect() as conn:
        statuses = conn.execute(select(OutboxMail.status).where(OutboxMail.id.in_(ids))).scalars().all()
    return set(statuses) == {MailStatus.SENT}

"""Actor test parts: a PostgreSQL database seeded with synthetic seekers and pending offers,
worker processes (``mypage-worker worker``) started as real subprocesses, a Redis server the
test owns, and the counts every reliability test ends with."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlmodel import SQLModel

import matchers
from worker.config import load_settings
from worker.db import session_scope
from worker.domain.models import (
    Condition,
    InboxItem,
    JobOffer,
    MailStatus,
    MatchingStatus,
    OutboxMail,
    RecommendationCandidate,
    Seeker,
)
from worker.mail.transport import eml_file_name
from worker.pipeline.index_cache import COLUMNS
from worker.pipeline.rounds import round_now
from worker.pipeline.values import condition_value, offer_value
from worker.seed.load import seed_database
from worker.services.eligibility import recommendable_clause

CLI = [sys.executable, "-c", "import sys; from worker.cli import main; sys.exit(main())"]


@pytest.fixture
def pg(request):
    """The session's PostgreSQL database, emptied: shared with the worker subprocesses."""
    engine = request.getfixturevalue("_postgresql_engine")
    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    return engine


def seed(engine, *, seekers: int, offers: int, seed: int = 3):
    """Synthetic seekers (with conditions) and ``offers`` job offers left pending."""
    return seed_database(engine, seekers=seekers, jobs=offers, seed=seed, new_jobs_pending=offers)


def worker_env(tmp_path: Path, database_url: str, redis_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MYPAGE_")}
    env.update({
        "MYPAGE_DATABASE_URL": database_url, "MYPAGE_VAR_DIR": str(tmp_path / "var"),
        "MYPAGE_SECRET_KEY": "test-secret-of-32-characters-256", "MYPAGE_DIGEST_DELAY_S": "0",
        "MYPAGE_QUIET_HOURS_START": "0", "MYPAGE_QUIET_HOURS_END": "0",
        "MYPAGE_REDIS_NAMESPACE": f"test-{uuid.uuid4().hex[:8]}",
        # A mail held by a killed worker comes back after its lease: seconds here, not minutes.
        "MYPAGE_SMTP_TIMEOUT_S": "0.3", "MYPAGE_MAIL_LEASE_S": "6",
    })
    if redis_url:
        env["MYPAGE_REDIS_URL"] = redis_url
    return env


def settings_from(env: dict[str, str]):
    return load_settings(**{k.removeprefix("MYPAGE_").lower(): v for k, v in env.items() if k.startswith("MYPAGE_")})


class Process:
    """A ``mypage-worker`` subprocess in its own process group; its log is kept for asserts."""

    def __init__(self, args: list[str], env: dict[str, str]):
        self.proc = subprocess.Popen([*CLI, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     text=True, start_new_session=True)
        self.lines: list[str] = []
        self._changed = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stderr:
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()

    def wait_for(self, needle: str, *, count: int = 1, timeout: float = 60.0) -> None:
        with self._changed:
            found = self._changed.wait_for(lambda: sum(needle in line for line in self.lines) >= count
                                           or self.proc.poll() is not None, timeout=timeout)
        if not found or sum(needle in line for line in self.lines) < count:
            raise AssertionError(f"no {needle!r} in the log:\n" + "".join(self.lines[-40:]))

    def kill(self) -> None:
        """SIGKILL to the whole process group: no chance to clean up."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def terminate(self, timeout: float = 60.0) -> int:
        os.killpg(self.proc.pid, signal.SIGTERM)
        return self.proc.wait(timeout=timeout)

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                self.terminate(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def processes():
    started: list[Process] = []

    def start(args: list[str], env: dict[str, str]) -> Process:
        process = Process(args, env)
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


def start_worker(processes, env, *, threads: int = 2) -> Process:
    worker = processes(["worker", "--processes", "1", "--threads", str(threads)], env)
    worker.wait_for("condition index ready")
    return worker


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """A redis-server of the test's own, without persistence: a restart loses every message."""

    def __init__(self, tmp_path: Path):
        self.port = free_port()
        self.dir = tmp_path / "redis"
        self.dir.mkdir()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                                      "--save", "", "--appendonly", "no", "--dir", str(self.dir)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()


@pytest.fixture
def redis_server(tmp_path, redis_url):
    """(Asks for ``redis_url`` so that it skips or fails like every Redis test.)"""
    server = RedisServer(tmp_path)
    server.start()
    yield server
    if server.proc.poll() is None:
        server.kill()


# ---------------------------------------------------------------------------- the counts


def pending_offers(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(JobOffer)
                            .where(JobOffer.matching_status == MatchingStatus.PENDING.value)).scalar_one()


def matched_offers(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(JobOffer)
                            .where(JobOffer.matching_status == MatchingStatus.MATCHED.value)).scalar_one()


def unsent_mails(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(OutboxMail)
                            .where(OutboxMail.status != MailStatus.SENT.value)).scalar_one()


def wait_until(condition, *, timeout: float = 90.0, every: float = 0.2, between=None) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        if between:
            between()
        time.sleep(every)


def expected_recommendations(engine) -> set[tuple[int, int]]:
    """(seeker, offer) for every recommendable seeker's condition the offer satisfies, by the
    matchers' reference loop — what the pipeline must have delivered, no more, no less."""
    with engine.connect() as conn:
        conditions = conn.execute(select(*COLUMNS).join(Seeker, Seeker.id == Condition.seeker_id)
                                  .where(recommendable_clause())).all()
        offers = conn.execute(select(JobOffer)).all()
    reference = matchers.ReferenceMatcher([condition_value(c) for c in conditions])
    by_number = {o.job_number: o.id for o in offers}
    return {(m.seeker_id, by_number[m.job_number]) for o in offers for m in reference.match(offer_value(o))}


def add_saved_search(engine) -> tuple[int, int]:
    """A new saved search (介護) of the first open, valid seeker, committed as the site would:
    (seeker id, condition id)."""
    with session_scope(engine) as session:
        seeker_id = session.execute(select(Seeker.id).where(Seeker.account_state == "open",
                                                            Seeker.registration_status == "valid")).scalars().first()
        condition = Condition(seeker_id=seeker_id, kind="saved", keywords=["介護"])
        session.add(condition)
        session.flush()
        return seeker_id, condition.id


def candidate_pairs(engine) -> Counter:
    with engine.connect() as conn:
        return Counter(tuple(row) for row in conn.execute(
            select(RecommendationCandidate.seeker_id, RecommendationCandidate.job_offer_id)))


def choose(engine, settings, dispatcher=None) -> None:
    """Play the scheduler's recommendation round once every offer is matched, and hint the
    delivery of the digests it queued."""
    round_now(engine, settings)
    if dispatcher is not None:
        dispatcher.deliver_due_mail()


def expected_choice(engine, expected: set[tuple[int, int]], settings) -> Counter:
    """How many items one round must give each seeker: per employer at most the cap, in all at
    most the budget, out of the reference matcher's pairs."""
    with engine.connect() as conn:
        employer = dict(conn.execute(select(JobOffer.id, JobOffer.employer_name)).all())
    per_employer = Counter((seeker, employer[offer]) for seeker, offer in expected)
    allowed = Counter()
    for (seeker, _), n in per_employer.items():
        allowed[seeker] += min(n, settings.recommendations_per_employer)
    return Counter({seeker: min(n, settings.recommendations_per_day) for seeker, n in allowed.items()})


def assert_everything_delivered_exactly_once(engine, outbox_dir: Path, *, mails_per_day: int = 1,
                                             settings=None) -> None:
    """Every expected recommendation is a candidate once; one round chose for every seeker as
    many as the budget and the employer cap allow, each once, out of those; every inbox item is
    in at most one mail — the seekers' digests, at most ``mails_per_day`` a day, or left for
    tomorrow's when the day's were used up; every mail was sent, and is exactly one .eml file."""
    settings = settings or load_settings()
    expected = expected_recommendations(engine)
    candidates = candidate_pairs(engine)
    assert expected, "the data should produce recommendations"
    assert set(candidates) == expected and set(candidates.values()) <= {1}
    with session_scope(engine) as session:
        items = session.execute(select(InboxItem.id, InboxItem.seeker_id, InboxItem.job_offer_id,
                                       InboxItem.mailed_at)).all()
        mails = session.execute(select(OutboxMail)).scalars().all()
    pairs = Counter((i.seeker_id, i.job_offer_id) for i in items)
    assert set(pairs) <= expected and set(pairs.values()) <= {1}
    assert Counter(seeker for seeker, _ in pairs) == expected_choice(engine, expected, settings)
    digests = [m for m in mails if m.kind == "recommendations"]
    mailed = Counter(i for m in digests for i in m.context["inbox_item_ids"])
    assert set(mailed.values()) <= {1}
    per_seeker = Counter(m.context["seeker_id"] for m in digests)
    assert set(per_seeker.values()) <= set(range(1, mails_per_day + 1))
    for item in items:
        if item.id in mailed:
            assert item.mailed_at is not None
        else:
            assert item.mailed_at is None and per_seeker[item.seeker_id] == mails_per_day
    owner = {i.id: i.seeker_id for i in items}
    assert all(owner[i] == m.context["seeker_id"] for m in digests for i in m.context["inbox_item_ids"])
    assert {m.status for m in mails} == {MailStatus.SENT.value}
    files = sorted(p.name for p in outbox_dir.glob("*.eml"))
    assert files == sorted(eml_file_name(m.message_id) for m in mails)
    assert not list(outbox_dir.glob("*.partial"))


@pytest.fixture
def embedded(tmp_path, engine):
    """Settings for worker threads in the test process, on the ``engine`` fixture's database."""
    return load_settings(var_dir=tmp_path / "var", database_url=engine.url.render_as_string(hide_password=False),
                         redis_url=None, smtp_host=None, secret_key="test-secret-of-32-characters-256", digest_delay_s=0,
                         quiet_hours_start=0, quiet_hours_end=0)

"""The long-running commands as real processes: ``run`` on embedded defaults, the Procfile's
``worker`` and ``scheduler`` under honcho on Redis + PostgreSQL, and ``demo``."""

from __future__ import annotations

import email
import email.policy
import os
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlmodel import SQLModel

from worker.actors.broker import connect
from worker.config import load_settings
from worker.db import create_schema, make_engine
from worker.domain.models import JobOffer, RecommendationCandidate
from worker.seed.load import seed_database

CLI = [sys.executable, "-c", "import sys; from worker.cli import main; sys.exit(main())"]
ROOT = Path(__file__).resolve().parents[2]


class Log:
    def __init__(self, proc):
        self.proc, self.lines = proc, []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stderr:
            self.lines.append(line)

    def text(self) -> str:
        return "".join(self.lines)


def clean_env(**values) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MYPAGE_")}
    env.update(values)
    return env


def wait_until(condition, timeout=60.0, log: Log | None = None):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out" + (":\n" + log.text()[-3000:] if log else ""))
        time.sleep(0.2)


def scalar(engine, stmt):
    with engine.connect() as conn:
        return conn.execute(stmt).scalar_one()


def test_run_picks_up_what_was_left_pending_and_stops_gracefully_on_sigterm(tmp_path):
    url = f"sqlite:///{tmp_path / 'mypage.db'}"
    engine = make_engine(url)
    create_schema(engine)
    seed_database(engine, seekers=80, jobs=10, seed=3, new_jobs_pending=10)
    env = clean_env(MYPAGE_DATABASE_URL=url, MYPAGE_VAR_DIR=str(tmp_path / "var"),
                    MYPAGE_SECRET_KEY="test-secret-of-32-characters-256",
                    MYPAGE_QUIET_HOURS_START="0", MYPAGE_QUIET_HOURS_END="0", MYPAGE_DIGEST_DELAY_S="0")
    proc = subprocess.Popen([*CLI, "run", "--threads", "2"], env=env, stderr=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, text=True)
    log = Log(proc)
    try:
        wait_until(lambda: scalar(engine, select(func.count()).select_from(JobOffer)
                                  .where(JobOffer.matching_status == "pending")) == 0, log=log)
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
    assert code == 0, log.text()[-2000:]
    assert "stopping" in log.text()
    # The inbox items come from the scheduler's hourly round (tests/pipeline/test_periodic.py).
    assert scalar(engine, select(func.count()).select_from(RecommendationCandidate)) > 0


@pytest.mark.postgres
@pytest.mark.redis
def test_the_procfile_starts_worker_and_scheduler_under_honcho(request, redis_url, tmp_path):
    if shutil.which("honcho") is None or shutil.which("mypage-worker") is None:
        pytest.skip("honcho and the installed mypage-worker command are needed")
    engine = request.getfixturevalue("_postgresql_engine")
    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    seed_database(engine, seekers=60, jobs=5, seed=3, new_jobs_pending=5)
    env = clean_env(MYPAGE_DATABASE_URL=engine.url.render_as_string(hide_password=False), MYPAGE_REDIS_URL=redis_url,
                    MYPAGE_REDIS_NAMESPACE=f"test-{uuid.uuid4().hex[:8]}", MYPAGE_VAR_DIR=str(tmp_path / "var"),
                    MYPAGE_SECRET_KEY="test-secret-of-32-characters-256", MYPAGE_WORKER_PROCESSES="1", MYPAGE_WORKER_THREADS="2")
    proc = subprocess.Popen(["honcho", "start", "-f", str(ROOT / "Procfile"), "-d", str(tmp_path)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    log = Log(type("P", (), {"stderr": proc.stdout})())
    try:
        wait_until(lambda: "condition index ready" in log.text() and "scheduler" in log.text()
                   and "started with" in log.text(), log=log)
        settings = load_settings(**{k.removeprefix("MYPAGE_").lower(): v for k, v in env.items()
                                    if k.startswith("MYPAGE_")})
        with engine.connect() as conn:
            pending = list(conn.execute(select(JobOffer.id)).scalars())
        connect(settings).match_job_offers(pending)
        wait_until(lambda: scalar(engine, select(func.count()).select_from(JobOffer)
                                  .where(JobOffer.matching_status == "pending")) == 0, log=log)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
    assert "Killing worker process" not in log.text()
    assert "stopping the scheduler" in log.text()


def test_the_demo_tells_the_story_in_an_empty_directory_and_runs_again(tmp_path):
    env = clean_env()
    for run in (1, 2):
        done = subprocess.run([*CLI, "demo"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-3000:]
        assert "the My Page is open" in done.stdout and "おすすめ求人" in done.stdout
    subjects = [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)["Subject"]
                for path in (tmp_path / "var" / "outbox").glob("*.eml")]
    assert sum("パスワード登録" in s for s in subjects) == 2  # one seeker opened a My Page per run
    assert any("おすすめ求人" in s for s in subjects)
    # Addresses, names and 認証キー live in these files: the owner's only.
    var = tmp_path / "var"
    owner_only = [var / "mypage.db", var / "secret_key", *(var / "outbox").glob("*.eml")]
    assert {path.name: stat.S_IMODE(path.stat().st_mode) for path in owner_only} == {p.name: 0o600 for p in owner_only}
    assert stat.S_IMODE(var.stat().st_mode) == stat.S_IMODE((var / "outbox").stat().st_mode) == 0o700


@pytest.mark.slow
def test_two_demos_started_together_on_a_fresh_directory_both_tell_the_story(tmp_path):
    """The second seeded the same numbers, or completed its seeker with the other's key, and
    ended in a traceback; now it waits for the first one's turn to end."""
    env = clean_env()
    procs = [subprocess.Popen([*CLI, "demo"], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    outcomes = [proc.communicate(timeout=240) for proc in procs]
    for proc, (out, err) in zip(procs, outcomes):
        assert proc.returncode == 0 and "Traceback" not in err, err[-3000:]
        assert "the My Page is open" in out
    subjects = [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)["Subject"]
                for path in (tmp_path / "var" / "outbox").glob("*.eml")]
    assert sum("パスワード登録" in s for s in subjects) == 2


@pytest.mark.slow
def test_two_runs_started_together_on_a_fresh_directory_both_start_quietly_and_stop(tmp_path):
    """Both migrate the same new SQLite file (one waits for the other's lock); a normal start
    says it is running and nothing from Alembic or APScheduler at INFO."""
    env = clean_env(MYPAGE_WORKER_THREADS="1")
    for round_ in range(3):
        directory = tmp_path / f"fresh{round_}"
        directory.mkdir()
        procs = [subprocess.Popen([*CLI, "run"], cwd=directory, env=env, stderr=subprocess.PIPE,
                                  stdout=subprocess.DEVNULL, text=True) for _ in range(2)]
        logs = [Log(proc) for proc in procs]
        try:
            for proc, log in zip(procs, logs):
                wait_until(lambda: "is running" in log.text() or proc.poll() is not None, log=log)
        finally:
            for proc in procs:
                proc.send_signal(signal.SIGTERM)
            codes = [proc.wait(timeout=60) for proc in procs]
        text_ = "".join(log.text() for log in logs)
        assert codes == [0, 0], text_[-3000:]
        assert "Traceback" not in text_ and "already exists" not in text_
        info = [line for line in text_.splitlines() if " INFO " in line]
        assert not [line for line in info if " alembic" in line or " apscheduler" in line], info
        assert stat.S_IMODE((directory / "var" / "mypage.db").stat().st_mode) == 0o600

"""Migrating from code: processes that upgrade the same fresh database at once all succeed, one
after the other under the migration lock (PostgreSQL advisory lock, SQLite file lock)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest
from sqlalchemy import text

from worker.db import make_engine
from worker.migrate import current_revision, head_revision

UPGRADERS = 3
ROUNDS = 3

# Each process imports first and says so, then waits on its stdin: closed together, they collide.
UPGRADER = """
import sys
from worker.migrate import upgrade
print("ready", flush=True)
sys.stdin.read()
upgrade(sys.argv[1])
"""


def upgrade_at_once(url: str) -> list[tuple[int, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MYPAGE_")}
    procs = [subprocess.Popen([sys.executable, "-c", UPGRADER, url], env=env, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(UPGRADERS)]
    for proc in procs:
        assert proc.stdout.readline() == "ready\n"
    for proc in procs:
        proc.stdin.close()
    return [(proc.wait(timeout=120), proc.stderr.read()) for proc in procs]


def at_head(url: str) -> bool:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return current_revision(conn) == head_revision()
    finally:
        engine.dispose()


@pytest.mark.slow
def test_upgrades_of_a_fresh_sqlite_file_started_together_all_succeed(tmp_path):
    for round_ in range(ROUNDS):
        url = f"sqlite:///{tmp_path / f'fresh{round_}.db'}"
        outcomes = upgrade_at_once(url)
        assert [code for code, _ in outcomes] == [0] * UPGRADERS, [err[-1500:] for _, err in outcomes]
        assert at_head(url)


@pytest.mark.slow
@pytest.mark.postgres
def test_upgrades_of_a_fresh_postgresql_database_started_together_all_succeed(postgres_url):
    admin = make_engine(postgres_url, isolation_level="AUTOCOMMIT")
    try:
        for _ in range(ROUNDS):
            name = f"mypage_migrate_{uuid.uuid4().hex[:8]}"
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            url = postgres_url.rsplit("/", 1)[0] + f"/{name}"
            try:
                outcomes = upgrade_at_once(url)
                assert [code for code, _ in outcomes] == [0] * UPGRADERS, [err[-1500:] for _, err in outcomes]
                assert at_head(url)
            finally:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()

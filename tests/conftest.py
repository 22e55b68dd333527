"""Shared fixtures: databases (SQLite and PostgreSQL), Redis, and the rule for real services —
a test needing a service skips with the reason when it is unreachable locally, and fails
under ``CI=true``."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from worker.db import create_schema, make_engine

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
POSTGRES_ADMIN_URL = os.environ.get("MYPAGE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("MYPAGE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

# Hypothesis: the same examples on every run and every machine ("ci", the default), so a result
# never depends on a seed or on an example database left by an earlier run. Explore with new
# random examples on purpose: HYPOTHESIS_PROFILE=explore.
hypothesis_settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True)
hypothesis_settings.register_profile("explore", deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def require_service(name: str, host: str, port: int) -> None:
    """Skip (locally) or fail (in CI) when a service does not answer on host:port."""
    try:
        with socket.create_connection((host, port), timeout=2):
            return
    except OSError as exc:
        reason = f"{name} is not reachable on {host}:{port} ({exc})"
        if IN_CI:
            pytest.fail(f"{reason}; CI=true requires it")
        pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped at the end, so parallel
    test runs never see each other's rows."""
    require_service("PostgreSQL", "127.0.0.1", 5432)
    name = f"mypage_test_{uuid.uuid4().hex[:10]}"
    admin = make_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def _postgresql_engine(postgres_url) -> Iterator[Engine]:
    engine = make_engine(postgres_url)
    create_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def _sqlite_engine(tmp_path_factory) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}")
    create_schema(engine)
    yield engine
    engine.dispose()


def _empty_all_tables(engine: Engine) -> None:
    tables = list(reversed(SQLModel.metadata.sorted_tables))
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request) -> Iterator[Engine]:
    """The schema on SQLite and on PostgreSQL: every test using it runs on both, on empty tables."""
    engine = request.getfixturevalue(f"_{request.param}_engine")
    _empty_all_tables(engine)
    yield engine


@pytest.fixture
def session(engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def redis_url() -> str:
    """A Redis database (number 15) for tests, flushed before each test."""
    require_service("Redis", "127.0.0.1", 6379)
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    client.close()
    return REDIS_URL

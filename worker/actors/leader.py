"""One scheduler acts at a time: a leader lock, renewed while the scheduler runs.

- Redis (when configured): ``SET key token NX PX ttl``, renewed by a script that extends the
  key only while it still holds our token; released the same way. A leader that cannot reach
  Redis keeps acting until its last renewal's TTL runs out — after that another may take over.
- PostgreSQL without Redis: a session-level advisory lock, held by one dedicated connection.
- SQLite (embedded, one process): no lock; the tick table alone keeps each tick to one run.

The lock avoids double work; it is not what makes a tick run once — the ``scheduler_tick``
table is. Two leaders for a moment (a Redis restart, a network split) therefore cost nothing.
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from worker.config import Settings

log = logging.getLogger(__name__)

LOCK_NAME = "mypage-worker:scheduler"
ADVISORY_KEY = 0x6D79706167  # "mypag"


class LeaderLock(Protocol):
    renew_every_s: float

    def acquire(self) -> bool:
        """Become or stay the leader; True while we are."""

    def release(self) -> None: ...


class RedisLeaderLock:
    _RENEW = """if redis.call('get', KEYS[1]) == ARGV[1] then
                  return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end"""
    _RELEASE = """if redis.call('get', KEYS[1]) == ARGV[1] then
                    return redis.call('del', KEYS[1]) else return 0 end"""

    def __init__(self, url: str, *, key: str = LOCK_NAME, ttl_ms: int = 30_000):
        import redis

        self._errors = redis.RedisError
        self.client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self.key, self.ttl_ms = key, ttl_ms
        self.token = uuid.uuid4().hex
        self.renew_every_s = ttl_ms / 3000
        self._valid_until = 0.0

    def acquire(self) -> bool:
        started = time.monotonic()
        try:
            held = bool(self.client.set(self.key, self.token, nx=True, px=self.ttl_ms)) or \
                bool(self.client.eval(self._RENEW, 1, self.key, self.token, self.ttl_ms))
        except self._errors:
            log.warning("the scheduler lock in Redis cannot be reached")
            return time.monotonic() < self._valid_until
        self._valid_until = started + self.ttl_ms / 1000 if held else 0.0
        return held

    def release(self) -> None:
        try:
            self.client.eval(self._RELEASE, 1, self.key, self.token)
        except self._errors:
            pass
        self._valid_until = 0.0
        self.client.close()


class PostgresLeaderLock:
    def __init__(self, engine: Engine, *, key: int = ADVISORY_KEY):
        self.engine, self.key = engine, key
        self.renew_every_s = 10.0
        self._conn: Connection | None = None

    def acquire(self) -> bool:
        try:
            if self._conn is None:
                conn = self.engine.connect()
                got = conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}).scalar()
                conn.commit()
                if not got:
                    conn.close()
                    return False
                self._conn = conn
                return True
            self._conn.execute(text("SELECT 1"))  # the lock lives as long as this connection
            self._conn.commit()
            return True
        except DBAPIError:
            log.warning("lost the scheduler's advisory lock connection")
            self._discard()
            return False

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
                self._conn.commit()
            except DBAPIError:
                pass
            self._discard()

    def _discard(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:
                pass
            self._conn = None


class NoLock:
    """Embedded mode: one process, the tick table is enough."""

    renew_every_s = 60.0

    def acquire(self) -> bool:
        return True

    def release(self) -> None:
        return None


def leader_lock(settings: Settings, engine: Engine) -> LeaderLock:
    if settings.redis_url:
        return RedisLeaderLock(settings.redis_url, key=f"{settings.redis_namespace}:{LOCK_NAME}")
    if engine.dialect.name == "postgresql":
        return PostgresLeaderLock(engine)
    return NoLock()

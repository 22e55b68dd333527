"""Settings: one object, read from ``MYPAGE_*`` environment variables when the program starts.

Nothing here runs at import time; call :func:`load_settings` (the CLI does it once) and pass the
object down. Defaults are the embedded ones a laptop needs: SQLite under ``./var``, an
in-process broker, mails written as ``.eml`` files under ``./var/outbox``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from worker.domain import clock
from worker.secret_key import MIN_SECRET_KEY_LENGTH, read_or_create_secret_key

DEFAULT_SENDER = "system@mail.hellowork.mhlw.go.jp"
USABLE_DATABASE_DRIVERS = {"postgresql", "postgresql+psycopg", "sqlite", "sqlite+pysqlite"}

# The replies one send may wait on when it opens its connection, each bounded by
# MYPAGE_SMTP_TIMEOUT_S (aiosmtplib 5): TCP connect 1, banner 1, EHLO and its HELO fallback 2,
# STARTTLS and the TLS handshake 2, EHLO and HELO again 2, AUTH trying CRAM-MD5 (2), PLAIN (1)
# then LOGIN (3) 6, MAIL 1, RCPT 1, DATA and the end of data 2.
SEND_ROUND_TRIPS = 18
# …plus one timeout to compose a round before, and one to record the outcome after.
MIN_LEASE_TIMEOUTS = SEND_ROUND_TRIPS + 2


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MYPAGE_", extra="ignore")

    var_dir: Path = Field(Path("var"), description="Where embedded defaults keep their files")
    database_url: str | None = Field(None, description="SQLAlchemy URL; unset = SQLite file under var_dir")
    redis_url: str | None = Field(None, description="Redis for the dramatiq broker; unset = in-process broker")
    redis_namespace: str = Field("mypage", description="Prefix of the broker's Redis keys")

    smtp_host: str | None = Field(None, description="SMTP server; unset = .eml files under var_dir/outbox")
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_tls: Literal["none", "starttls", "tls"] = "starttls"
    smtp_timeout_s: float = Field(30.0, gt=0)

    mail_lease_s: float = Field(600.0, gt=0, description="How long a claimed mail stays ours before a sweeper re-queues it")
    mail_retry_base_s: float = Field(60.0, gt=0, description="First retry delay after a transient failure; doubles each time")
    mail_retry_cap_s: float = Field(3600.0, gt=0, description="Longest retry delay")
    mail_max_attempts: int = Field(8, ge=1, description="Attempts before a transiently failing mail is failed for good")

    mail_from: str = DEFAULT_SENDER
    mail_from_name: str = "ハローワークインターネットサービス"
    site_url: str = "https://www.hellowork.mhlw.go.jp"
    timezone: str = Field(clock.ZONE_NAME, description="Only Asia/Tokyo: the rules count days in Japan")

    secret_key: str | None = Field(
        None, description="Derives 認証キー; unset = a random key kept in var_dir/secret_key"
    )

    recommendation_mails_per_day: int = Field(1, ge=0)
    digest_delay_s: float = Field(
        300.0, ge=0, description="A new recommendation digest waits this long for more offers before it may be sent")
    quiet_hours_start: int = Field(21, ge=0, le=23, description="No recommendation mail from this JST hour…")
    quiet_hours_end: int = Field(8, ge=0, le=23, description="…until this JST hour")

    notice_approval_threshold: int = Field(
        1000, ge=0, description="A console notice reaching more seekers than this needs a second operator's approval")
    recommendations_per_day: int = Field(10, ge=0, description="New おすすめ求人 per seeker per JST day")
    recommendations_per_employer: int = Field(
        2, ge=1, description="New おすすめ求人 from one employer per seeker per JST day")
    candidate_days: int = Field(7, ge=1, description="A match not chosen may still be chosen for this many days")
    candidates_per_day: int = Field(
        30, ge=0, description="Matches stored per seeker per JST day: a match with this many of the day's matches "
                              "ranked above it (at most recommendations_per_employer counted per employer) is not "
                              "stored (worker.pipeline.shortlist); 0 = store every match")
    inbox_days: int = Field(30, ge=1, description="An おすすめ求人 leaves the inbox after this many days")
    round_seekers: int = Field(
        50_000, ge=1, description="A round chooses for this many seeker ids at a time, each window in its own "
                                  "transaction: memory follows the window, not the country")
    round_processes: int = Field(
        1, ge=1, description="Processes a round's seeker windows are shared between (PostgreSQL): choosing and "
                             "explaining is Python work, one core per process")
    round_hours: str = Field("8-20", pattern=r"^[0-9*/,\-]+$",
                             description="JST hours (cron syntax) at which a recommendation round runs")

    index_shards: int = Field(
        1, ge=1, description="Shards of the condition index; a seeker's conditions live in shard "
                             "stable_hash(seeker id) mod this (worker.pipeline.shards)")
    worker_shards: str | None = Field(
        None, pattern=r"^\s*[0-9]+(\s*,\s*[0-9]+)*\s*$",
        description="The shards this worker holds, 'I' or 'I,J' (set by `worker --shard`); unset = none "
                    "when index_shards > 1")
    worker_processes: int = Field(2, ge=1)
    worker_threads: int = Field(4, ge=1)
    prometheus_port: int | None = None

    @field_validator("secret_key")
    @classmethod
    def _long_enough(cls, value: str | None) -> str | None:
        # Set but empty counts as set: falling back to the key file would hide the mistake.
        if value is not None and len(value.strip()) < MIN_SECRET_KEY_LENGTH:
            raise ValueError(f"must be at least {MIN_SECRET_KEY_LENGTH} characters (a short key makes every "
                             "認証キー guessable from a copy of the database)")
        return value

    @field_validator("database_url")
    @classmethod
    def _a_database_this_worker_uses(cls, value: str | None) -> str | None:
        # Checked here, once, so that no command gets as far as a driver's traceback (a port that
        # is no number, a driver that is not installed). The message never holds the URL: it may
        # hold a password. Set but empty means unset, as it always has (embedded SQLite).
        if not value:
            return value
        from sqlalchemy.engine.url import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            drivername = make_url(value).drivername
        except (ArgumentError, ValueError):
            drivername = None
        if drivername not in USABLE_DATABASE_DRIVERS:
            raise ValueError("not a database URL this worker can use (PostgreSQL with psycopg: "
                             "postgresql://user@host/db; SQLite: sqlite:///var/mypage.db)")
        return value

    @field_validator("redis_url")
    @classmethod
    def _a_redis_url(cls, value: str | None) -> str | None:
        if not value:  # set but empty: the in-process broker, as when unset
            return value
        from redis.connection import parse_url

        try:
            parse_url(value)
        except ValueError:
            raise ValueError("not a Redis URL (redis://host:6379/0, rediss://… or unix:///path)") from None
        return value

    @field_validator("timezone")
    @classmethod
    def _the_one_clock(cls, value: str) -> str:
        # One clock (worker.domain.clock): the date rules, the quiet hours and the dates in mails
        # all count in Japan; a second zone for some of them would split a day in two.
        if value != clock.ZONE_NAME:
            raise ValueError(f"only {clock.ZONE_NAME} is supported: the rules count days in Japan")
        return value

    @model_validator(mode="after")
    def _check(self) -> "Settings":
        # A lease shorter than one send would let the sweeper hand a mail to a second worker while
        # the first is still sending it. Delivery renews the lease before a send that might not
        # fit and never starts one that cannot, so the lease must hold one worst-case send.
        if any(i >= self.index_shards for i in self._named_shards()):
            raise ValueError(f"MYPAGE_WORKER_SHARDS names a shard outside 0–{self.index_shards - 1} "
                             f"(MYPAGE_INDEX_SHARDS is {self.index_shards})")
        if self.mail_lease_s < self.min_mail_lease_s:
            raise ValueError(f"mail_lease_s must be at least {MIN_LEASE_TIMEOUTS} × smtp_timeout_s "
                             f"({self.min_mail_lease_s:g} s): one send on a fresh connection may wait on "
                             f"{SEND_ROUND_TRIPS} replies, each up to the timeout")
        return self

    @property
    def own_shards(self) -> tuple[int, ...]:
        """The shards whose conditions this process holds: the one index when there are no
        shards; with shards, those named by ``worker_shards`` (none: a process for the other
        queues, which holds no conditions)."""
        if self.index_shards == 1:
            return (0,)
        return self._named_shards()

    def _named_shards(self) -> tuple[int, ...]:
        if not self.worker_shards:
            return ()
        return tuple(sorted({int(part) for part in self.worker_shards.split(",")}))

    @property
    def min_mail_lease_s(self) -> float:
        return MIN_LEASE_TIMEOUTS * self.smtp_timeout_s

    @property
    def tz(self) -> ZoneInfo:
        """The one clock's zone (``worker.domain.clock.JST``)."""
        return clock.JST

    @property
    def outbox_dir(self) -> Path:
        return self.var_dir / "outbox"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.var_dir / 'mypage.db'}"

    @property
    def uses_file_outbox(self) -> bool:
        return not self.smtp_host

    def effective_secret_key(self) -> bytes:
        """The key 認証キー are derived from. Generated once per var_dir when unset (see
        :mod:`worker.secret_key`: atomic, owner-only, never short)."""
        if self.secret_key is not None:
            return self.secret_key.strip().encode()
        return read_or_create_secret_key(self.var_dir / "secret_key")

    def make_var_dir(self) -> Path:
        """``var_dir``, created readable by the owner only: it holds the SQLite file, the key and
        the ``.eml`` files (addresses and 認証キー)."""
        self.var_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        if self.var_dir.stat().st_mode & 0o077:  # made before this rule, or by hand
            self.var_dir.chmod(0o700)
        return self.var_dir


class SettingsError(ValueError):
    """Settings that cannot be used; the message is one line a person can act on."""


def load_settings(**overrides) -> Settings:
    """Build the settings from the environment (plus explicit overrides, for tests and the CLI).
    Raises :class:`SettingsError` naming the variable and the reason (never its value: it may be
    a password or the secret key)."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise SettingsError("; ".join(_one_line(error) for error in exc.errors())) from None


def _one_line(error) -> str:
    field = error["loc"][0] if error["loc"] else None
    name = f"MYPAGE_{str(field).upper()}" if field else "settings"
    return f"{name}: {error['msg'].removeprefix('Value error, ')}"

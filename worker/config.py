"""Settings: one object, read from ``MYPAGE_*`` environment variables when the program starts.

Nothing here runs at import time; call :func:`load_settings` (the CLI does it once) and pass the
object down. Defaults are the embedded ones a laptop needs: SQLite under ``./var``, an
in-process broker, mails written as ``.eml`` files under ``./var/outbox``.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SENDER = "system@mail.hellowork.mhlw.go.jp"

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
    timezone: str = "Asia/Tokyo"

    secret_key: str | None = Field(
        None, description="Derives 認証キー; unset = a random key kept in var_dir/secret_key"
    )

    recommendation_mails_per_day: int = Field(1, ge=0)
    digest_delay_s: float = Field(
        300.0, ge=0, description="A new recommendation digest waits this long for more offers before it may be sent")
    quiet_hours_start: int = Field(21, ge=0, le=23, description="No recommendation mail from this JST hour…")
    quiet_hours_end: int = Field(8, ge=0, le=23, description="…until this JST hour")

    worker_processes: int = Field(2, ge=1)
    worker_threads: int = Field(4, ge=1)
    prometheus_port: int | None = None

    @model_validator(mode="after")
    def _check(self) -> "Settings":
        ZoneInfo(self.timezone)  # raises for an unknown zone
        # A lease shorter than one send would let the sweeper hand a mail to a second worker while
        # the first is still sending it. Delivery renews the lease before a send that might not
        # fit and never starts one that cannot, so the lease must hold one worst-case send.
        if self.mail_lease_s < self.min_mail_lease_s:
            raise ValueError(f"mail_lease_s must be at least {MIN_LEASE_TIMEOUTS} × smtp_timeout_s "
                             f"({self.min_mail_lease_s:g} s): one send on a fresh connection may wait on "
                             f"{SEND_ROUND_TRIPS} replies, each up to the timeout")
        return self

    @property
    def min_mail_lease_s(self) -> float:
        return MIN_LEASE_TIMEOUTS * self.smtp_timeout_s

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

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
        """The key 認証キー are derived from. Generated once per var_dir when unset."""
        if self.secret_key:
            return self.secret_key.encode()
        path = self.var_dir / "secret_key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_hex(32))
            path.chmod(0o600)
        return path.read_text().strip().encode()


def load_settings(**overrides) -> Settings:
    """Build the settings from the environment (plus explicit overrides, for tests and the CLI)."""
    return Settings(**overrides)

"""A circuit breaker per relay: when the relay is down, refusing connections or answering 421,
every mail would fail the same way, so nobody tries again until the relay's backoff has passed.

The state lives in the process (one breaker per relay, shared by its threads), not in the
database: it describes the relay, not a mail, and keeping it in memory costs no write per batch.
With several worker processes each probes the relay at most once per backoff period, so the
connections a down relay sees stay bounded by the number of processes. The mails themselves only
wait: they are released uncharged (see ``worker.mail.delivery``), and none fails because the
relay was unavailable.

The backoff is the mails' own: ``MYPAGE_MAIL_RETRY_BASE_S`` doubling up to
``MYPAGE_MAIL_RETRY_CAP_S``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from worker.config import Settings


@dataclass
class _State:
    failures: int = 0  # in a row, since the relay last took a mail
    closed_until: datetime | None = None  # no one tries before this


class RelayBreaker:
    """One relay's breaker. ``allow`` lets one caller probe once the backoff has passed; the
    others keep waiting until that probe succeeds (``succeeded``) or fails (``failed``)."""

    def __init__(self, base_s: float, cap_s: float):
        self.base_s, self.cap_s = base_s, cap_s
        self._state = _State()
        self._lock = threading.Lock()

    def allow(self, now: datetime) -> bool:
        with self._lock:
            state = self._state
            if state.closed_until is not None and now < state.closed_until:
                return False
            if state.failures:
                # Half-open: this caller probes; the others wait as if the probe were failing.
                state.closed_until = now + self._backoff(state.failures)
            return True

    def failed(self, now: datetime) -> datetime:
        """The relay was unavailable; returns when it may be tried again."""
        with self._lock:
            state = self._state
            state.failures += 1
            state.closed_until = now + self._backoff(state.failures)
            return state.closed_until

    def succeeded(self) -> None:
        with self._lock:
            self._state = _State()

    @property
    def failures(self) -> int:
        return self._state.failures

    def _backoff(self, failures: int) -> timedelta:
        return timedelta(seconds=min(self.base_s * 2 ** min(failures - 1, 32), self.cap_s))


_BREAKERS: dict[str, RelayBreaker] = {}
_REGISTRY_LOCK = threading.Lock()


def relay_key(settings: Settings) -> str:
    if settings.uses_file_outbox:
        return f"file:{settings.outbox_dir}"
    return f"smtp:{settings.smtp_host}:{settings.smtp_port}"


def breaker_for(settings: Settings) -> RelayBreaker:
    """The process's breaker for the relay ``settings`` name."""
    key = relay_key(settings)
    with _REGISTRY_LOCK:
        breaker = _BREAKERS.get(key)
        if breaker is None:
            breaker = _BREAKERS[key] = RelayBreaker(settings.mail_retry_base_s, settings.mail_retry_cap_s)
        return breaker


def forget_relays() -> None:
    """Close every breaker (a test starting on a fresh server, or an operator's fix)."""
    with _REGISTRY_LOCK:
        _BREAKERS.clear()

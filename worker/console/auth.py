"""Sessions, CSRF, roles and login throttling of the console.

The session is Starlette's signed cookie (itsdangerous), HttpOnly and SameSite=Lax, under a key
derived from the worker's secret key; it holds the staff id, the CSRF token and the time of the
last request — a session idle for longer than ``IDLE_TIMEOUT_S`` is over. Every request re-reads
the account, so disabling it ends its sessions at once, and the account's last logout, so a
cookie kept from before a logout (on this browser or another) is worth nothing."""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from worker.config import Settings
from worker.db import session_scope
from worker.domain.models import utcnow
from worker.services.audit import last_logout, record
from worker.services.staff import active_staff, role_allows

log = logging.getLogger(__name__)

SESSION_COOKIE = "mypage_console"
IDLE_TIMEOUT_S = 30 * 60
CSRF_FIELD = "csrf_token"


def session_secret(settings: Settings) -> str:
    """A key of its own for the session cookie, derived from (never equal to) the secret key."""
    return hmac.new(settings.effective_secret_key(), b"mypage-worker console session", hashlib.sha256).hexdigest()


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


async def checked_form(request: Request):
    """The submitted form, after checking its CSRF token against the session's (403 otherwise)."""
    form = await request.form()
    expected, sent = request.session.get("csrf") or "", form.get(CSRF_FIELD) or ""
    if not expected or not isinstance(sent, str) or not hmac.compare_digest(expected, sent):
        raise HTTPException(403, "フォームの有効期限が切れたか、不正な送信です。ページを読み込み直してください。")
    return form


@dataclass(frozen=True)
class Staff:
    id: int
    name: str
    role: str

    def may(self, role: str) -> bool:
        return role_allows(self.role, role)


def log_in(request: Request, staff_id: int) -> None:
    request.session.clear()  # a new session: nothing chosen before the login survives it
    now = time.time()
    request.session.update({"staff_id": staff_id, "since": now, "seen": int(now), "csrf": secrets.token_urlsafe(32)})


def _current(request: Request, activity: bool = True) -> Staff | None:
    staff_id, seen = request.session.get("staff_id"), request.session.get("seen", 0)
    if not staff_id:
        return None
    if time.time() - seen > IDLE_TIMEOUT_S:
        request.session.clear()
        return None
    with Session(request.app.state.engine) as session:
        account = active_staff(session, staff_id)
        logged_out = last_logout(session, staff_id) if account is not None else None
        if account is None or (logged_out is not None and logged_out.timestamp() >= request.session.get("since", 0)):
            request.session.clear()
            return None
        staff = Staff(account.id, account.name, account.role)
    if activity:
        request.session["seen"] = int(time.time())
    return staff


def page(role: str = "viewer", *, activity: bool = True) -> Callable:
    """An endpoint that needs a login (else a redirect to /login) and ``role`` (else 403).
    ``activity=False`` for what the page's script fetches by itself (the dashboard's refresh, a
    batch's progress): a console left open on a screen still ends after the idle timeout."""

    def decorate(endpoint: Callable[[Request, Staff], Awaitable[Response]]):
        @functools.wraps(endpoint)
        async def wrapper(request: Request) -> Response:
            staff = await run_in_threadpool(_current, request, activity)
            if staff is None:
                return RedirectResponse("/login", status_code=303)
            if not staff.may(role):  # recorded: an insider trying pages beyond their role is worth knowing
                await run_in_threadpool(_record_denied, request, staff, role)
                raise HTTPException(403, "この操作を行う権限がありません。")
            request.state.staff = staff
            return await endpoint(request, staff)

        return wrapper

    return decorate


def _record_denied(request: Request, staff: Staff, needed: str) -> None:
    with session_scope(request.app.state.engine) as session:
        record(session, staff_id=staff.id, action="denied", summary=f"権限のない操作（{needed} が必要）",
               details={"method": request.method, "path": request.url.path, "role": staff.role, "needed": needed},
               now=utcnow())


@dataclass
class LoginThrottle:
    """Failed logins counted per name and per client: after ``free`` failures within ``window_s``
    each further attempt must wait, twice as long each time up to ``cap_s``. Keyed by what was
    typed, so it behaves the same for names that exist and names that do not."""

    free: int = 5
    base_s: float = 2.0
    cap_s: float = 300.0
    window_s: float = 900.0
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, list[float]] = field(default_factory=dict)

    def wait_s(self, *keys: str) -> float:
        now = self.clock()
        longest = 0.0
        for key in keys:
            recent = [t for t in self._failures.get(key, ()) if now - t < self.window_s]
            if not recent:  # forgotten: names typed once do not pile up in memory
                self._failures.pop(key, None)
                continue
            self._failures[key] = recent
            if len(recent) >= self.free:
                delay = min(self.cap_s, self.base_s * 2 ** (len(recent) - self.free))
                longest = max(longest, recent[-1] + delay - now)
        return max(0.0, longest)

    def failed(self, *keys: str) -> None:
        now = self.clock()
        for key in keys:
            self._failures.setdefault(key, []).append(now)

    def succeeded(self, name: str, *others: str) -> None:
        """The attempt counted by ``failed`` was a success: the name's failures are forgiven, and
        the attempt is taken back from the other keys (the client's earlier failures stay)."""
        self._failures.pop(name, None)
        for key in others:
            if self._failures.get(key):
                self._failures[key].pop()


def name_key(name: str, settings: Settings) -> str:
    """How a typed name appears in the throttle, the log and the audit log: a short keyed hash,
    never the name. Keyed, because staff names are few and guessable, and a password typed into
    the name field by mistake must not be recoverable by hashing guesses."""
    digest = hmac.new(session_secret(settings).encode(), name.strip().lower().encode(), hashlib.sha256)
    return "name:" + digest.hexdigest()[:12]


def client_key(request: Request) -> str:
    return "client:" + (request.client.host if request.client else "unknown")

"""/login, /logout and /healthz — the only pages without a login."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import text
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from worker.console.auth import checked_form, client_key, log_in, name_key, page
from worker.console.rendering import render
from worker.db import session_scope
from worker.domain.models import utcnow
from worker.services.audit import record
from worker.services.staff import authenticate

log = logging.getLogger(__name__)
FAILED = "職員名またはパスワードが正しくありません。"


async def login_form(request: Request) -> Response:
    return render(request, "login.html", error=None)


async def login(request: Request) -> Response:
    form = await checked_form(request)
    name, password = str(form.get("username") or ""), str(form.get("password") or "")
    throttle = request.app.state.throttle
    keys = (name_key(name, request.app.state.settings), client_key(request))
    wait = throttle.wait_s(*keys)
    if wait > 0:
        log.warning("console login refused while slowed down (%s, %s, %.0f s to wait)", *keys, wait)
        return render(request, "login.html", status_code=429,
                      error=f"ログインの失敗が続いたため、{int(wait) + 1}秒後にもう一度お試しください。")
    # Counted as a failure before the password is checked, with no await in between: guesses
    # sent in parallel see each other instead of all passing the check above at once.
    throttle.failed(*keys)
    staff = await run_in_threadpool(_authenticate, request.app.state.engine, name, password, keys)
    if staff is None:
        log.warning("console login failed (%s, %s)", *keys)
        await asyncio.sleep(0.2)  # a floor under every failure, whatever made it fail
        return render(request, "login.html", status_code=401, error=FAILED)
    throttle.succeeded(*keys)
    log_in(request, staff)
    return RedirectResponse("/", status_code=303)


def _authenticate(engine, name: str, password: str, keys: tuple[str, str]) -> int | None:
    now = utcnow()
    with session_scope(engine) as session:
        account = authenticate(session, name=name, password=password, now=now)
        if account is None:
            record(session, staff_id=None, action="login.failed", summary="ログイン失敗",
                   details={"name": keys[0], "client": keys[1]}, now=now)
            return None
        record(session, staff_id=account.id, action="login", summary="ログイン", details={"client": keys[1]}, now=now)
        return account.id


@page("viewer")
async def logout(request: Request, staff) -> Response:
    await checked_form(request)
    await run_in_threadpool(_record_logout, request.app.state.engine, staff.id)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


def _record_logout(engine, staff_id: int) -> None:
    with session_scope(engine) as session:
        record(session, staff_id=staff_id, action="logout", summary="ログアウト", now=utcnow())


async def healthz(request: Request) -> Response:
    def ping() -> None:
        with request.app.state.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    try:
        await run_in_threadpool(ping)
    except Exception as exc:  # noqa: BLE001 - any database failure is "not healthy"
        return JSONResponse({"status": "unhealthy", "database": type(exc).__name__}, status_code=503)
    return JSONResponse({"status": "ok"})


routes = [
    Route("/login", login_form, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/healthz", healthz, methods=["GET"]),
]

"""The console application: routes from ``worker.console.pages``, the signed session cookie,
security headers, error pages, and the state the pages share (settings, engine, broker,
batch runner, login throttle)."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from worker.config import Settings
from worker.console.auth import IDLE_TIMEOUT_S, SESSION_COOKIE, LoginThrottle, session_secret
from worker.console.jobs import BatchRunner
from worker.console.pages import audit, batches, dashboard, login, mails, notices, seekers, staff
from worker.console.rendering import render

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
# Mail previews are shown in sandboxed iframes (srcdoc), which need inline styles; no page runs
# inline script, and nothing is loaded from anywhere but the console itself.
SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                                 b"img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
]


class SecurityHeaders:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                names = {name for name, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [h for h in SECURITY_HEADERS if h[0] not in names]
            await send(message)

        await self.app(scope, receive, with_headers)


MAX_BODY_BYTES = 1024 * 1024  # a notice of some 100,000 Japanese characters, URL-encoded
TOO_LARGE = "送信された内容が大きすぎます（上限 1 MiB）。"


class BodyLimit:
    """Refuses a request body over ``MAX_BODY_BYTES`` (413) before it is read into memory: the
    form parser keeps every field, and the login form is open to anyone."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > MAX_BODY_BYTES:
            return await PlainTextResponse(TOO_LARGE, status_code=413)(scope, receive, send)
        received = 0

        async def counted() -> dict:  # a body sent in chunks, without a length, is counted as it comes
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > MAX_BODY_BYTES:
                raise HTTPException(413, TOO_LARGE)
            return message

        await self.app(scope, counted, send)


async def _http_error(request: Request, exc: HTTPException) -> Response:
    if "text/html" not in request.headers.get("accept", "") or request.url.path.endswith("/progress"):
        return PlainTextResponse(str(exc.detail), status_code=exc.status_code)
    return render(request, "error.html", status_code=exc.status_code, message=exc.detail)


async def _database_error(request: Request, exc: DBAPIError) -> Response:
    """The database is down or refused the statement: one clear page, no traceback. Logged by
    the driver's error class only, since the statement's message may quote what was looked up."""
    log.error("console request %s %s failed in the database (%s)", request.method, request.url.path,
              type(exc.orig).__name__ if exc.orig is not None else type(exc).__name__)
    return await _http_error(request, HTTPException(
        503, "データベースに接続できないため、処理できませんでした。しばらくしてからもう一度お試しください。"))


def create_app(settings: Settings, engine: Engine, *, dispatcher=None, https_only: bool = False) -> Starlette:
    routes = [route for module in (login, dashboard, batches, notices, seekers, mails, audit, staff)
              for route in module.routes]
    routes.append(Mount("/static", StaticFiles(directory=STATIC), name="static"))
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(BodyLimit),
            # The cookie is re-signed on every response, so max_age is the idle timeout; the
            # session also carries its own last-seen time, checked on every request.
            Middleware(SessionMiddleware, secret_key=session_secret(settings), session_cookie=SESSION_COOKIE,
                       max_age=IDLE_TIMEOUT_S, same_site="lax", https_only=https_only),
        ],
        exception_handlers={HTTPException: _http_error, DBAPIError: _database_error},
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.dispatcher = dispatcher
    app.state.batches = BatchRunner(engine, settings, dispatcher)
    app.state.throttle = LoginThrottle()
    return app

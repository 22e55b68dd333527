"""/audit — the audit log: who did what, when, with the counts."""

from __future__ import annotations

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from worker.console.auth import page
from worker.console.rendering import render
from worker.services.audit import recent


def _entries(engine) -> list:
    with Session(engine) as session:
        return recent(session, limit=300)


@page("viewer")
async def audit(request: Request, staff) -> Response:
    return render(request, "audit.html", entries=await run_in_threadpool(_entries, request.app.state.engine))


routes = [Route("/audit", audit)]

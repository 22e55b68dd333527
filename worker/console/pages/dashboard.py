"""/ — the dashboard: queues, offers waiting, mails today and over 48 hours (an inline SVG
chart), failures, suppressions, mails held for the quiet hours, watched accounts. The page
refreshes its body from /dashboard/body every 30 seconds."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from worker.console.auth import page
from worker.console.chart import hourly_chart
from worker.console.rendering import render
from worker.pipeline.dashboard import read_dashboard

REFRESH_S = 30


def _context(request: Request) -> dict:
    state = request.app.state
    board = read_dashboard(state.engine, state.settings)
    depths = state.dispatcher.queue_depths() if state.dispatcher is not None else None
    return {"board": board, "depths": depths, "chart": hourly_chart(board.hours, state.settings.tz),
            "refresh_s": REFRESH_S, "batch": state.batches.running()}


@page("viewer")
async def dashboard(request: Request, staff) -> Response:
    return render(request, "dashboard.html", **await run_in_threadpool(_context, request))


@page("viewer", activity=False)
async def dashboard_body(request: Request, staff) -> Response:
    return render(request, "dashboard_body.html", **await run_in_threadpool(_context, request))


routes = [Route("/", dashboard), Route("/dashboard/body", dashboard_body)]

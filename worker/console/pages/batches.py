"""/batches — a recommendation batch: since-date and prefecture, a dry run first (counts and
sample recommendations with their reasons), then a confirm that runs it with live progress;
past batches with their counts from the audit log."""

from __future__ import annotations

import re
from datetime import date

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from worker.console.auth import checked_form, page
from worker.console.rendering import render
from worker.services.audit import recent

PREFECTURE = re.compile(r"0[1-9]|[1-3][0-9]|4[0-7]")
EARLIEST_SINCE = date(2000, 1, 1)


def _past(engine) -> list:
    with Session(engine) as session:
        return recent(session, limit=30, action_prefix="batch.")


def parse_batch_form(form) -> tuple[date | None, str | None, list[str]]:
    errors = []
    since = None
    try:
        since = date.fromisoformat(str(form.get("since") or ""))
    except ValueError:
        errors.append("対象の受付日（YYYY-MM-DD）を入力してください。")
    else:  # 0001-01-01 cannot become a time in JST; a date to come selects nothing
        if not EARLIEST_SINCE <= since <= date.today():
            errors.append(f"対象の受付日は {EARLIEST_SINCE} から今日までの日付で入力してください。")
            since = None
    prefecture = str(form.get("prefecture") or "").strip() or None
    if prefecture and not PREFECTURE.fullmatch(prefecture):
        errors.append(f"「{prefecture}」は都道府県コード（01〜47）ではありません。")
    return since, prefecture, errors


@page("viewer")
async def batches(request: Request, staff, errors: list[str] | None = None, status_code: int = 200) -> Response:
    runner = request.app.state.batches
    return render(request, "batches.html", status_code=status_code, errors=errors or [], running=runner.running(),
                  past=await run_in_threadpool(_past, request.app.state.engine), today=date.today().isoformat())


async def _start(request: Request, staff, *, dry_run: bool) -> Response:
    form = await checked_form(request)
    since, prefecture, errors = parse_batch_form(form)
    if errors:
        return await batches.__wrapped__(request, staff, errors=errors, status_code=400)
    job = request.app.state.batches.start(staff_id=staff.id, since=since, prefecture=prefecture, dry_run=dry_run)
    if job is None:
        return await batches.__wrapped__(request, staff, status_code=409,
                                         errors=["別の推薦バッチが実行中です。終わってからもう一度お試しください。"])
    return RedirectResponse(f"/batches/jobs/{job.id}", status_code=303)


@page("operator")
async def dry_run(request: Request, staff) -> Response:
    return await _start(request, staff, dry_run=True)


@page("operator")
async def run(request: Request, staff) -> Response:
    return await _start(request, staff, dry_run=False)


def _job(request: Request):
    job = request.app.state.batches.jobs.get(request.path_params["job_id"])
    if job is None:
        raise HTTPException(404, "このバッチは見つかりません（コンソールの再起動で消えた可能性があります）。")
    return job


@page("viewer")
async def job_page(request: Request, staff) -> Response:
    return render(request, "batch_job.html", job=_job(request))


@page("viewer", activity=False)
async def job_progress(request: Request, staff) -> Response:
    job = _job(request)
    return JSONResponse({"phase": job.phase, "done": job.done, "total": job.total, "finished": job.finished,
                         "error": job.error})


routes = [
    Route("/batches", batches, methods=["GET"]),
    Route("/batches/dry-run", dry_run, methods=["POST"]),
    Route("/batches/run", run, methods=["POST"]),
    Route("/batches/jobs/{job_id:id}", job_page, methods=["GET"]),
    Route("/batches/jobs/{job_id:id}/progress", job_progress, methods=["GET"]),
]

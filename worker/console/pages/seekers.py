"""/seekers — the helpdesk: find a seeker by id, 求職番号 or login e-mail (sent by POST, looked
up by its login form, never shown back nor logged), see their status, conditions and timeline,
and ask "why not this offer?"."""

from __future__ import annotations

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from worker.console.auth import checked_form, page
from worker.console.rendering import render
from worker.db import session_scope
from worker.domain.errors import InvalidInput
from worker.domain.models import utcnow
from worker.pipeline.helpdesk import JOB_NUMBER, find_seeker, seeker_file, why_not
from worker.services.audit import record


@page("viewer")
async def search(request: Request, staff, error: str | None = None, status_code: int = 200) -> Response:
    return render(request, "seekers.html", status_code=status_code, error=error)


def _lookup(engine, staff_id: int, query: str) -> int | None:
    by = "email" if "@" in query else "number" if "-" in query else "id"
    with session_scope(engine) as session:
        seeker_id = find_seeker(session, query)
        record(session, staff_id=staff_id, action="seeker.lookup", summary=f"求職者の検索（{by}）",
               details={"by": by, "found": seeker_id is not None, "seeker_id": seeker_id}, now=utcnow())
        return seeker_id


@page("viewer")
async def lookup(request: Request, staff) -> Response:
    form = await checked_form(request)
    query = str(form.get("query") or "").strip()
    try:
        seeker_id = await run_in_threadpool(_lookup, request.app.state.engine, staff.id, query) if query else None
    except InvalidInput as exc:
        return await search.__wrapped__(request, staff, error=exc.message, status_code=400)
    if seeker_id is None:
        return await search.__wrapped__(request, staff, error="該当する求職者が見つかりません。", status_code=404)
    return RedirectResponse(f"/seekers/{seeker_id}", status_code=303)


def _file(engine, staff_id: int, seeker_id: int, job_number: str | None):
    with Session(engine) as session:
        file = seeker_file(session, seeker_id)
        if file is None:
            raise HTTPException(404, "この求職者は見つかりません。")
        answer = why_not(session, seeker_id, job_number) if job_number else None
    with session_scope(engine) as session:
        record(session, staff_id=staff_id, action="seeker.why_not" if job_number else "seeker.view",
               summary=f"求職者 {seeker_id} の" + (f"「なぜこの求人が届かない？」（{job_number}）" if job_number else "照会"),
               details={"seeker_id": seeker_id, "job_number": job_number,
                        "matched_conditions": sum(v.matched for _, v in answer.verdicts) if answer else None},
               now=utcnow())
    return file, answer


@page("viewer")
async def seeker(request: Request, staff) -> Response:
    job_number = (request.query_params.get("job") or "").strip()
    error = None
    if job_number and not JOB_NUMBER.fullmatch(job_number):
        error, job_number = "求人番号は NNNNN-NNNNNNNN の形で入力してください。", ""
    file, answer = await run_in_threadpool(_file, request.app.state.engine, staff.id,
                                           request.path_params["seeker_id"], job_number or None)
    return render(request, "seeker.html", file=file, answer=answer, error=error,
                  job=request.query_params.get("job", ""))


routes = [
    Route("/seekers", search, methods=["GET"]),
    Route("/seekers/lookup", lookup, methods=["POST"]),
    Route("/seekers/{seeker_id:id}", seeker, methods=["GET"]),
]

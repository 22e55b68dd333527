"""/mails — the declared mails with a preview of each (HTML and text, from the sample world),
and the suppression list with an admin action to lift an entry."""

from __future__ import annotations

from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from worker.console.auth import checked_form, page
from worker.console.rendering import render
from worker.db import session_scope
from worker.domain.models import SuppressedAddress, utcnow
from worker.mail.preview import render_sample
from worker.mail.registry import MAILS, UnknownMail, declaration_of
from worker.outbox.suppression import lift
from worker.services.audit import record


def _summary(name: str) -> str:
    doc = (declaration_of(name).build.__doc__ or "").strip()
    return doc.splitlines()[0] if doc else ""


def _suppressions(engine) -> list[SuppressedAddress]:
    with Session(engine) as session:
        return list(session.exec(select(SuppressedAddress).order_by(SuppressedAddress.id.desc()).limit(200)))


@page("viewer")
async def mails(request: Request, staff) -> Response:
    return render(request, "mails.html", mails=[(name, _summary(name)) for name in MAILS],
                  suppressions=await run_in_threadpool(_suppressions, request.app.state.engine))


@page("viewer")
async def preview(request: Request, staff) -> Response:
    name = request.path_params["name"]
    try:
        declaration_of(name)
    except UnknownMail:
        raise HTTPException(404, "このメールは宣言されていません。") from None
    mail = await run_in_threadpool(render_sample, name, request.app.state.settings)
    return render(request, "mail_preview.html", name=name, summary=_summary(name), mail=mail)


def _lift(engine, staff_id: int, suppression_id: int) -> bool:
    with session_scope(engine) as session:
        lifted = lift(session, suppression_id)
        if lifted:
            record(session, staff_id=staff_id, action="suppression.lift", summary=f"配信停止 {suppression_id} を解除",
                   details={"suppression_id": suppression_id, "count": 1}, now=utcnow())
        return lifted


@page("admin")
async def lift_suppression(request: Request, staff) -> Response:
    await checked_form(request)
    if not await run_in_threadpool(_lift, request.app.state.engine, staff.id, request.path_params["suppression_id"]):
        raise HTTPException(404, "この配信停止は見つかりません（既に解除された可能性があります）。")
    return RedirectResponse("/mails#suppressions", status_code=303)


routes = [
    Route("/mails", mails, methods=["GET"]),
    Route("/mails/{name:str}", preview, methods=["GET"]),
    Route("/mails/suppressions/{suppression_id:id}/lift", lift_suppression, methods=["POST"]),
]

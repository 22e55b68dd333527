"""/staff — admins add and disable staff accounts (the same rules as ``mypage-worker staff``)."""

from __future__ import annotations

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from worker.console.auth import checked_form, page
from worker.console.rendering import render
from worker.db import session_scope
from worker.domain.errors import InvalidInput, MyPageError
from worker.domain.models import utcnow
from worker.services.audit import record
from worker.services.staff import ROLES, add_staff, disable_staff, list_staff


def _accounts(engine):
    with Session(engine) as session:
        return list_staff(session)


@page("admin")
async def staff_page(request: Request, staff, error: str | None = None, status_code: int = 200) -> Response:
    return render(request, "staff.html", status_code=status_code, error=error, roles=ROLES,
                  accounts=await run_in_threadpool(_accounts, request.app.state.engine))


def _add(engine, admin_id: int, name: str, role: str, password: str) -> None:
    now = utcnow()
    with session_scope(engine) as session:
        account = add_staff(session, name=name, role=role, password=password, now=now)
        record(session, staff_id=admin_id, action="staff.add", summary=f"職員 {account.name}（{account.role}）を追加",
               details={"staff_id": account.id, "role": account.role}, now=now)


def _disable(engine, admin_id: int, name: str) -> None:
    now = utcnow()
    with session_scope(engine) as session:
        account = disable_staff(session, name=name, now=now)
        if account.id == admin_id:  # rolled back: an admin locked out of the console by one click
            raise InvalidInput("自分のアカウントは無効にできません（別の管理者か `mypage-worker staff disable` で）。",
                               field="name")
        record(session, staff_id=admin_id, action="staff.disable", summary=f"職員 {account.name} を無効化",
               details={"staff_id": account.id}, now=now)


@page("admin")
async def add(request: Request, staff) -> Response:
    form = await checked_form(request)
    try:
        await run_in_threadpool(_add, request.app.state.engine, staff.id, str(form.get("name") or ""),
                                str(form.get("role") or ""), str(form.get("password") or ""))
    except MyPageError as exc:
        return await staff_page.__wrapped__(request, staff, error=exc.message, status_code=400)
    return RedirectResponse("/staff", status_code=303)


@page("admin")
async def disable(request: Request, staff) -> Response:
    form = await checked_form(request)
    try:
        await run_in_threadpool(_disable, request.app.state.engine, staff.id, str(form.get("name") or ""))
    except MyPageError as exc:
        return await staff_page.__wrapped__(request, staff, error=exc.message, status_code=400)
    return RedirectResponse("/staff", status_code=303)


routes = [
    Route("/staff", staff_page, methods=["GET"]),
    Route("/staff/add", add, methods=["POST"]),
    Route("/staff/disable", disable, methods=["POST"]),
]

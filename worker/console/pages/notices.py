"""/notices — a お知らせ: title, body and prefectures; the page shows how many seekers it
reaches and the rendered mail before it is sent. A notice reaching more seekers than
``notice_approval_threshold`` is sent only when a second operator approves it."""

from __future__ import annotations

import re

from sqlalchemy import update
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from worker.console.auth import checked_form, page
from worker.console.rendering import render
from worker.db import session_scope
from worker.domain.errors import InvalidInput
from worker.domain.models import NoticeDraft, StaffAccount, utcnow
from worker.mail.preview import render_notice_preview
from worker.pipeline.notice import segment, send_notice, validate_notice
from worker.services.audit import record

PREFECTURE = re.compile(r"0[1-9]|[1-3][0-9]|4[0-7]")


def parse_prefectures(raw: str) -> list[str]:
    codes = [code for code in re.split(r"[\s,、]+", raw or "") if code]
    bad = [code for code in codes if not PREFECTURE.fullmatch(code)]
    if bad:
        raise InvalidInput(f"都道府県コード（01〜47）ではありません: {', '.join(bad)}", field="prefectures")
    return sorted(set(codes))


def _drafts(engine) -> list[NoticeDraft]:
    with Session(engine) as session:
        return list(session.exec(select(NoticeDraft).order_by(NoticeDraft.id.desc()).limit(50)))


@page("viewer")
async def notices(request: Request, staff, errors=None, values=None, status_code: int = 200) -> Response:
    return render(request, "notices.html", status_code=status_code, errors=errors or [], values=values or {},
                  drafts=await run_in_threadpool(_drafts, request.app.state.engine),
                  threshold=request.app.state.settings.notice_approval_threshold)


def _compose(engine, staff_id: int, title: str, body: str, prefectures: list[str]) -> int:
    reach = len(segment(engine, prefectures=prefectures))
    now = utcnow()
    with session_scope(engine) as session:
        draft = NoticeDraft(title=title, body=body, prefectures=prefectures, reach=reach, created_by=staff_id,
                            created_at=now)
        session.add(draft)
        session.flush()
        record(session, staff_id=staff_id, action="notice.compose", summary=f"お知らせ作成: {title}",
               details={"draft_id": draft.id, "reach": reach, "prefectures": prefectures}, now=now)
        return draft.id


@page("operator")
async def compose(request: Request, staff) -> Response:
    form = await checked_form(request)
    values = {key: str(form.get(key) or "") for key in ("title", "body", "prefectures")}
    try:
        title, body = validate_notice(values["title"], values["body"])
        prefectures = parse_prefectures(values["prefectures"])
    except InvalidInput as exc:
        return await notices.__wrapped__(request, staff, errors=[exc.message], values=values, status_code=400)
    draft_id = await run_in_threadpool(_compose, request.app.state.engine, staff.id, title, body, prefectures)
    return RedirectResponse(f"/notices/{draft_id}", status_code=303)


def _load(engine, draft_id: int) -> tuple[NoticeDraft, dict[int, str], int]:
    with Session(engine) as session:
        draft = session.get(NoticeDraft, draft_id)
        if draft is None:
            raise HTTPException(404, "このお知らせは見つかりません。")
        names = dict(session.exec(select(StaffAccount.id, StaffAccount.name)).all())
    reach = len(segment(engine, prefectures=draft.prefectures)) if draft.sent_at is None else draft.reach
    return draft, names, reach


def needs_approval(reach: int, threshold: int) -> bool:
    return reach > threshold


@page("viewer")
async def draft_page(request: Request, staff, error: str | None = None, status_code: int = 200) -> Response:
    state = request.app.state
    draft, names, reach = await run_in_threadpool(_load, state.engine, request.path_params["draft_id"])
    mail = render_notice_preview(draft.title, draft.body, state.settings)
    approval = needs_approval(reach, state.settings.notice_approval_threshold)
    return render(request, "notice_draft.html", status_code=status_code, draft=draft, names=names, reach=reach,
                  mail=mail, approval=approval, threshold=state.settings.notice_approval_threshold, error=error,
                  may_send=staff.may("operator") and draft.sent_at is None and (not approval or staff.id != draft.created_by))


def _send(engine, settings, draft_id: int, staff_id: int) -> str | None:
    """Send the draft; returns why it may not be sent by this operator, or None when sent."""
    with Session(engine) as session:
        draft = session.get(NoticeDraft, draft_id)
        if draft is None:
            raise HTTPException(404, "このお知らせは見つかりません。")
        title, body, prefectures, created_by = draft.title, draft.body, draft.prefectures, draft.created_by
    seekers = segment(engine, prefectures=prefectures)
    approval = needs_approval(len(seekers), settings.notice_approval_threshold)
    if approval and created_by == staff_id:
        with session_scope(engine) as session:
            record(session, staff_id=staff_id, action="notice.refused", summary="作成者自身による承認は不可",
                   details={"draft_id": draft_id, "seekers": len(seekers)}, now=utcnow())
        return (f"{len(seekers):,}人に届くお知らせは、作成者とは別の運用担当者の承認が必要です"
                f"（上限 {settings.notice_approval_threshold:,}人）。")
    # Claimed by one conditional update, the transaction's first statement: of two clicks or two
    # approvers at once, on any database, exactly one finds the draft unsent and sends it.
    with session_scope(engine) as session:
        claimed = session.execute(
            update(NoticeDraft).where(NoticeDraft.id == draft_id, NoticeDraft.sent_at.is_(None))
            .values(sent_at=utcnow(), reach=len(seekers), approved_by=staff_id if approval else None)).rowcount
    if not claimed:
        return "このお知らせは送信済みです。"
    report = send_notice(engine, title=title, body=body, seeker_ids=seekers)
    now = utcnow()
    with session_scope(engine) as session:
        draft = session.get(NoticeDraft, draft_id)
        draft.inbox_items, draft.mails_queued = report.inbox_items, report.mails_queued
        session.add(draft)
        record(session, staff_id=staff_id, action="notice.send",
               summary=("承認して送信" if approval else "お知らせ送信") + f": {title}",
               details={"draft_id": draft_id, "notice_id": report.notice_id, "seekers": report.seekers,
                        "inbox_items": report.inbox_items, "mails_queued": report.mails_queued,
                        "approved": approval}, now=now)
    return None


@page("operator")
async def send(request: Request, staff) -> Response:
    await checked_form(request)
    state = request.app.state
    draft_id = request.path_params["draft_id"]
    refused = await run_in_threadpool(_send, state.engine, state.settings, draft_id, staff.id)
    if refused:
        return await draft_page.__wrapped__(request, staff, error=refused, status_code=403)
    if state.dispatcher is not None:
        state.dispatcher.deliver_due_mail()
    return RedirectResponse(f"/notices/{draft_id}", status_code=303)


routes = [
    Route("/notices", notices, methods=["GET"]),
    Route("/notices", compose, methods=["POST"]),
    Route("/notices/{draft_id:id}", draft_page, methods=["GET"]),
    Route("/notices/{draft_id:id}/send", send, methods=["POST"]),
]

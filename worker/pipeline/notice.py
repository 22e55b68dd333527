"""A お知らせ from staff (``mypage-worker notice``): an inbox item and a ``notice`` mail for every
seeker in the segment whose My Page is usable (open or 機能制限; 利用不可 and unopened pages get
nothing). The notice's id is a hash of its title and body, and both dedupe keys carry it
(``notice:<id>:<seeker>``), so running the same notice again sends nothing twice."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine

from worker import metrics
from worker.db import insert_ignore, session_scope
from worker.domain.errors import InvalidInput
from worker.domain.models import AccountState, InboxItem, InboxKind, Seeker, utcnow
from worker.outbox.enqueue import enqueue_mail

SEEKERS_PER_TRANSACTION = 1_000
MAX_TITLE = 200
USABLE = (AccountState.OPEN.value, AccountState.RESTRICTED.value)


@dataclass
class NoticeReport:
    notice_id: str
    seekers: int = 0
    inbox_items: int = 0
    mails_queued: int = 0


def notice_id(title: str, body: str) -> str:
    return hashlib.sha256(f"{title}\x00{body}".encode()).hexdigest()[:16]


def validate_notice(title: str, body: str) -> tuple[str, str]:
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        raise InvalidInput("お知らせの件名を入力してください。", field="title")
    if len(title) > MAX_TITLE or any(c in title for c in "\r\n"):
        raise InvalidInput(f"お知らせの件名は改行なしの{MAX_TITLE}文字以内で入力してください。", field="title")
    if not body:
        raise InvalidInput("お知らせの本文を入力してください。", field="body")
    return title, body


def segment(engine: Engine, *, prefectures: Sequence[str] = ()) -> list[int]:
    stmt = select(Seeker.id).where(Seeker.account_state.in_(USABLE))
    if prefectures:
        stmt = stmt.where(Seeker.prefecture_code.in_(list(prefectures)))
    with engine.connect() as conn:
        return list(conn.execute(stmt.order_by(Seeker.id)).scalars())


def send_notice(engine: Engine, *, title: str, body: str, seeker_ids: Sequence[int], now: datetime | None = None,
                progress: Callable[[int], None] | None = None) -> NoticeReport:
    title, body = validate_notice(title, body)
    now = now or utcnow()
    report = NoticeReport(notice_id(title, body))
    ids = list(seeker_ids)
    for start in range(0, len(ids), SEEKERS_PER_TRANSACTION):
        chunk = ids[start:start + SEEKERS_PER_TRANSACTION]
        with session_scope(engine) as session:
            seekers = session.execute(select(Seeker.id, Seeker.email).where(
                Seeker.id.in_(chunk), Seeker.account_state.in_(USABLE)).order_by(Seeker.id)).all()
            keys = {s.id: f"notice:{report.notice_id}:{s.id}" for s in seekers}
            report.inbox_items += insert_ignore(session, InboxItem, [
                {"seeker_id": s.id, "kind": InboxKind.NOTICE.value, "dedupe_key": keys[s.id], "title": title,
                 "body": body, "reasons": [], "created_at": now} for s in seekers
            ], conflict=["dedupe_key"])
            items = dict(session.execute(select(InboxItem.dedupe_key, InboxItem.id).where(
                InboxItem.dedupe_key.in_(list(keys.values())))).all())
            for s in seekers:
                if s.email:
                    report.mails_queued += enqueue_mail(
                        session, kind="notice", dedupe_key=keys[s.id], recipient=s.email, seeker_id=s.id,
                        context={"seeker_id": s.id, "inbox_item_id": items[keys[s.id]]})
            report.seekers += len(seekers)
        if progress:
            progress(len(chunk))
    metrics.count("inbox_items", report.inbox_items, kind=InboxKind.NOTICE.value)
    metrics.count("mails_queued", report.mails_queued, kind="notice")
    return report

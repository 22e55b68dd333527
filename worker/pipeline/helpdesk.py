"""The helpdesk's view of one seeker (0570-077450: "why did I not get the mail?"): their status,
conditions, a timeline of inbox items and mails, and "why not this offer?" — the matchers' own
verdict for each of the seeker's conditions, then whether the pipeline chose the offer.

Addresses are looked up by their login form and never returned: the file says only whether the
seeker has an address and whether it is on the suppression list."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, select

from matchers.why_not import Verdict, why
from worker.domain.models import (
    Condition,
    InboxItem,
    JobOffer,
    MatchingStatus,
    OutboxMail,
    Seeker,
)
from worker.outbox.suppression import is_suppressed
from worker.pipeline.values import condition_value, offer_value
from worker.services.eligibility import is_recommendable
from worker.services.inputs import normalize_email

SEEKER_ID = re.compile(r"[0-9]{1,18}")  # ASCII digits below 2**63: no out-of-range id reaches the database
SEEKER_NUMBER = re.compile(r"[0-9]{5}-[0-9]{8}")
JOB_NUMBER = re.compile(r"[0-9]{5}-[0-9]{8}")
TIMELINE_LIMIT = 100


def find_seeker(session: Session, query: str) -> int | None:
    """A seeker id from what staff typed: the id, the 求職番号, or the login e-mail address."""
    query = (query or "").strip()
    if "@" not in query:  # full-width digits and hyphens, as typed on a Japanese keyboard
        query = unicodedata.normalize("NFKC", query)
    if SEEKER_ID.fullmatch(query):
        return int(query) if session.get(Seeker, int(query)) is not None else None
    if query.isdigit():  # too long for an id, or digits of another script
        return None
    if SEEKER_NUMBER.fullmatch(query):
        return session.exec(select(Seeker.id).where(Seeker.seeker_number == query)).first()
    return session.exec(select(Seeker.id).where(Seeker.email_normalized == normalize_email(query))).first()


@dataclass
class TimelineEntry:
    at: datetime
    what: str  # "inbox" or "mail"
    kind: str
    title: str = ""
    status: str = ""
    attempts: int = 0
    last_answer: str = ""  # the SMTP server's last answer, or why the mail was not sent
    detail: str = ""


@dataclass
class SeekerFile:
    seeker: Seeker
    has_email: bool
    suppressed: bool
    recommendable: bool
    conditions: list[Condition]
    timeline: list[TimelineEntry] = field(default_factory=list)


def seeker_file(session: Session, seeker_id: int) -> SeekerFile | None:
    seeker = session.get(Seeker, seeker_id)
    if seeker is None:
        return None
    conditions = list(session.exec(select(Condition).where(Condition.seeker_id == seeker_id)
                                   .order_by(Condition.kind, Condition.id)))
    file = SeekerFile(seeker, bool(seeker.email), bool(seeker.email) and is_suppressed(session, seeker.email),
                      is_recommendable(seeker), conditions)
    items = session.exec(select(InboxItem, JobOffer.job_number).join(JobOffer, isouter=True)
                         .where(InboxItem.seeker_id == seeker_id)
                         .order_by(InboxItem.created_at.desc()).limit(TIMELINE_LIMIT)).all()
    for item, job_number in items:
        detail = f"求人番号 {job_number}" if job_number else ""
        if item.score is not None:
            detail += f"（スコア {item.score}）"
        file.timeline.append(TimelineEntry(item.created_at, "inbox", item.kind, item.title,
                                           status="既読" if item.read_at else "未読", detail=detail))
    mails = session.exec(select(OutboxMail).where(OutboxMail.seeker_id == seeker_id)
                         .order_by(OutboxMail.created_at.desc()).limit(TIMELINE_LIMIT)).all()
    for mail in mails:
        file.timeline.append(TimelineEntry(mail.created_at, "mail", mail.kind, status=mail.status,
                                           attempts=mail.attempts, last_answer=mail.last_error or "",
                                           detail=f"送信 {mail.sent_at:%Y-%m-%d %H:%M} UTC" if mail.sent_at else ""))
    file.timeline.sort(key=lambda entry: entry.at, reverse=True)
    return file


@dataclass
class WhyNot:
    job_number: str
    offer: JobOffer | None
    verdicts: list[tuple[Condition, Verdict]] = field(default_factory=list)
    recommended_at: datetime | None = None  # the inbox item, when the offer was recommended
    conclusion: str = ""


def why_not(session: Session, seeker_id: int, job_number: str) -> WhyNot:
    """The matchers' verdict on the offer for each condition of the seeker, and a conclusion."""
    job_number = (job_number or "").strip()
    offer = session.exec(select(JobOffer).where(JobOffer.job_number == job_number)).first()
    answer = WhyNot(job_number, offer)
    if offer is None:
        answer.conclusion = "この求人番号の求人は登録されていません。"
        return answer
    seeker = session.get(Seeker, seeker_id)
    conditions = list(session.exec(select(Condition).where(Condition.seeker_id == seeker_id)
                                   .order_by(Condition.kind, Condition.id)))
    value = offer_value(offer)
    answer.verdicts = [(condition, why(value, condition_value(condition))) for condition in conditions]
    item = session.exec(select(InboxItem).where(InboxItem.seeker_id == seeker_id,
                                                InboxItem.job_offer_id == offer.id)).first()
    answer.recommended_at = item.created_at if item is not None else None
    answer.conclusion = _conclusion(seeker, offer, answer, conditions)
    return answer


def _conclusion(seeker: Seeker, offer: JobOffer, answer: WhyNot, conditions: list[Condition]) -> str:
    matched = [condition for condition, verdict in answer.verdicts if verdict.matched]
    if answer.recommended_at is not None:
        return f"この求人はおすすめ求人としてマイページに届いています（{answer.recommended_at:%Y-%m-%d %H:%M} UTC）。"
    if not conditions:
        return "この求職者には求職条件も検索条件もないため、おすすめの対象になりません。"
    if not matched:
        return "どの条件にも合わないため、おすすめしていません（下の各条件の理由をご覧ください）。"
    if not is_recommendable(seeker):
        return ("条件には合いますが、求職登録が無効かマイページが利用できない状態（未開設・利用不可・退会）のため、"
                "おすすめの対象外です。")
    if offer.matching_status == MatchingStatus.PENDING.value:
        return "条件には合います。この求人はまだ照合待ちで、照合されるとおすすめされます。"
    if offer.matching_status == MatchingStatus.WITHDRAWN.value:
        return "条件には合いますが、この求人は取り下げられたため、おすすめしていません。"
    changed = [c for c in matched if offer.matched_at is not None and c.updated_at > offer.matched_at]
    if changed:
        return ("照合した時点では条件に合いませんでした。求職条件がその後変更され、今は合います"
                "（推薦バッチを実行すると今の条件でおすすめされます）。")
    return "条件には合いますが、照合した日にはこの求職者が選ばれませんでした（当時の状態が対象外だった可能性があります）。"

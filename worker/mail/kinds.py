"""The eleven mails a seeker can get. Each is a name (its template folder) and one function from
the outbox row's ids to the facts its templates show, formatted for reading.

A builder raises ``MailNotNeeded`` when the world changed since the mail was queued so that it
would now mislead (the condition was deleted, the restriction lifted, the registration renewed),
and ``MailExpired`` when it would carry a dead 認証キー.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from worker.config import Settings
from worker.domain.keys import derive_authentication_key
from worker.domain.models import (
    AccountState,
    Condition,
    InboxItem,
    InboxKind,
    JobOffer,
    KeyRequestStatus,
    MatchingStatus,
    Message,
    PasswordRegistrationRequest,
    Referral,
    RegistrationStatus,
    Seeker,
)
from worker.mail.declaration import MailExpired, MailNotNeeded, RowSource, declare, seeker_name, seeker_of
from worker.mail.present import (
    PASSWORD_REGISTRATION_PATH,
    japanese_date,
    japanese_datetime,
    job_offer_facts,
    site_link,
)
from worker.services.eligibility import is_recommendable
from worker.services.guards import Action, is_allowed

# A digest lists this many offers; the rest wait in My Page (a mail of 200 offers helps nobody).
DIGEST_LIMIT = 20


def _day(outbox_context: Mapping[str, Any], key: str) -> date:
    return date.fromisoformat(outbox_context[key])


def _offer_list(offer_facts: list[dict]) -> dict[str, Any]:
    if not offer_facts:
        raise MailNotNeeded("none of the job offers remain")
    return {
        "offers": offer_facts[:DIGEST_LIMIT],
        "offer_count": len(offer_facts),
        "more_count": max(0, len(offer_facts) - DIGEST_LIMIT),
    }


def _listable(offer: JobOffer | None, day: date | None = None) -> bool:
    """Whether an offer mail may list the offer: it still exists and is not withdrawn, and (given
    the mail's ``day``) its 紹介期限日 has not passed by then. A mail must not send a seeker to an
    offer that closed after it was found."""
    return offer is not None and (offer.matching_status != MatchingStatus.WITHDRAWN if day is None
                                  else offer.is_open_on(day))


def _offers(rows: RowSource, ids: Iterable[int], day: date | None = None) -> Iterable[JobOffer]:
    return (offer for offer in (rows.get(JobOffer, i) for i in ids) if _listable(offer, day))


def _offers_recipient(rows: RowSource, ids: Mapping[str, Any]) -> Seeker:
    """The seeker of an offers mail, who must still be one that receives offers: a registration
    made 無効, or a My Page made 利用不可, after the mail was queued stops it."""
    seeker = seeker_of(rows, ids)
    if not is_recommendable(seeker):
        raise MailNotNeeded("the seeker no longer receives job offers (registration 無効 or 利用不可)")
    return seeker


@declare("password-registration")
def password_registration(rows: RowSource, settings: Settings, ids: Mapping[str, Any]) -> dict[str, Any]:
    """「パスワード登録申込受付通知」: the 認証キー, re-derived here because it is never stored."""
    request = rows.get(PasswordRegistrationRequest, ids["request_id"])
    if request is None:
        raise MailNotNeeded("the password registration request is gone")
    if request.status == KeyRequestStatus.EXPIRED:
        raise MailExpired("the 認証キー expired")
    if request.status != KeyRequestStatus.PENDING:
        raise MailNotNeeded(f"the password registration request is {request.status}")
    seeker = seeker_of(rows, {"seeker_id": request.seeker_id})
    return {
        "seeker_name": seeker_name(seeker),
        "authentication_key": derive_authentication_key(settings.effective_secret_key(), request.salt),
        "valid_minutes": round((request.expires_at - request.created_at).total_seconds() / 60),
        "expires_at": japanese_datetime(request.expires_at, settings),
        "entry_url": site_link(settings, PASSWORD_REGISTRATION_PATH),
    }


@declare("recommendations")
def recommendations(rows: RowSource, settings: Settings, ids: Mapping[str, Any]) -> dict[str, Any]:
    """おすすめ求人のお知らせ: the items the rounds chose, best first, each with why it matched,
    and how many more of the seeker's matches wait to be chosen (``more_count`` of the context)."""
    seeker = _offers_recipient(rows, ids)
    chosen = []
    for position, item_id in enumerate(ids["inbox_item_ids"]):
        item = rows.get(InboxItem, item_id)
        if item is None or item.seeker_id != seeker.id or item.job_offer_id is None:
            continue
        offer = rows.get(JobOffer, item.job_offer_id)
        if _listable(offer):
            chosen.append((-(item.score or 0), position, job_offer_facts(offer, settings, reasons=item.reasons)))
    facts = [fact for _, _, fact in sorted(chosen, key=lambda entry: entry[:2])]
    return {"seeker_name": seeker_name(seeker), **_offer_list(facts),
            "matched_more": int(ids.get("more_count", 0))}


@declare("saved-search-new-jobs")
def saved_search_new_jobs(rows: RowSource, settings: Settings, ids: Mapping[str, Any]) -> dict[str, Any]:
    """New offers for a saved search (検索条件) whose mail the seeker switched on."""
    seeker = _offers_recipient(rows, ids)
    condition = rows.get(Condition, ids["condition_id"])
    if not seeker.saved_search_mails or condition is None or condition.seeker_id != seeker.id or not condition.notify:
        raise MailNotNeeded("the saved search or its mail was switched off")
    # Mails queued before the hits table carry their list; the others read their day's hits.
    day = _day(ids, "day") if "day" in ids else None
    offer_ids = ids["job_offer_ids"] if "job_offer_ids" in ids else rows.saved_search_offer_ids(condition.id, day)
    facts = [job_offer_facts(offer, settings) for offer in _offers(rows, offer_ids, day)]
    return {
        "seeker_name": seeker_name(seeker),
        "condition_name": condition.name or "保存した検索条件",
        **_offer_list(facts),
    }


@declare("message-received")
def message_received(rows: RowSource, settings: Settings, ids: Mapping[str, Any]) -> dict[str, Any]:
    """A notice that an employer wrote; the message itself stays on the site. Like the service
    that queued it, it is not sent to a seeker who may not use messages now (無効, 利用不可)."""
    seeker = seeker_of(rows, ids)
    if not is_allowed(seeker, Action.MESSAGE):
        raise MailNotNeeded("the seeker may not use messages now")
    message = rows.get(Message, ids["message_id"])
    return {**_seekers_offer(rows, seeker, message, "the message is gone"),
            "received_at": japanese_datetime(message.sent_at, settings)}


@declare("referral-issued")
def referral_issued(rows: RowSource, settings: Settings, ids: Mapping[str, Any]) -> dict[str, Any]:
    """紹介状 issued for an online referral."""
    seeker = seeker_of(rows, ids)
    referral = rows.get(Referral, ids["referral_id"])
    return {**_seekers_offer(rows, seeker, referral, "the referral is gone"),
            "issued_on": japanese_date(referral.issued_at.astimezone(settings.tz).date())}


def _seekers_offer(rows: RowSource, seeker, record, gone: str) -> dict[str, Any]:
    """The facts of the job offer a message or referral of this seeker's is about; the mail is
    not needed when that record or its offer is gone, or belongs to someone else."""
    offer = rows.get(JobOffer, record.job_offer_id) if record is not None else None
    if record is None or offer is None or record.seeker_id != seeker.id:
        raise MailNotNeeded(gone)
    return {
        "seeker_name": seeker_name(seeker),
        "employer": offer.employer_name or "求人事業所",
        "job_title": offer.title,
        "job_number": offer.job_number,
    }


@declare("notice")
def notice(rows: RowSource, settings: Settings, ids: Mapping[str, Any]) -> dict[str, Any]:
    """ハローワークからのお知らせ written by staff; its text is the inbox item's."""
    seeker = seeker_of(rows, ids)
    item = rows.get(InboxItem, ids["inbox_item_id"])
    if item is None or item.seeker_id != seeker.id or item.kind != InboxKind.NOTICE:
        raise MailNotNeeded("the notice is gone")
    return {
        "seeker_name": seeker_name(seeker),
        "notice_title": item.title,
        "notice_lines": item.body.splitlines(),
    }


@declare("registration-expiring")
def registration_expiring(rows: RowSource, settings: Settings, ids: Mapping[str, Any]) -> dict[str, Any]:
    """The 求職登録 runs out soon."""
    seeker = seeker_of(rows, ids)
    valid_until = _day(ids, "valid_until")
    if seeker.registration_status != RegistrationStatus.VALID or seeker.registration_valid_until != valid_until:
        raise MailNotNeeded("the registration was renewed or already ended")
    return {"seeker_name": seeker_name(seeker), "valid_until": japanese_date(valid_until)}


@declare("registration-invalid")
def registration_invalid(rows: RowSource, settings: Settings, ids: Mapping[str, Any]) -> dict[str, Any]:
    """The 求職登録 became 無効: which functions stop, and how to register again."""
    seeker = seeker_of(rows, ids)
    if seeker.registration_status != RegistrationStatus.INVALID:
        raise MailNotNeeded("the seeker registered again")
    return {"seeker_name": seeker_name(seeker), "invalid_on": japanese_date(_day(ids, "invalid_on"))}


@declare("restricted")
def restricted(rows: RowSource, settings: Settings, ids: Mapping[str, Any]) -> dict[str, Any]:
    """Functions restricted after interview no-shows; lifting needs a visit to Hello Work."""
    seeker = seeker_of(rows, ids)
    if seeker.account_state != AccountState.RESTRICTED:
        raise MailNotNeeded("the restriction was lifted")
    return {"seeker_name": seeker_name(seeker)}


@declare("withdrawn")
def withdrawn(rows: RowSource, settings: Settings, ids: Mapping[str, Any]) -> dict[str, Any]:
    """退会 completed. The seeker's row is gone: the name travels in the outbox context."""
    return {"seeker_name": ids.get("name") or "求職者"}


@declare("deletion-warning")
def deletion_warning(rows: RowSource, settings: Settings, ids: Mapping[str, Any]) -> dict[str, Any]:
    """The My Page will be deleted 5 years after the 求職無効日 unless the seeker registers again."""
    seeker = seeker_of(rows, ids)
    if seeker.registration_status != RegistrationStatus.INVALID or seeker.registration_invalid_on is None:
        raise MailNotNeeded("the seeker registered again")
    return {
        "seeker_name": seeker_name(seeker),
        "invalid_on": japanese_date(seeker.registration_invalid_on),
        "deletion_on": japanese_date(_day(ids, "deletion_on")),
    }


DECLARED = (
    password_registration, recommendations, saved_search_new_jobs, message_received, referral_issued,
    notice, registration_expiring, registration_invalid, restricted, withdrawn, deletion_warning,
)

"""The My Page tables (SQLModel). Every datetime is timezone-aware UTC; dates are plain dates.

The same models run unchanged on SQLite and PostgreSQL: lists are JSON columns, enums are
short strings checked by the services, uniqueness that the rules depend on is a database
constraint so concurrent workers cannot break it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint, and_, or_
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def _json_list() -> Any:
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False))


# ---------------------------------------------------------------------------- enumerations


class RegistrationStatus(StrEnum):
    """求職登録 有効 / 無効."""

    VALID = "valid"
    INVALID = "invalid"


class AccountState(StrEnum):
    """The My Page account's state."""

    NOT_OPENED = "not_opened"
    OPEN = "open"
    RESTRICTED = "restricted"  # 機能制限: after 5 interview no-shows in 3 months
    UNUSABLE = "unusable"  # 利用不可: made unusable by staff
    WITHDRAWN = "withdrawn"  # 退会


class ConditionKind(StrEnum):
    REGISTERED = "registered"  # 求職条件, one per seeker
    SAVED = "saved"  # 検索条件, at most 3 per seeker


class InboxKind(StrEnum):
    RECOMMENDATION = "recommendation"  # おすすめ求人
    NOTICE = "notice"  # ハローワークからのお知らせ
    REFERRAL = "referral"  # 紹介状 issued
    MESSAGE = "message"  # a message from an employer arrived


class MatchingStatus(StrEnum):
    PENDING = "pending"
    MATCHED = "matched"
    WITHDRAWN = "withdrawn"


class KeyRequestStatus(StrEnum):
    PENDING = "pending"
    USED = "used"
    SUPERSEDED = "superseded"
    EXPIRED = "expired"
    LOCKED = "locked"  # too many wrong tries


class MailStatus(StrEnum):
    PENDING = "pending"  # waiting to be sent (possibly not before next_attempt_at)
    SENDING = "sending"  # claimed by a worker until lease_until
    SENT = "sent"
    UNCERTAIN = "uncertain"  # dropped after DATA: retried once with the same Message-ID
    FAILED = "failed"  # permanent failure (5xx) or retries exhausted
    SUPPRESSED = "suppressed"  # address on the suppression list: not attempted
    EXPIRED = "expired"  # carried an 認証キー that expired before it could be sent
    CANCELLED = "cancelled"  # the seeker withdrew or was deleted before sending


# Mails that may still go out (a claim takes them), and mails whose outcome is settled.
WAITING_MAIL_STATUSES = (MailStatus.PENDING.value, MailStatus.UNCERTAIN.value)
FINAL_MAIL_STATUSES = (MailStatus.SENT.value, MailStatus.FAILED.value, MailStatus.SUPPRESSED.value,
                       MailStatus.EXPIRED.value, MailStatus.CANCELLED.value)


# ---------------------------------------------------------------------------- seekers


class Seeker(SQLModel, table=True):
    """求職者: a registered job seeker and their My Page account."""

    __tablename__ = "seeker"
    __table_args__ = {"sqlite_autoincrement": True}  # ids appear in dedupe keys: never reused

    id: int | None = Field(default=None, primary_key=True)
    seeker_number: str = Field(max_length=14, unique=True)  # 求職番号 NNNNN-NNNNNNNN
    name: str = Field(default="", max_length=100)
    email: str | None = Field(default=None, max_length=254)  # as staff registered it
    email_normalized: str | None = Field(default=None, max_length=254, unique=True)  # login: lower-cased
    birth_date: date | None = None
    prefecture_code: str | None = Field(default=None, max_length=2, index=True)
    work_history: list = _json_list()  # 職歴: [{"employer", "from", "to", "job"}]
    qualifications: list = _json_list()  # 資格: ["普通自動車第一種運転免許", ...]

    registration_status: str = Field(default=RegistrationStatus.VALID, max_length=10, index=True)
    registration_valid_until: date | None = None  # 有効期限: end of the month after next
    registration_invalid_on: date | None = Field(default=None, index=True)  # 求職無効日

    account_state: str = Field(default=AccountState.NOT_OPENED, max_length=12, index=True)
    restricted_at: datetime | None = None
    restriction_lifted_at: datetime | None = None  # no-show reports up to this moment no longer count
    unusable_at: datetime | None = None
    opened_at: datetime | None = None
    password_hash: str | None = Field(default=None, max_length=255)
    terms_version: str | None = Field(default=None, max_length=20)
    privacy_policy_version: str | None = Field(default=None, max_length=20)
    agreed_at: datetime | None = None
    saved_search_mails: bool = True  # opted in to saved-search-new-jobs mails

    created_at: datetime = Field(default_factory=utcnow)
    # Indexed: each worker's condition index re-reads the seekers changed since its watermark.
    updated_at: datetime = Field(default_factory=utcnow, index=True)


class Condition(SQLModel, table=True):
    """求職条件 (kind=registered) or 検索条件 (kind=saved), in the matchers' condition shape."""

    __tablename__ = "condition"
    __table_args__ = (Index("ix_condition_seeker_kind", "seeker_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    seeker_id: int = Field(foreign_key="seeker.id", ondelete="CASCADE")
    kind: str = Field(default=ConditionKind.REGISTERED, max_length=10)
    name: str = Field(default="", max_length=50)
    keywords: list = _json_list()
    keyword_mode: str = Field(default="and", max_length=3)
    exclude_keywords: list = _json_list()
    prefecture_codes: list = _json_list()
    municipality_codes: list = _json_list()
    occupation_codes: list = _json_list()
    employment_forms: list = _json_list()
    wage_type: str | None = Field(default=None, max_length=7)
    wage_min: int | None = None
    notify: bool = False  # saved searches: mail new offers (saved-search-new-jobs)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow, index=True)


# ---------------------------------------------------------------------------- job offers


class JobOffer(SQLModel, table=True):
    """求人: a job offer posted by the main site."""

    __tablename__ = "job_offer"

    id: int | None = Field(default=None, primary_key=True)
    job_number: str = Field(max_length=14, unique=True)  # 求人番号 NNNNN-NNNNNNNN
    title: str = Field(max_length=200)  # 職種
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # 仕事内容
    employer_name: str = Field(default="", max_length=200)  # 事業所名
    industry_code: str | None = Field(default=None, max_length=2)  # 産業分類
    occupation_code: str | None = Field(default=None, max_length=6)  # NNN-NN
    prefecture_code: str = Field(max_length=2, index=True)
    municipality_code: str | None = Field(default=None, max_length=5)
    employment_form: int | None = None  # 1–7
    wage_type: str | None = Field(default=None, max_length=7)  # monthly / daily / hourly
    wage_min: int | None = None
    wage_max: int | None = None
    licenses: list = _json_list()
    received_on: date | None = Field(default=None, index=True)  # 受付年月日
    referral_deadline: date | None = None  # 紹介期限日
    online_application: bool = False  # オンライン自主応募可
    matching_status: str = Field(default=MatchingStatus.PENDING, max_length=10, index=True)
    matched_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)

    # One meaning of "open" for everything that shows or chooses offers (rounds, the upkeep,
    # the mails): not withdrawn, and its 紹介期限日 (if any) not before the day in Japan.
    def is_open_on(self, day: date) -> bool:
        return self.matching_status != MatchingStatus.WITHDRAWN and (
            self.referral_deadline is None or self.referral_deadline >= day)

    @classmethod
    def open_on(cls, day: date):
        """``is_open_on`` as a SQL condition."""
        return and_(cls.matching_status != MatchingStatus.WITHDRAWN.value,
                    or_(cls.referral_deadline.is_(None), cls.referral_deadline >= day))


class Favourite(SQLModel, table=True):
    """お気に入り求人 (at most 300 per seeker)."""

    __tablename__ = "favourite"
    __table_args__ = (UniqueConstraint("seeker_id", "job_offer_id"),)

    id: int | None = Field(default=None, primary_key=True)
    seeker_id: int = Field(foreign_key="seeker.id", ondelete="CASCADE", index=True)
    job_offer_id: int = Field(foreign_key="job_offer.id", ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow)


# ---------------------------------------------------------------------------- inbox


class InboxItem(SQLModel, table=True):
    """An item in the seeker's My Page inbox. ``dedupe_key`` makes every delivery exactly-once:
    recommendations use ``recommendation:<seeker>:<offer>``."""

    __tablename__ = "inbox_item"
    __table_args__ = (Index("ix_inbox_item_seeker_created", "seeker_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    seeker_id: int = Field(foreign_key="seeker.id", ondelete="CASCADE")
    kind: str = Field(max_length=16)
    dedupe_key: str = Field(max_length=120, unique=True)
    job_offer_id: int | None = Field(default=None, foreign_key="job_offer.id", ondelete="CASCADE")
    condition_id: int | None = None  # the condition that matched (recommendations)
    title: str = Field(default="", max_length=200)
    body: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    score: int | None = None
    reasons: list = _json_list()
    mailed_at: datetime | None = None  # included in a digest mail
    read_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class RecommendationCandidate(SQLModel, table=True):
    """A match waiting to be chosen for the inbox: ids and a ranking score, no text. One per
    (seeker, offer), the best of the seeker's matching conditions; ``chosen_at`` is set by the
    round that made it an inbox item. Kept ``candidate_days`` days (``worker.pipeline.rounds``).

    No foreign keys, on purpose: checking two of them made each of the millions of rows a batch
    writes about five times dearer on PostgreSQL. A round joins the seeker and the offer, so a
    row whose seeker or offer is gone is never chosen; erasure deletes a seeker's rows, and the
    upkeep prunes every row after its days."""

    __tablename__ = "recommendation_candidate"
    # BRIN on PostgreSQL: rows arrive in created_at order by the million, and a B-tree cost
    # about a quarter of each insert for an index only the upkeep and the age filter use.
    # Pages 30 % empty on PostgreSQL (fillfactor 70): the round sets ``chosen_at`` on about one
    # row in five, and with room on its page the new row version is a HOT update (no new index
    # entry, no page elsewhere): the round's UPDATE took less than half the time.
    __table_args__ = (Index("ix_recommendation_candidate_created", "created_at", postgresql_using="brin"),
                      {"postgresql_with": {"fillfactor": 70}})

    seeker_id: int = Field(primary_key=True)
    job_offer_id: int = Field(primary_key=True)
    condition_id: int
    score: int  # matchers.ranking.rank_score: higher is better
    created_at: datetime = Field(default_factory=utcnow)
    chosen_at: datetime | None = None


class SavedSearchHit(SQLModel, table=True):
    """A new offer for a saved search whose mail the seeker switched on: listed in that search's
    mail of ``day`` (the JST day it may be sent, ``worker.pipeline.digest``). Append-only, one
    per (search, offer): the matching batches COPY their hits in and never touch the mail, so no
    batch rewrites a growing offer list or waits on another's row lock; the mail reads its hits
    when it is sent. Ids only and no foreign keys, as for the candidates; erasure deletes a
    seeker's hits and the upkeep prunes them after ``SAVED_SEARCH_HIT_DAYS``."""

    __tablename__ = "saved_search_hit"
    # BRIN on PostgreSQL, as the candidates' created_at: rows arrive in day order, and only the
    # upkeep looks them up by day.
    __table_args__ = (Index("ix_saved_search_hit_day", "day", postgresql_using="brin"),)

    condition_id: int = Field(primary_key=True)
    job_offer_id: int = Field(primary_key=True)
    seeker_id: int
    day: date
    created_at: datetime = Field(default_factory=utcnow)


class OfferShardMatch(SQLModel, table=True):
    """One shard of the condition index has matched one offer (``MYPAGE_INDEX_SHARDS`` > 1): the
    shard's claim, written in the transaction that writes its candidates. The offer is matched
    when every shard has its row; the sweeper re-sends an offer to the shards without one
    (``worker.pipeline.shards``). No foreign key, as for the candidates: ids only."""

    __tablename__ = "offer_shard_match"

    job_offer_id: int = Field(primary_key=True)
    shard: int = Field(primary_key=True)
    matched_at: datetime = Field(default_factory=utcnow)


# ---------------------------------------------------------------------------- referral & messages


class Application(SQLModel, table=True):
    """An online application (オンラインハローワーク紹介 or オンライン自主応募)."""

    __tablename__ = "application"
    __table_args__ = (UniqueConstraint("seeker_id", "job_offer_id"),)

    id: int | None = Field(default=None, primary_key=True)
    seeker_id: int = Field(foreign_key="seeker.id", ondelete="CASCADE", index=True)
    job_offer_id: int = Field(foreign_key="job_offer.id", ondelete="CASCADE")
    self_application: bool = False  # オンライン自主応募 (not recommended by Hello Work)
    applied_at: datetime = Field(default_factory=utcnow)


class Referral(SQLModel, table=True):
    """紹介状: the referral letter issued for an application."""

    __tablename__ = "referral"
    __table_args__ = {"sqlite_autoincrement": True}  # ids appear in dedupe keys: never reused

    id: int | None = Field(default=None, primary_key=True)
    seeker_id: int = Field(foreign_key="seeker.id", ondelete="CASCADE", index=True)
    application_id: int = Field(foreign_key="application.id", ondelete="CASCADE", unique=True)
    job_offer_id: int = Field(foreign_key="job_offer.id", ondelete="CASCADE")
    issued_at: datetime = Field(default_factory=utcnow)


class Message(SQLModel, table=True):
    """A message between a seeker and an employer they applied to. Deleted after 1 year."""

    __tablename__ = "message"
    __table_args__ = (
        Index("ix_message_seeker_job", "seeker_id", "job_offer_id"),
        {"sqlite_autoincrement": True},  # ids appear in dedupe keys: never reused
    )

    id: int | None = Field(default=None, primary_key=True)
    seeker_id: int = Field(foreign_key="seeker.id", ondelete="CASCADE")
    job_offer_id: int = Field(foreign_key="job_offer.id", ondelete="CASCADE")
    from_seeker: bool = True  # False: from the employer
    body: str = Field(sa_column=Column(Text, nullable=False))
    sent_at: datetime = Field(default_factory=utcnow, index=True)


class NoShowReport(SQLModel, table=True):
    """面接不参加: an employer reports that the seeker missed an interview without notice."""

    __tablename__ = "no_show_report"
    __table_args__ = (UniqueConstraint("application_id"),)

    id: int | None = Field(default=None, primary_key=True)
    seeker_id: int = Field(foreign_key="seeker.id", ondelete="CASCADE", index=True)
    application_id: int = Field(foreign_key="application.id", ondelete="CASCADE")
    reported_at: datetime = Field(default_factory=utcnow)


# ---------------------------------------------------------------------------- opening a My Page


class PasswordRegistrationRequest(SQLModel, table=True):
    """パスワード登録申込: holds only the 認証キー's hash and the salt it was derived from."""

    __tablename__ = "password_registration_request"
    __table_args__ = {"sqlite_autoincrement": True}  # ids appear in dedupe keys: never reused

    id: int | None = Field(default=None, primary_key=True)
    seeker_id: int = Field(foreign_key="seeker.id", ondelete="CASCADE", index=True)
    salt: str = Field(max_length=64)
    key_hash: str = Field(max_length=128)
    status: str = Field(default=KeyRequestStatus.PENDING, max_length=12, index=True)
    failed_attempts: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None


# ---------------------------------------------------------------------------- mail


class OutboxMail(SQLModel, table=True):
    """One outgoing mail. Committed with the change that causes it; ``dedupe_key`` makes causing
    it twice produce it once. The context holds ids, never rendered secrets."""

    __tablename__ = "outbox_mail"
    __table_args__ = (Index("ix_outbox_mail_status_next", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(max_length=160, unique=True)
    kind: str = Field(max_length=40)  # the mail's declared name, e.g. password-registration
    seeker_id: int | None = Field(default=None, foreign_key="seeker.id", ondelete="SET NULL", index=True)
    recipient: str | None = Field(default=None, max_length=254)  # cleared once final
    context: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default=MailStatus.PENDING, max_length=12)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow)
    lease_until: datetime | None = None
    expires_at: datetime | None = None  # never send after this (認証キー mails)
    message_id: str | None = Field(default=None, max_length=250)
    # Set when the server dropped the connection after DATA: the mail may have arrived. Kept
    # after the one retry, so a possible duplicate stays recognisable.
    uncertain_at: datetime | None = None
    # Set, durably, just before this attempt hands the mail to the server and cleared by the next
    # claim: a row whose lease ran out with this set and no outcome recorded may have been
    # delivered, so the sweeper makes it uncertain rather than pending.
    send_started_at: datetime | None = None
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None


class SuppressedAddress(SQLModel, table=True):
    """An address that answered 5xx: later mails to it are not attempted. Kept as a hash."""

    __tablename__ = "suppressed_address"

    id: int | None = Field(default=None, primary_key=True)
    address_hash: str = Field(max_length=64, unique=True)
    reason: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)


# ---------------------------------------------------------------------------- scheduling


class SchedulerTick(SQLModel, table=True):
    """One periodic job's time slot, claimed once: a repeated tick finds the row and does nothing."""

    __tablename__ = "scheduler_tick"
    __table_args__ = (UniqueConstraint("job", "slot"),)

    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(max_length=60)
    slot: str = Field(max_length=40)
    claimed_by: str = Field(default="", max_length=100)
    claimed_at: datetime = Field(default_factory=utcnow)


# ---------------------------------------------------------------------------- staff console


class StaffRole(StrEnum):
    """What a staff account may do in the console; each role includes the ones before it."""

    VIEWER = "viewer"  # sees every page
    OPERATOR = "operator"  # runs recommendation batches and sends notices
    ADMIN = "admin"  # manages staff accounts and the suppression list


class StaffAccount(SQLModel, table=True):
    """A ハローワーク職員's console login. The password is kept only as an argon2 hash."""

    __tablename__ = "staff_account"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True)
    role: str = Field(default=StaffRole.VIEWER, max_length=10)
    password_hash: str = Field(max_length=255)
    disabled_at: datetime | None = None
    last_login_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class AuditEntry(SQLModel, table=True):
    """One staff action: who (the account, or none for a failed login), what, when, the counts."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int | None = Field(default=None, foreign_key="staff_account.id", ondelete="SET NULL", index=True)
    action: str = Field(max_length=40, index=True)
    summary: str = Field(default="", max_length=500)
    details: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))  # counts, ids; never addresses
    created_at: datetime = Field(default_factory=utcnow, index=True)


class NoticeDraft(SQLModel, table=True):
    """A お知らせ composed in the console and waiting to be sent — for a second operator's
    approval when it reaches more seekers than ``notice_approval_threshold``."""

    __tablename__ = "notice_draft"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    body: str = Field(sa_column=Column(Text, nullable=False))
    prefectures: list = _json_list()
    reach: int = 0  # seekers in the segment when composed
    created_by: int | None = Field(default=None, foreign_key="staff_account.id", ondelete="SET NULL")
    approved_by: int | None = Field(default=None, foreign_key="staff_account.id", ondelete="SET NULL")
    sent_at: datetime | None = None
    inbox_items: int = 0
    mails_queued: int = 0
    created_at: datetime = Field(default_factory=utcnow)

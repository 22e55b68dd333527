"""Realistic sample data for every declared mail, without a database.

``sample_rows`` builds a small world of seekers, job offers, inbox items, a referral, a
message and a password registration request; ``SAMPLE_MAILS`` gives each mail the outbox
context that points into it. The declarations build their context from these exactly as they do
from the database, so a preview shows what a seeker would get. Tests load the same world into
SQLite and PostgreSQL and check that both paths agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from worker.config import Settings
from worker.domain.keys import derive_authentication_key, hash_authentication_key
from worker.domain.models import (
    AccountState,
    Application,
    Condition,
    ConditionKind,
    InboxItem,
    InboxKind,
    JobOffer,
    Message,
    PasswordRegistrationRequest,
    Referral,
    RegistrationStatus,
    SavedSearchHit,
    Seeker,
)

T = TypeVar("T")

# 2025-11-05 10:00 JST: every sample time is fixed, so a preview is the same each time.
SAMPLE_NOW = datetime(2025, 11, 5, 1, 0, tzinfo=UTC)
SAMPLE_SALT = "5f0c2a9e7b3d41c8a6e2f9d0b1c4e7a3"


class SampleRows:
    """Rows by (model, id), answering ``get`` like a ``Session`` does."""

    def __init__(self, rows: Iterable[SQLModel]):
        self.rows = list(rows)
        self._by_key = {(type(row), row.id): row for row in self.rows if hasattr(row, "id")}

    def get(self, entity: type[T], ident: Any, /) -> T | None:
        return self._by_key.get((entity, ident))

    def saved_search_offer_ids(self, condition_id: int, day: date, /) -> list[int]:
        return sorted(row.job_offer_id for row in self.rows
                      if isinstance(row, SavedSearchHit) and row.condition_id == condition_id and row.day == day)


@dataclass(frozen=True)
class SampleMail:
    recipient: str
    outbox_context: dict[str, Any]


def _seekers() -> list[Seeker]:
    common = dict(birth_date=date(1988, 4, 12), prefecture_code="14", registration_valid_until=date(2025, 11, 30))
    return [
        Seeker(id=1, seeker_number="14010-01234567", name="山田 花子", email="hanako.yamada@example.jp",
               email_normalized="hanako.yamada@example.jp", account_state=AccountState.OPEN,
               opened_at=SAMPLE_NOW - timedelta(days=120), **common),
        Seeker(id=2, seeker_number="13040-00456789", name="佐藤 健一", email="kenichi.sato@example.jp",
               email_normalized="kenichi.sato@example.jp", account_state=AccountState.RESTRICTED,
               restricted_at=SAMPLE_NOW - timedelta(hours=2), **common),
        Seeker(id=3, seeker_number="27020-00987654", name="鈴木 美咲", email="misaki.suzuki@example.jp",
               email_normalized="misaki.suzuki@example.jp", account_state=AccountState.OPEN,
               registration_status=RegistrationStatus.INVALID, registration_invalid_on=date(2025, 11, 1),
               birth_date=date(1995, 9, 3), prefecture_code="27"),
        Seeker(id=4, seeker_number="01010-00112233", name="高橋 誠", email="makoto.takahashi@example.jp",
               email_normalized="makoto.takahashi@example.jp", account_state=AccountState.OPEN,
               registration_status=RegistrationStatus.INVALID, registration_invalid_on=date(2020, 12, 4),
               birth_date=date(1970, 1, 20), prefecture_code="01"),
        Seeker(id=5, seeker_number="14010-07654321", name="伊藤 さくら", email="sakura.ito@example.jp",
               email_normalized="sakura.ito@example.jp", account_state=AccountState.NOT_OPENED,
               birth_date=date(2001, 6, 15), prefecture_code="14", registration_valid_until=date(2026, 1, 31)),
    ]


def _job_offers() -> list[JobOffer]:
    return [
        JobOffer(id=1, job_number="13010-14180061", title="介護職員（特別養護老人ホーム）",
                 employer_name="社会福祉法人 さくら福祉会", occupation_code="050-01", prefecture_code="13",
                 municipality_code="13112", employment_form=1, wage_type="monthly", wage_min=215000,
                 wage_max=262000, licenses=["介護福祉士"], received_on=date(2025, 11, 4)),
        JobOffer(id=2, job_number="14010-05530871", title="一般事務（受発注・電話応対）",
                 employer_name="株式会社 みどり商事", occupation_code="034-01", prefecture_code="14",
                 municipality_code="14101", employment_form=5, wage_type="hourly", wage_min=1180,
                 wage_max=1300, received_on=date(2025, 11, 4), online_application=True),
        JobOffer(id=3, job_number="11020-03311452", title="倉庫内での商品仕分け・梱包",
                 employer_name="関東ロジスティクス 株式会社", occupation_code="098-02", prefecture_code="11",
                 municipality_code="11203", employment_form=2, wage_type="daily", wage_min=9800,
                 received_on=date(2025, 11, 5)),
    ]


def _inbox_items() -> list[InboxItem]:
    return [
        InboxItem(id=1, seeker_id=1, kind=InboxKind.RECOMMENDATION, dedupe_key="recommendation:1:1", job_offer_id=1,
                  condition_id=1, title="介護職員（特別養護老人ホーム）", score=92,
                  reasons=["勤務地が希望の都道府県（東京都）です",
                           "職種が希望の職業分類（介護サービス職業従事者）に当てはまります",
                           "賃金（月給 262,000円）が希望の下限以上です"]),
        InboxItem(id=2, seeker_id=1, kind=InboxKind.RECOMMENDATION, dedupe_key="recommendation:1:2", job_offer_id=2,
                  condition_id=1, title="一般事務（受発注・電話応対）", score=78,
                  reasons=["キーワード『事務』が職種にあります", "勤務地が希望の都道府県（神奈川県）です"]),
        InboxItem(id=3, seeker_id=1, kind=InboxKind.NOTICE, dedupe_key="notice:1:2025-11-05",
                  title="年末年始の窓口業務について",
                  body="ハローワーク横浜では、12月29日（月）から1月3日（土）まで窓口業務をお休みします。\n"
                       "年明けは1月5日（月）8時30分から通常どおりご利用いただけます。\n"
                       "求職者マイページは期間中もご利用いただけます。"),
    ]


def _rest(settings: Settings) -> list[SQLModel]:
    key = derive_authentication_key(settings.effective_secret_key(), SAMPLE_SALT)
    return [
        Condition(id=1, seeker_id=1, kind=ConditionKind.REGISTERED, name="求職条件", occupation_codes=["050-01"],
                  prefecture_codes=["13", "14"], wage_type="monthly", wage_min=200000),
        Condition(id=2, seeker_id=1, kind=ConditionKind.SAVED, name="横浜市 事務 パート", keywords=["事務"],
                  prefecture_codes=["14"], employment_forms=[5], notify=True),
        *(SavedSearchHit(condition_id=2, job_offer_id=offer_id, seeker_id=1, day=SAMPLE_NOW.date(),
                         created_at=SAMPLE_NOW) for offer_id in (2, 3)),
        Application(id=1, seeker_id=1, job_offer_id=2, applied_at=SAMPLE_NOW - timedelta(days=3)),
        Referral(id=1, seeker_id=1, application_id=1, job_offer_id=2, issued_at=SAMPLE_NOW - timedelta(hours=1)),
        Message(id=1, seeker_id=1, job_offer_id=2, from_seeker=False, sent_at=SAMPLE_NOW - timedelta(minutes=20),
                body="面接日程のご相談です。11月10日（月）14時はいかがでしょうか。"),
        PasswordRegistrationRequest(id=1, seeker_id=5, salt=SAMPLE_SALT, key_hash=hash_authentication_key(key, SAMPLE_SALT),
                                    created_at=SAMPLE_NOW, expires_at=SAMPLE_NOW + timedelta(minutes=50)),
    ]


def sample_rows(settings: Settings) -> SampleRows:
    """A fresh sample world (new objects each call: a test may add them to a session)."""
    return SampleRows([*_seekers(), *_job_offers(), *_inbox_items(), *_rest(settings)])


def store_sample_world(engine: Engine, settings: Settings) -> None:
    """Write the sample world into a database (tests and the benchmark), parents first: the
    tables have foreign keys but no ORM relationships to order the inserts by."""
    order = {table.name: n for n, table in enumerate(SQLModel.metadata.sorted_tables)}
    with Session(engine) as session:
        for row in sorted(sample_rows(settings).rows, key=lambda row: order[row.__tablename__]):
            session.add(row)
            session.flush()
        session.commit()


SAMPLE_MAILS: dict[str, SampleMail] = {
    "password-registration": SampleMail("sakura.ito@example.jp", {"request_id": 1}),
    "recommendations": SampleMail("hanako.yamada@example.jp",
                                  {"seeker_id": 1, "inbox_item_ids": [1, 2], "more_count": 7}),
    "saved-search-new-jobs": SampleMail(
        "hanako.yamada@example.jp", {"seeker_id": 1, "condition_id": 2, "day": SAMPLE_NOW.date().isoformat()}),
    "message-received": SampleMail("hanako.yamada@example.jp", {"seeker_id": 1, "message_id": 1}),
    "referral-issued": SampleMail("hanako.yamada@example.jp", {"seeker_id": 1, "referral_id": 1}),
    "notice": SampleMail("hanako.yamada@example.jp", {"seeker_id": 1, "inbox_item_id": 3}),
    "registration-expiring": SampleMail("hanako.yamada@example.jp", {"seeker_id": 1, "valid_until": "2025-11-30"}),
    "registration-invalid": SampleMail("misaki.suzuki@example.jp", {"seeker_id": 3, "invalid_on": "2025-11-01"}),
    "restricted": SampleMail("kenichi.sato@example.jp", {"seeker_id": 2}),
    "withdrawn": SampleMail("taro.kobayashi@example.jp", {"name": "小林 太郎"}),
    "deletion-warning": SampleMail("makoto.takahashi@example.jp", {"seeker_id": 4, "deletion_on": "2025-12-04"}),
}

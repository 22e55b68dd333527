"""Pipeline test parts: settings with quiet hours and the digest delay switched off (tests that
are about them switch them on), and a builder of seekers, conditions and job offers."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from worker.config import Settings, load_settings
from worker.db import session_scope
from worker.domain.models import Condition, InboxItem, JobOffer, OutboxMail, SavedSearchHit, Seeker


@pytest.fixture
def settings(tmp_path) -> Settings:
    return load_settings(var_dir=tmp_path, database_url=None, redis_url=None, smtp_host=None,
                         secret_key="test-secret-of-32-characters-256", quiet_hours_start=0, quiet_hours_end=0, digest_delay_s=0)


# 10:00 JST on a weekday: outside the quiet hours.
DAYTIME = datetime(2025, 6, 10, 1, 0, tzinfo=UTC)


@dataclass
class World:
    """Rows for a test, each in its own committed transaction (as the main site would)."""

    engine: object
    _numbers = itertools.count(1)

    def seeker(self, *, state: str = "open", registration: str = "valid", prefecture: str = "13",
               saved_search_mails: bool = True, email: bool = True) -> int:
        n = next(self._numbers)
        with session_scope(self.engine) as session:
            seeker = Seeker(seeker_number=f"13010-{n:08d}", name=f"求職者{n}", prefecture_code=prefecture,
                            email=f"seeker{n}@example.jp" if email else None,
                            email_normalized=f"seeker{n}@example.jp" if email else None,
                            birth_date=date(1990, 1, 1), registration_status=registration,
                            registration_valid_until=date(2099, 12, 31), account_state=state,
                            saved_search_mails=saved_search_mails)
            session.add(seeker)
            session.flush()
            return seeker.id

    def condition(self, seeker_id: int, *, kind: str = "registered", notify: bool = False, **fields) -> int:
        fields.setdefault("prefecture_codes", ["13"])
        with session_scope(self.engine) as session:
            condition = Condition(seeker_id=seeker_id, kind=kind, notify=notify, **fields)
            session.add(condition)
            session.flush()
            return condition.id

    def offer(self, *, title: str = "一般事務", prefecture: str = "13", **fields) -> int:
        n = next(self._numbers)
        with session_scope(self.engine) as session:
            offer = JobOffer(job_number=f"13010-{n:08d}", title=title, prefecture_code=prefecture,
                             employer_name=f"株式会社テスト{n}", **fields)
            session.add(offer)
            session.flush()
            return offer.id

    def inbox(self, seeker_id: int | None = None) -> list[InboxItem]:
        with session_scope(self.engine) as session:
            stmt = select(InboxItem).order_by(InboxItem.id)
            if seeker_id is not None:
                stmt = stmt.where(InboxItem.seeker_id == seeker_id)
            return list(session.execute(stmt).scalars())

    def outbox(self, kind: str | None = None) -> list[OutboxMail]:
        with session_scope(self.engine) as session:
            stmt = select(OutboxMail).order_by(OutboxMail.id)
            if kind is not None:
                stmt = stmt.where(OutboxMail.kind == kind)
            return list(session.execute(stmt).scalars())

    def saved_search_hits(self) -> list[tuple]:
        """(search, offer, seeker, day) of every saved-search hit, in key order."""
        h = SavedSearchHit.__table__.c
        with self.engine.connect() as conn:
            return [tuple(row) for row in conn.execute(
                select(h.condition_id, h.job_offer_id, h.seeker_id, h.day).order_by(h.condition_id, h.job_offer_id))]

    def get(self, model, row_id):
        with session_scope(self.engine) as session:
            return session.get(model, row_id)

    def update(self, model, row_id, **values) -> None:
        with session_scope(self.engine) as session:
            row = session.get(model, row_id)
            for key, value in values.items():
                setattr(row, key, value)
            session.add(row)


@pytest.fixture
def world(engine) -> World:
    return World(engine)

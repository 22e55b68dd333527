"""Outbox test parts: settings with the file outbox, the sample world in the database, and rows
queued as their producers would."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from worker.config import Settings, load_settings
from worker.domain.models import OutboxMail
from worker.mail.samples import SAMPLE_MAILS, store_sample_world
from worker.outbox.enqueue import enqueue_mail


@pytest.fixture
def settings(tmp_path) -> Settings:
    return load_settings(var_dir=tmp_path, secret_key="test-secret-of-32-characters-256", database_url=None, smtp_host=None)


@pytest.fixture
def sample_world(engine, settings):
    store_sample_world(engine, settings)
    return engine


def enqueue(engine, name: str, *, key: str | None = None, **row) -> int:
    """Queue the sample mail ``name`` and return the outbox id."""
    sample = SAMPLE_MAILS[name]
    dedupe_key = key or f"test:{name}"
    with Session(engine) as session:
        enqueue_mail(session, kind=name, dedupe_key=dedupe_key, recipient=sample.recipient,
                     context=sample.outbox_context, **row)
        session.commit()
        return session.exec(select(OutboxMail.id).where(OutboxMail.dedupe_key == dedupe_key)).one()


def outbox_rows(engine) -> list[OutboxMail]:
    with Session(engine) as session:
        return list(session.exec(select(OutboxMail).order_by(OutboxMail.id)))


def outbox_row(engine, outbox_id: int) -> OutboxMail:
    with Session(engine) as session:
        return session.get(OutboxMail, outbox_id)


def eml_files(settings):
    return sorted(settings.outbox_dir.glob("*.eml")) if settings.outbox_dir.exists() else []

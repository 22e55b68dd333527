"""What a mail is: a name plus one function that builds its template context.

The function gets the outbox row's context (ids only, see COMMON's mail context contract),
something that loads rows by id, and the settings. Loading only by id (``rows.get(Model, id)``,
and a saved search's offers of a day) keeps one code path for the database (``ConnectionRows``)
and for previews (``SampleRows``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol, TypeVar

from worker.config import Settings
from worker.domain.models import AccountState, Seeker
from worker.mail.present import MYPAGE_PATH, site_link

T = TypeVar("T")


class RowSource(Protocol):
    def get(self, entity: type[T], ident: Any, /) -> T | None: ...

    def saved_search_offer_ids(self, condition_id: int, day: date, /) -> list[int]:
        """The offers appended to a saved search's mail of ``day`` (``SavedSearchHit``), in id order."""
        ...


class MailNotNeeded(Exception):
    """The mail lost its point before it was sent (the seeker withdrew, the row is gone…): cancel it."""


class MailExpired(Exception):
    """The mail carries something that expired (an 認証キー): never send it."""


ContextBuilder = Callable[[RowSource, Settings, Mapping[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class MailDeclaration:
    name: str
    build: ContextBuilder

    def context(self, rows: RowSource, settings: Settings, outbox_context: Mapping[str, Any]) -> dict[str, Any]:
        """The template context: what every mail shows (links, sender) plus this mail's facts."""
        return {**common_context(settings), **self.build(rows, settings, outbox_context)}


def declare(name: str) -> Callable[[ContextBuilder], MailDeclaration]:
    """``@declare("restricted")`` over the context builder; templates are ``templates/mail/<name>/``."""
    return lambda build: MailDeclaration(name=name, build=build)


def common_context(settings: Settings) -> dict[str, Any]:
    return {
        "site_url": site_link(settings),
        "mypage_url": site_link(settings, MYPAGE_PATH),
        "sender_address": settings.mail_from,
    }


def seeker_of(rows: RowSource, outbox_context: Mapping[str, Any]) -> Seeker:
    """The seeker a mail is about; a seeker who is gone or withdrew gets no more mail."""
    seeker = rows.get(Seeker, outbox_context["seeker_id"])
    if seeker is None or seeker.account_state == AccountState.WITHDRAWN:
        raise MailNotNeeded("the seeker is gone or withdrew")
    return seeker


def seeker_name(seeker: Seeker) -> str:
    return seeker.name or "求職者"

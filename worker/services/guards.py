"""What a seeker may do: the one place that decides it.

The leaflet's rules, as a table:

- account not opened or withdrawn (退会): every My Page function is refused;
- 利用不可 (made unusable by staff): everything is refused;
- registration 無効: search inside My Page, saving search conditions and favourites, viewing
  紹介状, messages and online referral are refused — viewing and changing one's own
  registration (and switching it back to 有効) stays possible, otherwise there would be no way
  back;
- 機能制限 (5 interview no-shows in 3 months): the leaflet only says "some functions". We
  restrict the two that apply to employers online — オンライン自主応募 and オンライン
  ハローワーク紹介 (the issue names both). Messages stay open so the seeker can still tell an
  employer they withdraw (what the rule wants them to do); search, saving, 紹介状 and the
  registration stay open too, and recommendations keep arriving.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from sqlalchemy import update
from sqlmodel import Session

from worker.domain.errors import (
    AccountNotOpen,
    AccountRestricted,
    AccountUnusable,
    MyPageError,
    NotFound,
    RegistrationInvalid,
)
from worker.domain.models import AccountState, RegistrationStatus, Seeker

T = TypeVar("T")


class Action(StrEnum):
    SEARCH = "search"  # マイページ内での求人検索
    SAVE_CONDITION = "save_condition"  # 検索条件の保存・編集・削除
    SAVE_FAVOURITE = "save_favourite"  # お気に入り求人の保存
    VIEW_REFERRAL = "view_referral"  # 紹介状の確認
    MESSAGE = "message"  # メッセージ機能
    ONLINE_REFERRAL = "online_referral"  # オンラインハローワーク紹介 (recommended offers)
    SELF_APPLICATION = "self_application"  # オンライン自主応募
    REGISTRATION = "registration"  # 求職情報の確認・変更, 有効/無効の設定
    READ_INBOX = "read_inbox"  # ハローワークからのお知らせ
    WITHDRAW = "withdraw"  # 退会


REFUSED_WHILE_INVALID = frozenset({
    Action.SEARCH, Action.SAVE_CONDITION, Action.SAVE_FAVOURITE, Action.VIEW_REFERRAL,
    Action.MESSAGE, Action.ONLINE_REFERRAL, Action.SELF_APPLICATION,
})
REFUSED_WHILE_RESTRICTED = frozenset({Action.ONLINE_REFERRAL, Action.SELF_APPLICATION})


def refusal(seeker: Seeker, action: Action) -> MyPageError | None:
    """The error that refuses ``action`` to ``seeker``, or None when it is allowed."""
    state = seeker.account_state
    if state in (AccountState.NOT_OPENED, AccountState.WITHDRAWN):
        return AccountNotOpen()
    if state == AccountState.UNUSABLE:
        return AccountUnusable()
    if seeker.registration_status != RegistrationStatus.VALID and action in REFUSED_WHILE_INVALID:
        return RegistrationInvalid()
    if state == AccountState.RESTRICTED and action in REFUSED_WHILE_RESTRICTED:
        return AccountRestricted()
    return None


def is_allowed(seeker: Seeker, action: Action) -> bool:
    return refusal(seeker, action) is None


def allowed_actions(seeker: Seeker) -> frozenset[Action]:
    """Everything the seeker may do now (for the site's menu)."""
    return frozenset(a for a in Action if is_allowed(seeker, a))


def check(seeker: Seeker, action: Action) -> Seeker:
    """Raise the Japanese error that refuses ``action``; return the seeker when allowed."""
    error = refusal(seeker, action)
    if error is not None:
        raise error
    return seeker


# The ids are PostgreSQL ``integer`` columns. A value that cannot be such an id (text, a float, a
# bool, out of range) is looked up nowhere: PostgreSQL would fail the statement (and with it the
# caller's transaction) where SQLite finds nothing, and True would find id 1.
_MAX_ID = 2**31 - 1


def is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= _MAX_ID


def get_row(session: Session, model: type[T], ident: object) -> T | None:
    """``session.get`` for an id from outside: None for a value that cannot be an id."""
    return session.get(model, ident) if is_id(ident) else None


def get_seeker(session: Session, seeker_id: int) -> Seeker:
    seeker = get_row(session, Seeker, seeker_id)
    if seeker is None:
        raise NotFound("求職者が見つかりません。", field="seeker_id")
    return seeker


def require(session: Session, seeker_id: int, action: Action) -> Seeker:
    """Load the seeker and check ``action`` (NotFound for an unknown seeker)."""
    return check(get_seeker(session, seeker_id), action)


def ensure_allowed(session: Session, *, seeker_id: int, action: Action) -> Seeker:
    """For the site's own features (search inside My Page): raise when the seeker may not."""
    return require(session, seeker_id, action)


def lock_seeker(session: Session, seeker_id: int) -> None:
    """Serialize changes to one seeker's limited collections (3 saved searches, 300 favourites).

    A no-op update of the seeker row takes its row lock on PostgreSQL and the write lock on
    SQLite, so two concurrent "add" calls count one after the other instead of both seeing room
    for one more. It changes nothing, so a refusal after it leaves the row as it was."""
    table = Seeker.__table__
    session.execute(update(table).where(table.c.id == seeker_id).values(updated_at=table.c.updated_at))

"""検索条件 (saved searches, at most 3 per seeker) and the validation of every condition.

A condition has the matchers' shape: free words (AND/OR, plus excluded words), up to 3
prefectures, 3 municipalities and 3 occupations, employment forms 1–7, a wage type with a lower
bound. The same validation serves the registered 求職条件 (``registration``). The fields' types,
codes and limits are the JSONL contract's (``matchers.schema.ConditionBody``, one definition for
``match``, ``import-jobs`` and here); on top of it come the My Page form's own rules: free words
typed as one string are split at spaces and may fill 50 characters in all, repeated codes count
once, a minimum wage needs its wage type, and a condition must narrow something. Messages are the
form's, in Japanese, naming the field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete, func
from sqlmodel import Session, select

from matchers import vocabulary
from matchers.schema import ConditionBody, problems
from worker.domain.errors import InvalidInput, LimitExceeded, NotFound
from worker.domain.models import Condition, ConditionKind, SavedSearchHit, Seeker
from worker.services.calendar import require_aware
from worker.services.guards import Action, get_row, lock_seeker, require

MAX_SAVED_SEARCHES = 3
MAX_CODES = vocabulary.MAX_CODES
MAX_KEYWORD_CHARS = 50  # the real form's フリーワード field, all words together
MAX_NAME_CHARS = 50
WAGE_TYPES = tuple(vocabulary.WAGE_TYPES)
EMPLOYMENT_FORMS = vocabulary.EMPLOYMENT_FORMS
MAX_WAGE = vocabulary.MAX_YEN

_SPACES = re.compile(r"[\s\u3000]+")

FIELDS = tuple(ConditionBody.model_fields)

# The form's message for a field the contract refuses.
_MESSAGES = {
    "keywords": f"フリーワードは{vocabulary.MAX_KEYWORDS}語まで、{MAX_KEYWORD_CHARS}文字以内の文字で入力してください。",
    "exclude_keywords":
        f"除外するキーワードは{vocabulary.MAX_KEYWORDS}語まで、{MAX_KEYWORD_CHARS}文字以内の文字で入力してください。",
    "keyword_mode": "フリーワードの検索方法は「すべて含む（and）」か「いずれかを含む（or）」です。",
    "prefecture_codes": f"都道府県は{MAX_CODES}つまで、正しいコードで指定してください（例: 13）。",
    "municipality_codes": f"市区町村は{MAX_CODES}つまで、正しいコードで指定してください（例: 13101）。",
    "occupation_codes": f"職種は{MAX_CODES}つまで、正しいコードで指定してください（例: 01、011 または 011-01）。",
    "employment_forms": "雇用形態は1〜7の番号の一覧で指定してください。",
    "wage_type": "賃金の種類は月給・日給・時給から選んでください。",
    "wage_min": "賃金の下限は正の整数（円）で入力してください。",
}


def _words(value: Any, field: str, label: str) -> Any:
    """Free words as the form sends them (one string, or a list of strings with spaces in them) as
    a list of distinct words; anything else goes to the schema unchanged, which refuses it."""
    if value is None:
        return []
    if isinstance(value, str):
        words = _SPACES.split(value)
    elif isinstance(value, (list, tuple)) and all(isinstance(w, str) for w in value):
        words = [part for w in value for part in _SPACES.split(w)]
    else:
        raise InvalidInput(f"{label}は文字で入力してください。", field=field)
    words = list(dict.fromkeys(w for w in words if w))
    if len(" ".join(words)) > MAX_KEYWORD_CHARS:
        raise InvalidInput(f"{label}は{MAX_KEYWORD_CHARS}文字以内で入力してください。", field=field)
    return words


def _distinct(value: Any) -> Any:
    """A list or tuple with repeats removed (the form may send a code twice); unhashable items (a
    nested list) are left for the schema to refuse with the field's message."""
    if not isinstance(value, (list, tuple)):
        return value
    try:
        return list(dict.fromkeys(value))
    except TypeError:
        return list(value)


def validate_condition(data: Mapping[str, Any]) -> dict[str, Any]:
    """The condition's fields, checked and normalized; InvalidInput names the first problem."""
    if not isinstance(data, Mapping):
        raise InvalidInput("検索条件の形式が正しくありません。", field="condition")
    unknown = sorted(set(data) - set(FIELDS), key=str)
    if unknown:
        raise InvalidInput(f"指定できない項目が含まれています: {', '.join(map(str, unknown))}", field=str(unknown[0]))
    given = {
        **{key: data.get(key) for key in FIELDS},
        "keywords": _words(data.get("keywords"), "keywords", "フリーワード"),
        "exclude_keywords": _words(data.get("exclude_keywords"), "exclude_keywords", "除外するキーワード"),
        **{key: _distinct(data.get(key)) for key in
           ("prefecture_codes", "municipality_codes", "occupation_codes", "employment_forms")},
        "keyword_mode": data.get("keyword_mode") or "and",
    }
    try:
        body = ConditionBody.model_validate(given)
    except ValidationError as exc:
        field = problems(exc)[0][0]
        raise InvalidInput(_MESSAGES.get(field, "条件の指定が正しくありません。"), field=field) from None
    if body.wage_min is not None:
        if body.wage_min <= 0:
            raise InvalidInput(_MESSAGES["wage_min"], field="wage_min")
        if body.wage_type is None:
            raise InvalidInput("賃金の下限を指定するときは賃金の種類（月給・日給・時給）も選んでください。", field="wage_type")
    condition = body.model_dump()
    condition["employment_forms"] = sorted(condition["employment_forms"])
    # Excluded words alone would match nearly every offer: a condition must narrow something.
    narrowing = ("keywords", "prefecture_codes", "municipality_codes", "occupation_codes", "employment_forms", "wage_type")
    if not any(condition[k] for k in narrowing):
        raise InvalidInput("条件を1つ以上指定してください。", field="condition")
    return condition


def _name(name: Any) -> str:
    if not isinstance(name, str) or len(name.strip()) > MAX_NAME_CHARS:
        raise InvalidInput(f"検索条件の名前は{MAX_NAME_CHARS}文字以内で入力してください。", field="name")
    return name.strip()


def _saved(session: Session, seeker_id: int, condition_id: int) -> Condition:
    condition = get_row(session, Condition, condition_id)
    if condition is None or condition.seeker_id != seeker_id or condition.kind != ConditionKind.SAVED:
        raise NotFound("検索条件が見つかりません。", field="condition_id")
    return condition


def list_saved_searches(session: Session, *, seeker_id: int) -> list[Condition]:
    require(session, seeker_id, Action.SEARCH)
    return list(session.exec(
        select(Condition).where(Condition.seeker_id == seeker_id, Condition.kind == ConditionKind.SAVED.value)
        .order_by(Condition.id)
    ))


def create_saved_search(session: Session, *, seeker_id: int, condition: Mapping[str, Any], now: datetime,
                        name: str = "", notify: bool = False) -> Condition:
    """Save a 検索条件; the 4th is refused with LimitExceeded and nothing changes."""
    require_aware(now)
    require(session, seeker_id, Action.SAVE_CONDITION)
    fields = validate_condition(condition)
    name = _name(name)
    lock_seeker(session, seeker_id)
    count = session.exec(
        select(func.count()).select_from(Condition)
        .where(Condition.seeker_id == seeker_id, Condition.kind == ConditionKind.SAVED.value)
    ).one()
    if count >= MAX_SAVED_SEARCHES:
        raise LimitExceeded(
            f"検索条件は{MAX_SAVED_SEARCHES}件まで保存できます。保存済みの条件を編集するか削除してください。",
            field="condition",
        )
    row = Condition(seeker_id=seeker_id, kind=ConditionKind.SAVED.value, name=name, notify=bool(notify),
                    created_at=now, updated_at=now, **fields)
    session.add(row)
    session.flush()
    return row


def update_saved_search(session: Session, *, seeker_id: int, condition_id: int, now: datetime,
                        condition: Mapping[str, Any] | None = None, name: str | None = None,
                        notify: bool | None = None) -> Condition:
    """Edit a saved search; only the arguments given change."""
    require_aware(now)
    require(session, seeker_id, Action.SAVE_CONDITION)
    row = _saved(session, seeker_id, condition_id)
    fields = validate_condition(condition) if condition is not None else {}
    new_name = _name(name) if name is not None else None
    for key, value in fields.items():
        setattr(row, key, value)
    if new_name is not None:
        row.name = new_name
    if notify is not None:
        row.notify = bool(notify)
    row.updated_at = now
    session.add(row)
    session.flush()
    return row


def delete_saved_search(session: Session, *, seeker_id: int, condition_id: int, now: datetime) -> None:
    """Delete a saved search. The seeker row is marked changed at ``now``: a deleted condition
    leaves no row behind, and the worker's condition index notices deletions through the seeker."""
    require_aware(now)
    seeker = require(session, seeker_id, Action.SAVE_CONDITION)
    row = _saved(session, seeker_id, condition_id)
    # The search first: a matching batch writing its hits holds it until it commits
    # (``recommend.saved_search_audience``), so this waits for that batch, and the hits' delete
    # after it sees what the batch wrote.
    session.execute(delete(Condition).where(Condition.id == row.id))
    session.execute(delete(SavedSearchHit).where(SavedSearchHit.condition_id == row.id))
    session.expunge(row)
    seeker.updated_at = now
    session.add(seeker)
    session.flush()


def set_saved_search_mails(session: Session, *, seeker_id: int, enabled: bool, now: datetime) -> Seeker:
    """Opt in or out of every saved-search mail at once (each search also has its ``notify``)."""
    require_aware(now)
    seeker = require(session, seeker_id, Action.SAVE_CONDITION)
    seeker.saved_search_mails = bool(enabled)
    seeker.updated_at = now
    session.add(seeker)
    session.flush()
    return seeker

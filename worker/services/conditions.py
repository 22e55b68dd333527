"""検索条件 (saved searches, at most 3 per seeker) and the validation of every condition.

A condition has the matchers' shape: free words (AND/OR, plus excluded words), up to 3
prefectures, 3 municipalities and 3 occupations, employment forms 1–7, a wage type with a lower
bound. The same validation serves the registered 求職条件 (``registration``). It is written
here rather than borrowed from ``matchers``: the form's limits (50 characters of free words,
3 codes per list) are My Page rules, the matcher only needs well-formed values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func
from sqlmodel import Session, select

from worker.domain.errors import InvalidInput, LimitExceeded, NotFound
from worker.domain.models import Condition, ConditionKind, Seeker
from worker.services.calendar import require_aware
from worker.services.guards import Action, get_row, lock_seeker, require

MAX_SAVED_SEARCHES = 3
MAX_CODES = 3
MAX_KEYWORD_CHARS = 50  # the real form's フリーワード field
MAX_NAME_CHARS = 50
WAGE_TYPES = ("monthly", "daily", "hourly")
EMPLOYMENT_FORMS = range(1, 8)
MAX_WAGE = 100_000_000

_PREFECTURE = re.compile(r"(0[1-9]|[1-3][0-9]|4[0-7])")
_MUNICIPALITY = re.compile(r"(0[1-9]|[1-3][0-9]|4[0-7])[0-9]{3}")  # first two digits: the prefecture
_OCCUPATION = re.compile(r"[0-9]{2}|[0-9]{3}(-[0-9]{2})?")  # 大分類 NN, 中分類 NNN, 小分類 NNN-NN
_SPACES = re.compile(r"[\s\u3000]+")

FIELDS = (
    "keywords", "keyword_mode", "exclude_keywords", "prefecture_codes", "municipality_codes",
    "occupation_codes", "employment_forms", "wage_type", "wage_min",
)


def _words(value: Any, field: str, label: str) -> list[str]:
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


def _codes(value: Any, field: str, label: str, pattern: re.Pattern[str], example: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise InvalidInput(f"{label}は一覧で指定してください。", field=field)
    # Checked before de-duplicating: a nested list or dict would make dict.fromkeys raise TypeError.
    for code in value:
        if not isinstance(code, str) or not pattern.fullmatch(code):
            raise InvalidInput(f"{label}のコードが正しくありません（例: {example}）。", field=field)
    codes = list(dict.fromkeys(value))
    if len(codes) > MAX_CODES:
        raise InvalidInput(f"{label}は{MAX_CODES}つまで指定できます。", field=field)
    return codes


def _forms(value: Any) -> list[int]:
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        raise InvalidInput("雇用形態は一覧で指定してください。", field="employment_forms")
    if any(isinstance(f, bool) or not isinstance(f, int) or f not in EMPLOYMENT_FORMS for f in value):
        raise InvalidInput("雇用形態は1〜7の番号で指定してください。", field="employment_forms")
    return sorted(dict.fromkeys(value))


def validate_condition(data: Mapping[str, Any]) -> dict[str, Any]:
    """The condition's fields, checked and normalized; InvalidInput names the first problem."""
    if not isinstance(data, Mapping):
        raise InvalidInput("検索条件の形式が正しくありません。", field="condition")
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise InvalidInput(f"指定できない項目が含まれています: {', '.join(map(str, unknown))}", field=str(unknown[0]))
    mode = data.get("keyword_mode") or "and"
    if mode not in ("and", "or"):
        raise InvalidInput("フリーワードの検索方法は「すべて含む（and）」か「いずれかを含む（or）」です。", field="keyword_mode")
    wage_type = data.get("wage_type")
    wage_min = data.get("wage_min")
    if wage_type is not None and wage_type not in WAGE_TYPES:
        raise InvalidInput("賃金の種類は月給・日給・時給から選んでください。", field="wage_type")
    if wage_min is not None:
        if isinstance(wage_min, bool) or not isinstance(wage_min, int) or not 0 < wage_min <= MAX_WAGE:
            raise InvalidInput("賃金の下限は正の整数（円）で入力してください。", field="wage_min")
        if wage_type is None:
            raise InvalidInput("賃金の下限を指定するときは賃金の種類（月給・日給・時給）も選んでください。", field="wage_type")
    condition = {
        "keywords": _words(data.get("keywords"), "keywords", "フリーワード"),
        "keyword_mode": mode,
        "exclude_keywords": _words(data.get("exclude_keywords"), "exclude_keywords", "除外するキーワード"),
        "prefecture_codes": _codes(data.get("prefecture_codes"), "prefecture_codes", "都道府県", _PREFECTURE, "13"),
        "municipality_codes": _codes(data.get("municipality_codes"), "municipality_codes", "市区町村", _MUNICIPALITY, "13101"),
        "occupation_codes": _codes(
            data.get("occupation_codes"), "occupation_codes", "職種", _OCCUPATION, "01、011 または 011-01"),
        "employment_forms": _forms(data.get("employment_forms")),
        "wage_type": wage_type,
        "wage_min": wage_min,
    }
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
    session.execute(delete(Condition).where(Condition.id == row.id))
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

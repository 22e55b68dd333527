"""Reading job offers and conditions from the JSONL contract (one JSON object a line).

Each field is checked on its own; the first bad one raises ``InvalidRecord(field, reason)``.
Unknown keys are ignored so the main site can send richer records than the matcher needs."""

from __future__ import annotations

import re
import sys
from datetime import date
from typing import Any

from matchers.records import Condition, JobOffer

WAGE_TYPES = ("monthly", "daily", "hourly")
CONDITION_KINDS = ("registered", "saved")
KEYWORD_MODES = ("and", "or")
MAX_CODES = 3  # the search form takes up to 3 prefectures, municipalities and occupations
MAX_YEN = 100_000_000  # no wage of any unit comes near; keeps monthly amounts well inside int64

_JOB_NUMBER = re.compile(r"\d{5}-\d{8}")
_MUNICIPALITY = re.compile(r"\d{5}")
_OCCUPATION_SMALL = re.compile(r"\d{3}-\d{2}")
_OCCUPATION_ANY = re.compile(r"\d{2}|\d{3}|\d{3}-\d{2}")  # 大分類, 中分類, 小分類
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# JSON may escape a lone UTF-16 surrogate ("\ud800"); the string it gives is not text that
# UTF-8 output or a database can hold, so the line is refused here rather than crash later.
_SURROGATE = re.compile("[\ud800-\udfff]")


class InvalidRecord(ValueError):
    """A record breaks the contract in one field."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def parse_job(record: Any) -> JobOffer:
    """A job line as a ``JobOffer``; raises ``InvalidRecord`` naming the first bad field."""
    _require_object(record)
    prefecture = _prefecture(record, "prefecture_code")
    municipality = _optional_str(record, "municipality_code")
    if municipality is not None:
        _check_municipality("municipality_code", municipality)
        if municipality[:2] != prefecture:
            raise InvalidRecord("municipality_code", f"{municipality!r} は都道府県 {prefecture} の市区町村ではありません")
    occupation = _optional_str(record, "occupation_code")
    if occupation is not None and not _OCCUPATION_SMALL.fullmatch(occupation):
        raise InvalidRecord("occupation_code", f"{occupation!r} は職業分類 小分類（NNN-NN）ではありません")
    wage_min = _optional_yen(record, "wage_min")
    wage_max = _optional_yen(record, "wage_max")
    if wage_min is not None and wage_max is not None and wage_max < wage_min:
        raise InvalidRecord("wage_max", f"上限 {wage_max} が下限 {wage_min} より小さい")
    return JobOffer(
        job_number=_job_number(record),
        title=_required_text(record, "title"),
        description=_optional_str(record, "description") or "",
        employer_name=_optional_str(record, "employer_name") or "",
        occupation_code=_intern(occupation),
        prefecture_code=prefecture,
        municipality_code=_intern(municipality),
        employment_form=_optional_form(record, "employment_form"),
        wage_type=_optional_choice(record, "wage_type", WAGE_TYPES),
        wage_min=wage_min,
        wage_max=wage_max,
        licenses=_str_list(record, "licenses"),
        received_on=_optional_date(record, "received_on"),
        online_application=_optional_bool(record, "online_application"),
    )


def parse_condition(record: Any) -> Condition:
    """A condition line as a ``Condition``; raises ``InvalidRecord`` naming the first bad field."""
    _require_object(record)
    prefectures = _str_list(record, "prefecture_codes", limit=MAX_CODES)
    for code in prefectures:
        _check_prefecture("prefecture_codes", code)
    municipalities = _str_list(record, "municipality_codes", limit=MAX_CODES)
    for code in municipalities:
        _check_municipality("municipality_codes", code)
    occupations = _str_list(record, "occupation_codes", limit=MAX_CODES)
    for code in occupations:
        if not _OCCUPATION_ANY.fullmatch(code):
            raise InvalidRecord("occupation_codes", f"{code!r} は職業分類コード（NN・NNN・NNN-NN）ではありません")
    forms = _list(record, "employment_forms")
    for form in forms:
        _check_form("employment_forms", form)
    return Condition(
        condition_id=_identifier(record, "condition_id"),
        seeker_id=_identifier(record, "seeker_id"),
        kind=_optional_choice(record, "kind", CONDITION_KINDS) or "registered",
        keywords=_str_list(record, "keywords"),
        keyword_mode=_optional_choice(record, "keyword_mode", KEYWORD_MODES) or "and",
        exclude_keywords=_str_list(record, "exclude_keywords"),
        prefecture_codes=prefectures,
        municipality_codes=municipalities,
        occupation_codes=occupations,
        employment_forms=tuple(forms),
        wage_type=_optional_choice(record, "wage_type", WAGE_TYPES),
        wage_min=_optional_yen(record, "wage_min"),
    )


def _require_object(record: Any) -> None:
    if not isinstance(record, dict):
        raise InvalidRecord("(record)", "JSON オブジェクトではありません")


def _intern(value: str | None) -> str | None:
    # Codes repeat millions of times across conditions; one string object each saves memory.
    return None if value is None else sys.intern(value)


def _optional_str(record: dict, field: str) -> str | None:
    value = record.get(field)
    if value is not None:
        if not isinstance(value, str):
            raise InvalidRecord(field, "文字列ではありません")
        _check_text(field, value)
    return value


def _check_text(field: str, value: str) -> None:
    if not value.isascii() and _SURROGATE.search(value):
        raise InvalidRecord(field, "不正な文字（対になっていないサロゲート）を含みます")


def _required_text(record: dict, field: str) -> str:
    value = _optional_str(record, field)
    if value is None:
        raise InvalidRecord(field, "必須項目がありません")
    if not value.strip():
        raise InvalidRecord(field, "空です")
    return value


def _job_number(record: dict) -> str:
    value = _optional_str(record, "job_number")
    if value is None:
        raise InvalidRecord("job_number", "必須項目がありません")
    if not _JOB_NUMBER.fullmatch(value):
        raise InvalidRecord("job_number", f"{value!r} は求人番号（NNNNN-NNNNNNNN）ではありません")
    return value


def _identifier(record: dict, field: str) -> int | str:
    value = record.get(field)
    if value is None:
        raise InvalidRecord(field, "必須項目がありません")
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidRecord(field, "整数または文字列ではありません")
    if isinstance(value, str):
        if not value.strip():
            raise InvalidRecord(field, "空です")
        _check_text(field, value)
    return value


def _check_prefecture(field: str, code: str) -> str:
    if not (len(code) == 2 and code.isascii() and code.isdigit() and 1 <= int(code) <= 47):
        raise InvalidRecord(field, f"{code!r} は都道府県コード（01〜47）ではありません")
    return code


def _prefecture(record: dict, field: str) -> str:
    value = _optional_str(record, field)
    if value is None:
        raise InvalidRecord(field, "必須項目がありません")
    return sys.intern(_check_prefecture(field, value))


def _check_municipality(field: str, code: str) -> None:
    if not (_MUNICIPALITY.fullmatch(code) and code.isascii() and 1 <= int(code[:2]) <= 47):
        raise InvalidRecord(field, f"{code!r} は市区町村コード（5桁、先頭2桁が都道府県）ではありません")


def _check_form(field: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 7:
        raise InvalidRecord(field, f"{value!r} は雇用形態コード（1〜7）ではありません")
    return value


def _optional_form(record: dict, field: str) -> int | None:
    value = record.get(field)
    return None if value is None else _check_form(field, value)


def _optional_choice(record: dict, field: str, choices: tuple[str, ...]) -> str | None:
    value = record.get(field)
    if value is not None and value not in choices:
        raise InvalidRecord(field, f"{value!r} は {' / '.join(choices)} のいずれでもありません")
    return value


def _optional_yen(record: dict, field: str) -> int | None:
    value = record.get(field)
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidRecord(field, f"{value!r} は円単位の整数ではありません")
    if value < 0:
        raise InvalidRecord(field, f"{value} は負の金額です")
    if value > MAX_YEN:
        raise InvalidRecord(field, f"{value} は大きすぎる金額です（{MAX_YEN:,} 円まで）")
    return value


def _optional_date(record: dict, field: str) -> date | None:
    value = _optional_str(record, field)
    if value is None:
        return None
    try:
        if not _ISO_DATE.fullmatch(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidRecord(field, f"{value!r} は日付（YYYY-MM-DD）ではありません") from None


def _optional_bool(record: dict, field: str) -> bool:
    value = record.get(field)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise InvalidRecord(field, "true / false ではありません")
    return value


def _list(record: dict, field: str, *, limit: int | None = None) -> list:
    value = record.get(field)
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidRecord(field, "リストではありません")
    if limit is not None and len(value) > limit:
        raise InvalidRecord(field, f"{len(value)} 件あります（{limit} 件まで）")
    return value


def _str_list(record: dict, field: str, *, limit: int | None = None) -> tuple[str, ...]:
    values = _list(record, field, limit=limit)
    for value in values:
        if not isinstance(value, str):
            raise InvalidRecord(field, f"{value!r} は文字列ではありません")
        _check_text(field, value)
    return tuple(sys.intern(value) for value in values)

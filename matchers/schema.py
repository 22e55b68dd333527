"""The JSONL records as pydantic models: one definition of every field a job line or a condition
line may hold, used by ``mypage-worker match``, ``import-jobs`` and the services' condition checks.
``docs/formats.md`` documents the same fields for people.

Types are strict (no "1" for 1, no true for 1, codes of ASCII digits only) and every text and
list has a length limit (:mod:`matchers.vocabulary`). Each field's check raises a Japanese
reason; :func:`problems` turns a ValidationError into ``(field, reason)`` pairs naming every bad
field of the line, not only the first. Unknown keys are ignored so the main site can send richer
records than the matcher needs. A null counts as an absent field.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from matchers import vocabulary as v

RECORD = "(record)"  # the field named when a problem is the line's, not one field's

# Characters no text field may hold: NUL and the other C0/C1 controls (PostgreSQL refuses NUL in
# text; the rest are invisible and break terminals and mails) and lone UTF-16 surrogates, which
# JSON can escape ("\ud800") but no UTF-8 output or database can store. Tab, line feed and
# carriage return are allowed in multi-line texts (仕事内容).
_BAD_IN_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_BAD_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def _fail(reason: str):
    # The reason goes in the context, not the template: it may hold braces from a shown value.
    raise PydanticCustomError("contract", "{reason}", {"reason": reason})


def shown(value: Any, limit: int = 40) -> str:
    """A value as a reason may quote it: its repr (control characters escaped), cut short."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _check_characters(value: str, multiline: bool) -> None:
    if value.isascii() and value.isprintable():
        return
    bad = (_BAD_IN_TEXT if multiline else _BAD_IN_LINE).search(value)
    if bad is None:
        return
    char = bad.group()
    if char == "\x00":
        _fail("NUL 文字を含みます")
    if "\ud800" <= char <= "\udfff":
        _fail("不正な文字（対になっていないサロゲート）を含みます")
    _fail(f"制御文字 U+{ord(char):04X} を含みます")


def _text(limit: int, *, required: bool = False, multiline: bool = False) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value is None:
            if required:
                _fail("必須項目がありません")
            return ""
        if not isinstance(value, str):
            _fail("文字列ではありません")
        if len(value) > limit:
            _fail(f"{len(value):,} 文字あります（{limit:,} 文字まで）")
        _check_characters(value, multiline)
        if required and not value.strip():
            _fail("空です")
        return value
    return check


def _code(pattern: re.Pattern[str], what: str) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            _fail(f"{shown(value)} は文字列ではありません")
        if not pattern.fullmatch(value):
            _fail(f"{shown(value)} は{what}ではありません")
        return value
    return check


def _list(limit: int, item: Callable[[Any], Any]) -> Callable[[Any], list]:
    def check(value: Any) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            _fail("リストではありません")
        if len(value) > limit:
            _fail(f"{len(value):,} 件あります（{limit} 件まで）")
        return [item(element) for element in value]
    return check


def _list_text(limit: int) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if not isinstance(value, str):
            _fail(f"{shown(value)} は文字列ではありません")
        if len(value) > limit:
            _fail(f"{len(value):,} 文字の項目があります（1 項目 {limit} 文字まで）")
        _check_characters(value, False)
        return value
    return check


def _list_code(pattern: re.Pattern[str], what: str) -> Callable[[Any], str]:
    inner = _code(pattern, what)

    def check(value: Any) -> str:
        if value is None:
            _fail(f"{shown(value)} は文字列ではありません")
        return inner(value)
    return check


def _yen(value: Any) -> int | None:
    if value is None:
        return None
    # An integral float (200000.0) is the same amount; 1.5, 1e400 (infinity) and NaN are not.
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        _fail(f"{shown(value)} は円単位の整数ではありません")
    if value < 0:
        _fail(f"{shown(value)} は負の金額です")
    if value > v.MAX_YEN:
        _fail(f"{shown(value)} は大きすぎる金額です（{v.MAX_YEN:,} 円まで）")
    return value


def _form(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in v.EMPLOYMENT_FORMS:
        _fail(f"{shown(value)} は雇用形態コード（1〜7）ではありません")
    return value


def _optional_form(value: Any) -> int | None:
    return None if value is None else _form(value)


def _choice(choices: tuple[str, ...], default: str | None = None) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if value is None:
            return default
        if not isinstance(value, str) or value not in choices:
            _fail(f"{shown(value)} は {' / '.join(choices)} のいずれでもありません")
        return value
    return check


def _date(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, str) and v.ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    _fail(f"{shown(value)} は日付（YYYY-MM-DD）ではありません")


def _flag(value: Any) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        _fail("true / false ではありません")
    return value


def _identifier(value: Any) -> int | str:
    if value is None:
        _fail("必須項目がありません")
    if isinstance(value, bool) or not isinstance(value, int | str):
        _fail("整数または文字列ではありません")
    if isinstance(value, int):
        if not -v.MAX_ID - 1 <= value <= v.MAX_ID:
            _fail(f"{shown(value)} は範囲外の整数です（64 ビット整数まで）")
        return value
    if not value.strip():
        _fail("空です")
    if len(value) > v.MAX_ID_CHARS:
        _fail(f"{len(value):,} 文字あります（{v.MAX_ID_CHARS} 文字まで）")
    _check_characters(value, False)
    return value


def _field(check: Callable[[Any], Any]) -> BeforeValidator:
    return BeforeValidator(check)


_PREFECTURE_WHAT = "都道府県コード（01〜47）"
_MUNICIPALITY_WHAT = "市区町村コード（5桁、先頭2桁が都道府県）"
_OCCUPATION_ANY_WHAT = "職業分類コード（NN・NNN・NNN-NN）"

JobNumber = Annotated[str, _field(_code(v.JOB_NUMBER, "求人番号（NNNNN-NNNNNNNN）"))]
Title = Annotated[str, _field(_text(v.MAX_TITLE_CHARS, required=True))]
Description = Annotated[str, _field(_text(v.MAX_DESCRIPTION_CHARS, multiline=True))]
EmployerName = Annotated[str, _field(_text(v.MAX_EMPLOYER_CHARS))]
PrefectureCode = Annotated[str, _field(_code(v.PREFECTURE, _PREFECTURE_WHAT))]
MunicipalityCode = Annotated[str | None, _field(_code(v.MUNICIPALITY, _MUNICIPALITY_WHAT))]
OccupationMinor = Annotated[str | None, _field(_code(v.OCCUPATION_MINOR, "職業分類 小分類（NNN-NN）"))]
IndustryCode = Annotated[str | None, _field(_code(v.INDUSTRY, "産業分類コード（2桁）"))]
EmploymentForm = Annotated[int | None, _field(_optional_form)]
WageType = Annotated[str | None, _field(_choice(tuple(v.WAGE_TYPES)))]
Yen = Annotated[int | None, _field(_yen)]
Licenses = Annotated[list[str], _field(_list(v.MAX_LICENSES, _list_text(v.MAX_LICENSE_CHARS)))]
IsoDate = Annotated[date | None, _field(_date)]
Flag = Annotated[bool, _field(_flag)]
Identifier = Annotated[int | str, _field(_identifier)]
Keywords = Annotated[list[str], _field(_list(v.MAX_KEYWORDS, _list_text(v.MAX_KEYWORD_CHARS)))]
PrefectureCodes = Annotated[list[str], _field(_list(v.MAX_CODES, _list_code(v.PREFECTURE, _PREFECTURE_WHAT)))]
MunicipalityCodes = Annotated[list[str], _field(_list(v.MAX_CODES, _list_code(v.MUNICIPALITY, _MUNICIPALITY_WHAT)))]
OccupationCodes = Annotated[list[str], _field(_list(v.MAX_CODES, _list_code(v.OCCUPATION_ANY, _OCCUPATION_ANY_WHAT)))]
EmploymentForms = Annotated[list[int], _field(_list(len(v.EMPLOYMENT_FORMS), _form))]
ConditionKind = Annotated[str, _field(_choice(v.CONDITION_KINDS, "registered"))]
KeywordMode = Annotated[str, _field(_choice(v.KEYWORD_MODES, "and"))]


class _Record(BaseModel):
    # Strict: pydantic itself never turns "1" into 1; the field checks above decide every type.
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True, validate_default=True)


class JobRecord(_Record):
    """A job line (求人)."""

    job_number: JobNumber
    title: Title
    description: Description = ""
    employer_name: EmployerName = ""
    occupation_code: OccupationMinor = None
    prefecture_code: PrefectureCode
    municipality_code: MunicipalityCode = None
    employment_form: EmploymentForm = None
    wage_type: WageType = None
    wage_min: Yen = None
    wage_max: Yen = None
    licenses: Licenses = []
    received_on: IsoDate = None
    online_application: Flag = False
    # Kept by import-jobs (the seed generator writes them); the matcher does not use them.
    industry_code: IndustryCode = None
    referral_deadline: IsoDate = None

    @model_validator(mode="after")
    def _consistent(self) -> JobRecord:
        problems = []
        if self.municipality_code is not None and self.municipality_code[:2] != self.prefecture_code:
            problems.append(("municipality_code",
                             f"{self.municipality_code!r} は都道府県 {self.prefecture_code} の市区町村ではありません"))
        if self.wage_min is not None and self.wage_max is not None and self.wage_max < self.wage_min:
            problems.append(("wage_max", f"上限 {self.wage_max} が下限 {self.wage_min} より小さい"))
        if problems:
            raise PydanticCustomError("contract", "{reason}", {"reason": problems[0][1], "problems": problems})
        return self


class ConditionBody(_Record):
    """What a condition asks for: the part the services store for a seeker."""

    keywords: Keywords = []
    keyword_mode: KeywordMode = "and"
    exclude_keywords: Keywords = []
    prefecture_codes: PrefectureCodes = []
    municipality_codes: MunicipalityCodes = []
    occupation_codes: OccupationCodes = []
    employment_forms: EmploymentForms = []
    wage_type: WageType = None
    wage_min: Yen = None


class ConditionRecord(ConditionBody):
    """A condition line: a registered 求職条件 or a saved 検索条件 of one seeker."""

    condition_id: Identifier
    seeker_id: Identifier
    kind: ConditionKind = "registered"


def problems(error: ValidationError) -> list[tuple[str, str]]:
    """Every ``(field, reason)`` of a ValidationError, in the order of the model's fields."""
    found: list[tuple[str, str]] = []
    for item in error.errors(include_url=False, include_input=False):
        ctx = item.get("ctx") or {}
        if "problems" in ctx:
            found.extend(ctx["problems"])
            continue
        field = str(item["loc"][0]) if item["loc"] else RECORD
        if item["type"] == "missing":
            reason = "必須項目がありません"
        else:
            reason = ctx.get("reason") or item["msg"]
        found.append((field, reason))
    return found

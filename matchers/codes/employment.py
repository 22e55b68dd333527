"""Employment forms (雇用形態 1–7), wage types (賃金形態) and industries (産業分類, a subset)."""

from __future__ import annotations

from functools import lru_cache
from types import MappingProxyType
from typing import Mapping

from matchers.codes._tsv import read_rows
from matchers.vocabulary import WAGE_TYPES


@lru_cache(maxsize=1)
def _employment_rows() -> tuple[dict[str, str], ...]:
    return tuple(read_rows("employment_forms.tsv"))


@lru_cache(maxsize=1)
def employment_forms() -> Mapping[int, str]:
    """1 正社員, 2 正社員以外, 3 有期雇用派遣労働者, 4 無期雇用派遣労働者 (full time);
    5 パート労働者, 6 有期雇用派遣パート, 7 無期雇用派遣パート (part time)."""
    return MappingProxyType({int(row["code"]): row["name"] for row in _employment_rows()})


def employment_form_name(code: int) -> str:
    return employment_forms()[code]


def is_full_time(code: int) -> bool:
    """Full time vs part time follows working hours: forms 1–4 are full time, 5–7 part time."""
    return {int(row["code"]): row["full_time"] == "1" for row in _employment_rows()}[code]


def wage_types() -> Mapping[str, str]:
    """"monthly" 月給, "daily" 日給, "hourly" 時給 (from :mod:`matchers.vocabulary`)."""
    return WAGE_TYPES


def wage_type_name(code: str) -> str:
    return wage_types()[code]


@lru_cache(maxsize=1)
def industries() -> Mapping[str, str]:
    """日本標準産業分類 中分類 code → name: the 44 industries the synthetic job offers use."""
    return MappingProxyType({row["code"]: row["name"] for row in read_rows("industries.tsv")})


def industry_name(code: str) -> str:
    return industries()[code]

"""Prefectures (都道府県, JIS X 0401) and municipalities (全国地方公共団体コード, 5 digits without the
check digit).

All 47 prefectures are present. The municipality table is a real-code subset: the 23 special wards of
Tokyo, the 20 designated cities (政令指定都市) with all their wards, every prefecture's capital and a
few large cities — 298 rows. Hamamatsu's wards follow the 2024-01-01 reorganisation (marked in
``note``)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Mapping

from matchers.codes._tsv import read_rows


@dataclass(frozen=True, slots=True)
class Municipality:
    code: str  # 5 digits, e.g. "14101"
    name: str  # e.g. "横浜市鶴見区"
    prefecture_code: str  # 2 digits, e.g. "14"
    kind: str  # special_ward | designated_city | ward | city
    city_code: str | None = None  # for a ward: its designated city, e.g. "14100"
    note: str = ""  # "capital", or why a row deserves care


@lru_cache(maxsize=1)
def prefectures() -> Mapping[str, str]:
    """Prefecture code → name, in code order ("01" 北海道 … "47" 沖縄県)."""
    return MappingProxyType({row["code"]: row["name"] for row in read_rows("prefectures.tsv")})


def prefecture_name(code: str) -> str:
    """The prefecture's name; KeyError for an unknown code."""
    return prefectures()[code]


@lru_cache(maxsize=1)
def municipalities() -> Mapping[str, Municipality]:
    """Municipality code → Municipality, in code order."""
    return MappingProxyType({
        row["code"]: Municipality(
            code=row["code"], name=row["name"], prefecture_code=row["prefecture_code"], kind=row["kind"],
            city_code=row["city_code"] or None, note=row["note"],
        )
        for row in read_rows("municipalities.tsv")
    })


def municipality(code: str) -> Municipality:
    """The municipality with this code; KeyError for a code not in the table."""
    return municipalities()[code]


@lru_cache(maxsize=64)
def municipalities_in(prefecture_code: str) -> tuple[Municipality, ...]:
    """The municipalities of one prefecture, in code order (empty for an unknown prefecture)."""
    return tuple(m for m in municipalities().values() if m.prefecture_code == prefecture_code)


def is_workplace(m: Municipality) -> bool:
    """Whether a job offer's place of work can be this municipality: a designated city is always
    recorded by ward, so the city row itself is not a workplace (conditions may still name it)."""
    return m.kind != "designated_city"

"""Prefectures (都道府県, JIS X 0401) and municipalities (全国地方公共団体コード, 5 digits without the
check digit, as Hello Work uses them), generated from public sources by ``scripts/build_tables.py``.

All 47 prefectures and every municipality: cities, towns and villages, Tokyo's 23 special wards, the
20 designated cities (政令指定都市) and each of their wards, with readings where the sources have
them. A ward knows its city (``city_code``): a condition naming 14100 横浜市 covers 14101–14118.
Codes a reorganisation retired (浜松市's seven wards, 2024-01-01) stay, marked abolished, so an
older record still says where it is."""

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
    kind: str  # special_ward | designated_city | ward | city | town | village
    city_code: str | None = None  # for a ward: its designated city, e.g. "14100"
    note: str = ""  # "capital", or "abolished YYYY-MM-DD"
    reading: str = ""  # hiragana, e.g. "よこはましつるみく"; empty when unknown

    @property
    def abolished(self) -> bool:
        return self.note.startswith("abolished")


@dataclass(frozen=True, slots=True)
class Prefecture:
    code: str  # "01"–"47"
    name: str  # "北海道"
    reading: str  # "ほっかいどう"


@lru_cache(maxsize=1)
def prefecture_table() -> Mapping[str, Prefecture]:
    """Prefecture code → Prefecture (name and reading), in code order."""
    return MappingProxyType({row["code"]: Prefecture(row["code"], row["name"], row["reading"])
                             for row in read_rows("prefectures.tsv")})


@lru_cache(maxsize=1)
def prefectures() -> Mapping[str, str]:
    """Prefecture code → name, in code order ("01" 北海道 … "47" 沖縄県)."""
    return MappingProxyType({code: p.name for code, p in prefecture_table().items()})


def prefecture_name(code: str) -> str:
    """The prefecture's name; KeyError for an unknown code."""
    return prefectures()[code]


@lru_cache(maxsize=1)
def municipalities() -> Mapping[str, Municipality]:
    """Municipality code → Municipality, in code order."""
    return MappingProxyType({
        row["code"]: Municipality(
            code=row["code"], name=row["name"], prefecture_code=row["prefecture_code"], kind=row["kind"],
            city_code=row["city_code"] or None, note=row["note"], reading=row["reading"],
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


@lru_cache(maxsize=32)
def wards_of(city_code: str) -> tuple[Municipality, ...]:
    """The wards of a designated city (abolished ones included), in code order; empty otherwise."""
    return tuple(m for m in municipalities().values() if m.city_code == city_code)


def is_workplace(m: Municipality) -> bool:
    """Whether a new job offer's place of work can be this municipality: a designated city is always
    recorded by ward, so the city row itself is not a workplace (conditions may still name it), and
    an abolished code is not used for new offers."""
    return m.kind != "designated_city" and not m.abolished

"""厚生労働省編職業分類 (2022 revision), the occupation classification on Hello Work job offers.

Three levels: 大分類 (major, "01"–"15"), 中分類 (middle, 3 digits "001"–"099") and 小分類 (minor,
"NNN-NN"). The 中分類 → 大分類 relation is a table, not a code prefix; a 小分類's first three
digits are its 中分類.

What is real and what is not:
- 大分類: all 15, real codes and names.
- 中分類: all 99 codes, RECONSTRUCTED from secondary public sources (see the header of
  ``data/occupation_middle.tsv``); names may differ in wording from the official table and the order
  within a few 大分類 is uncertain.
- 小分類: an ILLUSTRATIVE SUBSET of 260 of the 440 — every 中分類 has at least one, but the 2-digit
  suffixes and names are typical jobs written for synthetic data, not the official items.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Mapping

from matchers.codes._tsv import read_rows


@dataclass(frozen=True, slots=True)
class OccupationMiddle:
    code: str  # "050"
    name: str
    major_code: str  # "08"
    status: str  # reconstructed


@dataclass(frozen=True, slots=True)
class OccupationMinor:
    code: str  # "050-01"
    name: str
    middle_code: str  # "050"
    status: str  # illustrative


@dataclass(frozen=True, eq=False)  # hashed by identity: one cached instance
class OccupationTable:
    majors: Mapping[str, str]
    middles: Mapping[str, OccupationMiddle]
    minors: Mapping[str, OccupationMinor]

    def major_name(self, code: str) -> str:
        return self.majors[code]

    def middle(self, code: str) -> OccupationMiddle:
        return self.middles[code]

    def minor(self, code: str) -> OccupationMinor:
        return self.minors[code]

    def major_of(self, code: str) -> str:
        """The 大分類 code of a 中分類 ("050") or 小分類 ("050-01") code; KeyError if unknown."""
        return self.middles[code[:3] if len(code) == 6 else code].major_code

    def minors_of(self, middle_code: str) -> tuple[OccupationMinor, ...]:
        return _minors_by_middle(self).get(middle_code, ())

    def __contains__(self, code: object) -> bool:
        """True for a known 中分類 or 小分類 code."""
        return code in self.middles or code in self.minors


@lru_cache(maxsize=1)
def _minors_by_middle(table: OccupationTable) -> dict[str, tuple[OccupationMinor, ...]]:
    grouped: dict[str, list[OccupationMinor]] = {}
    for minor in table.minors.values():
        grouped.setdefault(minor.middle_code, []).append(minor)
    return {code: tuple(items) for code, items in grouped.items()}


@lru_cache(maxsize=1)
def occupations() -> OccupationTable:
    majors = {row["code"]: row["name"] for row in read_rows("occupation_major.tsv")}
    middles = {
        row["code"]: OccupationMiddle(row["code"], row["name"], row["major_code"], row["status"])
        for row in read_rows("occupation_middle.tsv")
    }
    minors = {
        row["code"]: OccupationMinor(row["code"], row["name"], row["code"][:3], row["status"])
        for row in read_rows("occupation_minor.tsv")
    }
    return OccupationTable(MappingProxyType(majors), MappingProxyType(middles), MappingProxyType(minors))

"""厚生労働省編職業分類 (2022 revision), the occupation classification on Hello Work job offers,
generated from public sources by ``scripts/build_tables.py``.

Three levels: 大分類 (major, "01"–"15"), 中分類 (middle, 3 digits "001"–"099") and 小分類 (minor,
"NNN-NN"). The 中分類 → 大分類 relation is a table, not a code prefix; a 小分類's first three
digits are its 中分類.

- 大分類 and 中分類: all 15 and all 99, official codes and names.
- 小分類: the real codes the MHLW occupation database (job tag) files its occupations under (359 of
  the official table's codes), each with those occupations' titles as examples. The official
  小分類 names are in no public machine-readable source we have, so a 小分類 is shown by its
  examples (``OccupationMinor.name``). A well-formed code missing here is still a valid code: the
  site's table may know it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Mapping

from matchers.codes._tsv import read_rows

_NAMED_EXAMPLES = 2  # examples a minor's display name shows


@dataclass(frozen=True, slots=True)
class OccupationMiddle:
    code: str  # "050"
    name: str  # official: "施設介護の職業"
    major_code: str  # "08"


@dataclass(frozen=True, slots=True)
class OccupationMinor:
    code: str  # "050-01"
    middle_code: str  # "050"
    examples: tuple[str, ...]  # job tag titles filed under this code

    @property
    def name(self) -> str:
        """A display name made of the examples, e.g. 「銀行支店長 / スーパー店長 など」."""
        shown = " / ".join(self.examples[:_NAMED_EXAMPLES])
        return shown + (" など" if len(self.examples) > _NAMED_EXAMPLES else "")


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
        """True for a known 大分類, 中分類 or 小分類 code."""
        return code in self.majors or code in self.middles or code in self.minors


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
        row["code"]: OccupationMiddle(row["code"], row["name"], row["major_code"])
        for row in read_rows("occupation_middle.tsv")
    }
    minors = {
        row["code"]: OccupationMinor(row["code"], row["code"][:3], tuple(row["examples"].split(" / ")))
        for row in read_rows("occupation_minor.tsv")
    }
    return OccupationTable(MappingProxyType(majors), MappingProxyType(middles), MappingProxyType(minors))

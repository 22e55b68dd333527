"""Shipped reference tables of Hello Work data: pure data plus cached loaders, no database, no
imports from ``worker``.

- Prefectures: all 47, JIS X 0401 codes and names (real).
- Municipalities: real 5-digit 全国地方公共団体コード for the 23 special wards, the 20 designated
  cities and all their wards, every prefecture's capital and some large cities (298 rows; a subset of
  the ~1,900 municipalities).
- Occupations (厚生労働省編職業分類 2022): 15 大分類 real; 99 中分類 reconstructed from secondary
  sources; 260 of the 440 小分類 as an illustrative subset (see :mod:`matchers.codes.occupations`).
- Employment forms 1–7 and wage types (monthly 月給, daily 日給, hourly 時給), as on job offers.
- Industries: a 44-item subset of the 日本標準産業分類 中分類 (real codes).
"""

from matchers.codes.employment import (
    employment_form_name,
    employment_forms,
    industries,
    industry_name,
    is_full_time,
    wage_type_name,
    wage_types,
)
from matchers.codes.occupations import OccupationMiddle, OccupationMinor, OccupationTable, occupations
from matchers.codes.places import (
    Municipality,
    is_workplace,
    municipalities,
    municipalities_in,
    municipality,
    prefecture_name,
    prefectures,
)

__all__ = [
    "Municipality", "OccupationMiddle", "OccupationMinor", "OccupationTable",
    "employment_form_name", "employment_forms", "industries", "industry_name", "is_full_time",
    "is_workplace", "municipalities", "municipalities_in", "municipality", "occupations",
    "prefecture_name", "prefectures", "wage_type_name", "wage_types",
]

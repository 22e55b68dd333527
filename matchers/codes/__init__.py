"""Shipped reference tables of Hello Work data: pure data plus cached loaders, no database, no
imports from ``worker``. The place and occupation tables are generated from public sources by
``scripts/build_tables.py``; each file under ``data/`` names its source and licence (see NOTICE).

- Prefectures: all 47, JIS X 0401 codes, names and readings.
- Municipalities: every 全国地方公共団体コード (5 digits, no check digit) — cities, towns, villages,
  Tokyo's special wards, the 20 designated cities and their wards (each knowing its city) — with
  readings.
- Occupations (厚生労働省編職業分類 2022): the 15 大分類 and 99 中分類 with official names; the real
  小分類 codes the MHLW occupation database uses, each with example job titles.
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
    Prefecture,
    is_workplace,
    municipalities,
    municipalities_in,
    municipality,
    prefecture_name,
    prefecture_table,
    prefectures,
    wards_of,
)

__all__ = [
    "Municipality", "OccupationMiddle", "Prefecture", "OccupationMinor", "OccupationTable",
    "employment_form_name", "employment_forms", "industries", "industry_name", "is_full_time",
    "is_workplace", "municipalities", "municipalities_in", "municipality", "occupations",
    "prefecture_name", "prefecture_table", "prefectures", "wage_type_name", "wage_types", "wards_of",
]

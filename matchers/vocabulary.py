"""The words and shapes of the JSONL contract, written once: wage types, employment forms,
condition kinds, code patterns, the prefecture range and every length limit. The schema
(:mod:`matchers.schema`), the code tables, the services' condition checks and the docs
(``docs/formats.md``) take them from here.

Code patterns use ``[0-9]``, never ``\\d``: in Python ``\\d`` also matches full-width (１３) and
Arabic-Indic (١٣) digits, which no code on a 求人票 contains.
"""

from __future__ import annotations

import re
from types import MappingProxyType

# 賃金形態: the unit a wage is expressed in, and its conversion to a monthly amount
# (1 month = 20 working days = 160 hours, as the matching rules say).
WAGE_TYPES = MappingProxyType({"monthly": "月給", "daily": "日給", "hourly": "時給"})
MONTHLY_FACTOR = MappingProxyType({"monthly": 1, "daily": 20, "hourly": 160})
DEFAULT_WAGE_TYPE = "monthly"

# 雇用形態 1–7 (names and full/part time in matchers/codes/data/employment_forms.tsv).
EMPLOYMENT_FORMS = (1, 2, 3, 4, 5, 6, 7)

CONDITION_KINDS = ("registered", "saved")  # 求職条件, 検索条件
KEYWORD_MODES = ("and", "or")

# 都道府県 01–47 (JIS X 0401).
PREFECTURE_CODES = tuple(f"{n:02d}" for n in range(1, 48))

_PREFECTURE = r"(?:0[1-9]|[1-3][0-9]|4[0-7])"
PREFECTURE = re.compile(_PREFECTURE)
MUNICIPALITY = re.compile(_PREFECTURE + r"[0-9]{3}")  # 5 digits, no check digit; first two: the prefecture
JOB_NUMBER = re.compile(r"[0-9]{5}-[0-9]{8}")  # 求人番号: office (5 digits) - serial (8 digits)
OCCUPATION_MAJOR = re.compile(r"(?:0[1-9]|1[0-5])")  # 大分類 01–15
OCCUPATION_MIDDLE = re.compile(r"[0-9]{3}")  # 中分類 001–099 today; any 3 digits is well formed
OCCUPATION_MINOR = re.compile(r"[0-9]{3}-[0-9]{2}")  # 小分類 NNN-NN
OCCUPATION_ANY = re.compile(r"[0-9]{2}|[0-9]{3}(?:-[0-9]{2})?")  # what a condition may name
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
INDUSTRY = re.compile(r"[0-9]{2}")  # 産業分類 (日本標準産業分類 中分類)

# Limits: every text and list has one, so no line can make the matcher or the database hold
# more than a job offer plausibly needs.
MAX_CODES = 3  # the search form takes up to 3 prefectures, municipalities and occupations
MAX_YEN = 100_000_000  # no wage of any unit comes near; keeps monthly amounts well inside int64
MAX_TITLE_CHARS = 200  # job_offer.title
MAX_EMPLOYER_CHARS = 200  # job_offer.employer_name
MAX_DESCRIPTION_CHARS = 20_000  # 仕事内容: the longest real ones are a few thousand characters
MAX_LICENSES = 20
MAX_LICENSE_CHARS = 100
MAX_KEYWORDS = 10  # per list (keywords, exclude_keywords)
MAX_KEYWORD_CHARS = 50  # one keyword; the My Page form allows 50 characters of free words in all
MAX_ID_CHARS = 64  # condition_id / seeker_id given as strings
MAX_ID = 2**63 - 1  # … or as integers: a PostgreSQL bigint
MAX_LINE_BYTES = 1_000_000  # a JSONL line longer than this is refused before it is parsed
MAX_NESTING = 20  # brackets deeper than this are refused before json.loads recurses into them


def is_prefecture_code(code: object) -> bool:
    """A well-formed prefecture code "01"–"47" (ASCII digits only)."""
    return isinstance(code, str) and PREFECTURE.fullmatch(code) is not None

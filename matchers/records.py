"""The values the matcher works on: a job offer (求人), a stored condition (求職条件 or
検索条件) and a match between the two. Plain frozen dataclasses; no database, no queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

ConditionId = int | str
SeekerId = int | str


@dataclass(frozen=True, slots=True)
class JobOffer:
    """求人: one job offer as posted. Codes are strings as on the 求人票."""

    job_number: str  # 求人番号 NNNNN-NNNNNNNN
    title: str  # 職種
    description: str = ""  # 仕事内容
    employer_name: str = ""  # 事業所名
    occupation_code: str | None = None  # 職業分類 小分類 NNN-NN
    prefecture_code: str = ""  # 都道府県 01–47
    municipality_code: str | None = None  # 市区町村 5 digits
    employment_form: int | None = None  # 雇用形態 1–7
    wage_type: str | None = None  # monthly | daily | hourly
    wage_min: int | None = None  # 賃金 下限 (yen)
    wage_max: int | None = None  # 賃金 上限 (yen)
    licenses: tuple[str, ...] = ()  # 必要な免許・資格
    received_on: date | None = None  # 受付年月日
    online_application: bool = False  # オンライン自主応募可


@dataclass(frozen=True, slots=True)
class Condition:
    """A seeker's stored condition: the registered 求職条件 or a saved 検索条件."""

    condition_id: ConditionId
    seeker_id: SeekerId
    kind: str = "registered"  # registered | saved
    keywords: tuple[str, ...] = ()
    keyword_mode: str = "and"  # and | or
    exclude_keywords: tuple[str, ...] = ()
    prefecture_codes: tuple[str, ...] = ()
    municipality_codes: tuple[str, ...] = ()
    occupation_codes: tuple[str, ...] = ()  # 大分類 NN, 中分類 NNN or 小分類 NNN-NN
    employment_forms: tuple[int, ...] = ()
    wage_type: str | None = None  # the unit of wage_min; monthly when absent
    wage_min: int | None = None


@dataclass(frozen=True, slots=True)
class Match:
    """The offer satisfies the condition; score 0–100 and reasons in Japanese for the seeker."""

    job_number: str
    condition_id: ConditionId
    seeker_id: SeekerId
    score: int
    reasons: tuple[str, ...]

    def as_dict(self) -> dict:
        return {
            "job_number": self.job_number,
            "condition_id": self.condition_id,
            "seeker_id": self.seeker_id,
            "score": self.score,
            "reasons": list(self.reasons),
        }


def condition_order(condition_id: ConditionId) -> tuple[int, int | str]:
    """Sort key for condition ids that may be integers or strings: integers first, by value."""
    if isinstance(condition_id, int):
        return (0, condition_id)
    return (1, condition_id)

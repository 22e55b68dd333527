"""Skewed distributions for synthetic data, as cumulative tables ready for ``bisect``.

Places follow population (2020 census, thousands, rounded), with job offers further concentrated
where employers are (Tokyo above all); inside a prefecture, offers concentrate in the special wards,
the designated cities' wards and business centres. Occupations follow the profile weights of
:mod:`worker.seed.vocabulary`.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate

from matchers.codes import is_workplace, municipalities_in, occupations, prefectures
from worker.seed.vocabulary import DEFAULT_WEIGHT, PROFILES

POPULATION_THOUSANDS = {
    "01": 5225, "02": 1238, "03": 1211, "04": 2302, "05": 960, "06": 1068, "07": 1833, "08": 2867,
    "09": 1933, "10": 1939, "11": 7345, "12": 6284, "13": 14048, "14": 9237, "15": 2201, "16": 1035,
    "17": 1133, "18": 767, "19": 810, "20": 2048, "21": 1979, "22": 3633, "23": 7542, "24": 1770,
    "25": 1414, "26": 2578, "27": 8838, "28": 5465, "29": 1324, "30": 923, "31": 553, "32": 671,
    "33": 1888, "34": 2800, "35": 1342, "36": 720, "37": 950, "38": 1335, "39": 692, "40": 5135,
    "41": 811, "42": 1312, "43": 1738, "44": 1124, "45": 1070, "46": 1588, "47": 1467,
}
# Employers cluster in the big business centres more than residents do.
JOB_MARKET_BOOST = {"13": 1.8, "27": 1.2, "23": 1.15, "40": 1.1, "14": 0.9, "11": 0.8, "12": 0.8}

# Wards and cities where offices and shops concentrate (central business districts).
BUSINESS_CENTRES = frozenset({
    "13101", "13102", "13103", "13104", "13113", "27127", "27128", "23105", "23106", "14103", "14104",
    "01101", "40132", "40133", "26104", "26106", "28110", "04101", "34101", "11103", "12101", "22101",
    "33101", "43101", "15103", "14131", "27141", "40106", "22138", "14152",
})
# Offers per place by kind: wards and cities carry most of the job market, towns and villages little.
_KIND_WEIGHT = {"special_ward": 6.0, "ward": 6.0, "city": 3.0, "town": 0.5, "village": 0.15}


@dataclass(frozen=True)
class Table:
    """Values with cumulative weights: ``pick(u)`` maps a uniform draw in [0, 1) to a value."""

    values: tuple
    cumulative: tuple[float, ...]

    @classmethod
    def of(cls, weighted: dict) -> "Table":
        total = sum(weighted.values())
        return cls(tuple(weighted), tuple(c / total for c in accumulate(weighted.values())))

    def pick(self, u: float):
        return self.values[min(bisect_right(self.cumulative, u), len(self.values) - 1)]


@lru_cache(maxsize=1)
def seeker_prefectures() -> Table:
    return Table.of({code: POPULATION_THOUSANDS[code] for code in prefectures()})


@lru_cache(maxsize=1)
def job_prefectures() -> Table:
    return Table.of({code: POPULATION_THOUSANDS[code] * JOB_MARKET_BOOST.get(code, 1.0) for code in prefectures()})


@lru_cache(maxsize=64)
def workplaces(prefecture_code: str) -> Table:
    """The municipalities of a prefecture an offer can be in, weighted towards wards and centres."""
    weighted = {}
    for m in municipalities_in(prefecture_code):
        if not is_workplace(m):
            continue
        weight = _KIND_WEIGHT[m.kind] * (3.0 if m.code in BUSINESS_CENTRES else 1.0)
        if m.note == "capital":
            weight *= 2.0
        weighted[m.code] = weight
    return Table.of(weighted)


@lru_cache(maxsize=1)
def occupation_middles() -> Table:
    """中分類 weighted by the profiles; those with no known 小分類 are left out (an offer carries one)."""
    table = occupations()
    return Table.of({code: (PROFILES[code].weight if code in PROFILES else DEFAULT_WEIGHT)
                     for code in table.middles if table.minors_of(code)})


@lru_cache(maxsize=99)
def occupation_minors(middle_code: str) -> tuple[str, ...]:
    return tuple(m.code for m in occupations().minors_of(middle_code))


@lru_cache(maxsize=16)
def middles_of_major(major_code: str) -> tuple[str, ...]:
    """The 中分類 of a 大分類 that have a known 小分類 (related occupations for a 求職票)."""
    table = occupations()
    return tuple(code for code, middle in table.middles.items()
                 if middle.major_code == major_code and table.minors_of(code))

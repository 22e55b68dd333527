"""Real-format numbers: 求人番号 and 求職番号 are ``NNNNN-NNNNNNNN`` — a 5-digit office part (the
prefecture code and a 3-digit Hello Work office number, e.g. ``13010``) and an 8-digit serial.

Serials are a bijection of the record's index (an affine map modulo 10^8), so distinct indices give
distinct numbers whatever the seed: seeding the same database twice never repeats a number as long as
the second run continues the indices of the first.
"""

from __future__ import annotations

from functools import lru_cache

from worker.seed.weights import POPULATION_THOUSANDS

_MODULUS = 10**8
# Multipliers coprime to 10^8 (odd, not a multiple of 5) spread consecutive indices over the range.
_JOB = (48_271_091, 20_010_000)
_SEEKER = (69_069_003, 13_500_000)
MAX_INDEX = _MODULUS - 1


@lru_cache(maxsize=64)
def offices(prefecture_code: str) -> tuple[str, ...]:
    """Plausible office parts for a prefecture: about one office per 450,000 residents."""
    count = max(3, min(24, round(POPULATION_THOUSANDS[prefecture_code] / 450)))
    return tuple(f"{prefecture_code}{10 * k:03d}" for k in range(1, count + 1))


def _number(prefecture_code: str, index: int, affine: tuple[int, int]) -> str:
    if not 0 <= index <= MAX_INDEX:
        raise ValueError(f"index {index} is outside 0..{MAX_INDEX}")
    multiplier, offset = affine
    serial = (index * multiplier + offset) % _MODULUS
    choices = offices(prefecture_code)
    return f"{choices[serial % len(choices)]}-{serial:08d}"


def job_number(prefecture_code: str, index: int) -> str:
    """The 求人番号 of the index-th synthetic job offer, at an office of its prefecture."""
    return _number(prefecture_code, index, _JOB)


def seeker_number(prefecture_code: str, index: int) -> str:
    """The 求職番号 of the index-th synthetic seeker, at an office of their prefecture."""
    return _number(prefecture_code, index, _SEEKER)

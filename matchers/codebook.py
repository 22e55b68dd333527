"""Look-ups in the shipped code tables (``matchers.codes``) that the rules can live without:
the 中分類 → 大分類 relation, the designated city a ward belongs to, and the names shown in
reasons. A code missing from the tables still matches by the code rules; it is then shown as
its code, has no 大分類 and no city."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=None)
def major_group_of(middle_code: str) -> str | None:
    """The 大分類 ("01"–"15") of a 中分類 code, or None when the table does not know it."""
    try:
        from matchers.codes import occupations

        return occupations().major_of(middle_code)
    except (ImportError, KeyError, OSError):
        return None


@lru_cache(maxsize=None)
def city_of(municipality_code: str) -> str | None:
    """The 政令指定都市 a ward belongs to ("14101" → "14100"), None for any other place."""
    try:
        from matchers.codes import municipality

        city = municipality(municipality_code).city_code
    except (ImportError, KeyError, OSError):
        return None
    return city if city and city != municipality_code else None


@lru_cache(maxsize=4096)
def place_name(code: str) -> str:
    """"東京都" / "横浜市鶴見区" as the table names it, or the bare code when it does not."""
    try:
        from matchers.codes import municipality, prefecture_name

        return prefecture_name(code) if len(code) == 2 else municipality(code).name
    except (ImportError, KeyError, OSError):
        return code


@lru_cache(maxsize=4096)
def occupation_name(code: str) -> str:
    """The table's name of a 大分類, 中分類 (the official names) or 小分類, else the bare code."""
    try:
        from matchers.codes import occupations

        table = occupations()
        if len(code) == 2:
            return table.major_name(code)
        if len(code) == 3:
            return table.middle(code).name
        return table.minor(code).name
    except (ImportError, KeyError, OSError):
        return code

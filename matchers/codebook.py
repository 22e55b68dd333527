"""Look-ups in the shipped code tables (``matchers.codes``) that the rules can live without:
the 中分類 → 大分類 relation and the names shown in reasons. A code missing from the tables
still matches by the code rules; it is then shown as its code and has no 大分類."""

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


@lru_cache(maxsize=4096)
def place_label(code: str) -> str:
    """"13 東京都" / "13101 千代田区", or the bare code when the table does not know it."""
    try:
        from matchers.codes import municipality, prefecture_name

        name = prefecture_name(code) if len(code) == 2 else municipality(code).name
    except (ImportError, KeyError, OSError):
        return code
    return f"{code} {name}"


@lru_cache(maxsize=4096)
def occupation_label(code: str) -> str:
    """"050-01 …" with the table's name for 大分類, 中分類 or 小分類, else the bare code."""
    try:
        from matchers.codes import occupations

        table = occupations()
        if len(code) == 2:
            name = table.major_name(code)
        elif len(code) == 3:
            name = table.middle(code).name
        else:
            name = table.minor(code).name
    except (ImportError, KeyError, OSError):
        return code
    return f"{code} {name}"

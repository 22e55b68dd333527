"""``mypage-worker codes occupations|municipalities|prefectures [--json]``: the shipped code tables,
for staff and for the site's own checks. A table on a terminal; with ``--json`` one object a line:
``code``, ``name``, ``parent`` (the 大分類 of a 中分類, the 中分類 of a 小分類, a municipality's
prefecture or a ward's designated city; null at the top), plus ``reading`` where the table has one
and ``kind`` / ``examples`` / ``note`` where they apply."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator

TABLES = ("occupations", "municipalities", "prefectures")


def register(sub) -> None:
    parser = sub.add_parser("codes", help="print the prefecture, municipality or occupation code table")
    parser.add_argument("table", choices=TABLES, help="which table")
    parser.add_argument("--json", action="store_true", help="JSON lines: code, name, parent, reading where known")
    parser.set_defaults(func=_codes)


def rows(table: str) -> Iterator[dict]:
    """The table's rows as the JSON lines print them."""
    from matchers import codes

    if table == "prefectures":
        for p in codes.prefecture_table().values():
            yield {"code": p.code, "name": p.name, "parent": None, "reading": p.reading}
    elif table == "municipalities":
        for m in codes.municipalities().values():
            row = {"code": m.code, "name": m.name, "parent": m.city_code or m.prefecture_code, "kind": m.kind}
            if m.reading:
                row["reading"] = m.reading
            if m.note:
                row["note"] = m.note
            yield row
    else:
        occupations = codes.occupations()
        for major, name in occupations.majors.items():
            yield {"code": major, "name": name, "parent": None, "level": "大分類"}
            for middle in occupations.middles.values():
                if middle.major_code != major:
                    continue
                yield {"code": middle.code, "name": middle.name, "parent": major, "level": "中分類"}
                for minor in occupations.minors_of(middle.code):
                    yield {"code": minor.code, "name": minor.name, "parent": middle.code, "level": "小分類",
                           "examples": list(minor.examples)}


def _codes(args) -> int:
    if args.json:
        try:
            for row in rows(args.table):
                sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
            sys.stdout.flush()
        except BrokenPipeError:  # `| head`: the reader has what it wanted
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    from rich.console import Console
    from rich.table import Table

    columns = {"prefectures": ("code", "name", "reading"),
               "municipalities": ("code", "name", "reading", "kind", "parent", "note"),
               "occupations": ("code", "level", "name", "parent")}[args.table]
    table = Table(title=f"mypage-worker codes {args.table}")
    for column in columns:
        table.add_column(column)
    for row in rows(args.table):
        table.add_row(*(str(row.get(column) or "") for column in columns))
    Console().print(table)
    return 0

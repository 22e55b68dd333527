"""The summary table every staff command ends with: a label and a count a row."""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table


def count_table(title: str, rows: Iterable[tuple[str, int | str]]) -> Table:
    table = Table(title=title)
    table.add_column("")
    table.add_column("count", justify="right")
    for label, value in rows:
        table.add_row(label, f"{value:,}" if isinstance(value, int) else value)
    return table

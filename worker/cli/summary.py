"""The summary table every staff command ends with: a label and a count a row."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from rich.table import Table

from worker.domain import clock


def count_table(title: str, rows: Iterable[tuple[str, int | str]]) -> Table:
    table = Table(title=title)
    table.add_column("")
    table.add_column("count", justify="right")
    for label, value in rows:
        table.add_row(label, f"{value:,}" if isinstance(value, int) else value)
    return table


def held_line(until: datetime) -> str:
    """The label of the mails the quiet hours hold, with the time they leave (JST)."""
    return f"mails held for the quiet hours, until {clock.local(until):%Y-%m-%d %H:%M} JST"

"""Reading the shipped TSV files: ``#`` lines are comments, the first other line names the columns."""

from __future__ import annotations

from importlib import resources


def read_rows(filename: str) -> list[dict[str, str]]:
    """The rows of ``data/<filename>`` as dicts keyed by the header's column names. Read through
    importlib.resources so the tables are found in an installed wheel as well as in a checkout."""
    text = resources.files(__package__).joinpath("data").joinpath(filename).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    header = lines[0].split("\t")
    rows = []
    for line in lines[1:]:
        cells = line.split("\t")
        cells += [""] * (len(header) - len(cells))  # trailing empty cells are allowed
        rows.append(dict(zip(header, cells, strict=True)))
    return rows

"""Real job titles and texts for synthetic job offers: the MHLW occupation database (job tag),
shipped as a compact derived table (``data/jobtag_jobs.tsv``, made by ``scripts/build_tables.py``;
出典：職業情報提供サイト（job tag）（厚生労働省）).

Each occupation has its main 2022 小分類 code, its title and aliases, a one-line summary, its three
most important tasks and the licences related to it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

_BRACKETS = re.compile(r"（[^）]*）|\([^)]*\)")


@dataclass(frozen=True, slots=True)
class Job:
    id: int
    code: str  # 小分類 NNN-NN
    title: str
    aliases: tuple[str, ...]
    summary: str
    tasks: tuple[str, ...]
    licences: tuple[str, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """The title and the aliases: what an offer for this job may be called."""
        return (self.title, *self.aliases)


def _split(cell: str) -> tuple[str, ...]:
    return tuple(part for part in cell.split("|") if part)


@lru_cache(maxsize=1)
def jobs() -> tuple[Job, ...]:
    text = resources.files(__package__).joinpath("data", "jobtag_jobs.tsv").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    header = lines[0].split("\t")
    found = []
    for line in lines[1:]:
        row = dict(zip(header, line.split("\t"), strict=True))
        found.append(Job(int(row["id"]), row["code"], row["title"], _split(row["aliases"]), row["summary"],
                         _split(row["tasks"]), _split(row["licences"])))
    return tuple(found)


@lru_cache(maxsize=1)
def by_title() -> dict[str, Job]:
    return {job.title: job for job in jobs()}


@lru_cache(maxsize=512)
def for_minor(code: str) -> tuple[Job, ...]:
    """The occupations job tag files under a 小分類 (as main or further code): the code table's
    examples for it are their titles."""
    from matchers.codes import occupations

    table = occupations()
    if code not in table.minors:
        return ()
    titles = by_title()
    return tuple(titles[title] for title in table.minor(code).examples if title in titles)


def keyword(name: str) -> str:
    """A word a seeker would type for a job name: brackets dropped, the first of 「A、B」."""
    word = _BRACKETS.sub("", name).split("、")[0].split("／")[0].strip()
    return word[:50] or name[:50]

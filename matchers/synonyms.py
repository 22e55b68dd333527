"""The job-word synonym dictionary (rules 3 and 4 of the matching semantics): groups of words
that name the same job, with the readings of the words written in kanji.

The table is ``matchers/data/job_synonyms.tsv`` (sources and licences in its header), built by
``scripts/build_job_synonyms.py`` and loaded once per process. Terms and readings are compared in
the normalised form (``matchers.normalise``), as keywords are."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Mapping

from matchers.normalise import display_form, normalise

TABLE = "job_synonyms.tsv"
SYNONYM, READING = "synonym", "reading"  # how an alternative relates to the keyword


@dataclass(frozen=True, slots=True)
class Alternative:
    """Another word a keyword stands for: its normalised form, how it is shown, and why."""

    norm: str
    text: str
    relation: str  # SYNONYM (a term of the keyword's group) or READING (the word it spells)


@dataclass(frozen=True)
class Dictionary:
    groups: Mapping[str, tuple[tuple[str, str], ...]]  # group → ((norm, text) of each term)
    groups_of_term: Mapping[str, tuple[str, ...]]  # normalised term → its groups
    terms_read: Mapping[str, tuple[str, ...]]  # normalised reading → the kanji terms it spells


@lru_cache(maxsize=1)
def dictionary() -> Dictionary:
    """The shipped table, read once per process."""
    text = resources.files(__package__).joinpath("data").joinpath(TABLE).read_text(encoding="utf-8")
    return parse(text)


def parse(text: str) -> Dictionary:
    """A dictionary from the table's text: ``#`` comment lines, a header line naming the columns
    (group, term, reading), then one line per term."""
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    header = lines[0].split("\t")
    groups: dict[str, dict[str, str]] = {}
    groups_of_term: dict[str, list[str]] = {}
    terms_read: dict[str, list[str]] = {}
    for line in lines[1:]:
        row = dict(zip(header, line.split("\t") + [""] * len(header)))
        term = display_form(row["term"])
        norm = normalise(term)
        if not norm:
            continue
        members = groups.setdefault(row["group"], {})
        members.setdefault(norm, term)
        if row["group"] not in groups_of_term.setdefault(norm, []):
            groups_of_term[norm].append(row["group"])
        reading = normalise(row.get("reading") or "")
        if reading and norm not in terms_read.setdefault(reading, []):
            terms_read[reading].append(norm)
    return Dictionary(
        MappingProxyType({group: tuple(members.items()) for group, members in groups.items()}),
        MappingProxyType({norm: tuple(found) for norm, found in groups_of_term.items()}),
        MappingProxyType({reading: tuple(found) for reading, found in terms_read.items()}),
    )


@lru_cache(maxsize=1 << 16)
def alternatives(norm: str) -> tuple[Alternative, ...]:
    """The other words a (normalised, unquoted) keyword also stands for, in table order: the
    terms of every group it is a term of (rule 3) and, for a keyword written only in kana, the
    kanji terms it is the reading of with their groups (rule 4). Empty for any other keyword."""
    table = dictionary()
    found: dict[str, Alternative] = {}
    for group in table.groups_of_term.get(norm, ()):
        for term, text in table.groups[group]:
            found.setdefault(term, Alternative(term, text, SYNONYM))
    # Readings are katakana, so only a keyword written in kana can equal one.
    for read in table.terms_read.get(norm, ()):
        for group in table.groups_of_term[read]:
            for term, text in table.groups[group]:
                found.setdefault(term, Alternative(term, text, READING if term == read else SYNONYM))
    found.pop(norm, None)
    return tuple(found.values())

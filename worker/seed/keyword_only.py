"""Keyword-only data for ``mypage-worker bench --keywords-only`` (issue 9, "How it must run" 4):
saved searches of one to three free words and nothing else, against offers whose description
runs 40–60 words.

The words are the real job words the project ships, so conditions sometimes hit: the terms of the
synonym dictionary (``matchers/data/job_synonyms.tsv``) and the job tag titles
(``worker/seed/data/jobtag_jobs.tsv``; 出典：職業情報提供サイト（job tag）（厚生労働省）). Offers are
the realistic profile's offers with the description rewritten from the job tag texts (summary and
tasks) of the offer's 小分類, cut to a drawn number of words.

Japanese has no spaces, so a "word" here is a run of one script — kanji, hiragana, katakana
(with ー) or Latin letters and digits; punctuation separates words and counts as none. It is
close to what a reader counts and needs no dictionary.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from datetime import date
from functools import lru_cache

from matchers.synonyms import dictionary
from worker.seed import generate, jobtext
from worker.seed.generate import BLOCK, _blocks, _random

DESCRIPTION_WORDS = (40, 60)
KEYWORD_COUNTS = (1, 1, 1, 2, 2, 3)  # one word most often, as saved searches are
_WORD = re.compile(r"[\u4e00-\u9fff\u3005\u3006]+|[\u3041-\u309f]+|[\u30a0-\u30ffー]+|[A-Za-z0-9Ａ-Ｚａ-ｚ０-９]+")


def words(text: str) -> list[str]:
    """The words of a text as this module counts them (see the module's docstring)."""
    return _WORD.findall(text)


@lru_cache(maxsize=1)
def vocabulary() -> tuple[str, ...]:
    """Every distinct shipped job word: synonym-dictionary terms, then job tag titles."""
    found = [text for members in dictionary().groups.values() for _, text in members]
    found += [jobtext.keyword(job.title) for job in jobtext.jobs()]
    return tuple(dict.fromkeys(word for word in found if word))


def condition_records(n: int, *, seed: int) -> Iterator[dict]:
    """n saved searches of one to three keywords and no other field; condition ids run from 1,
    one seeker each."""
    pool = vocabulary()
    for block, first, last in _blocks(n, 0):
        rnd = _random(seed, "keyword-conditions", block)
        for offset in range(last):
            keywords = list(dict.fromkeys(rnd.choice(pool) for _ in range(rnd.choice(KEYWORD_COUNTS))))
            mode = "or" if len(keywords) > 1 and rnd.random() < 0.3 else "and"
            if offset >= first:
                index = block * BLOCK + offset
                yield {"condition_id": index + 1, "seeker_id": index + 1, "kind": "saved",
                       "keywords": keywords, "keyword_mode": mode}


def job_offer_records(n: int, *, seed: int, today: date | None = None) -> Iterator[dict]:
    """n realistic offers (same numbers, places, wages as the realistic profile) whose description
    is 40–60 words of the job tag texts of their 小分類."""
    offers = generate.job_offer_records(n, seed=seed, today=today, profile="realistic")
    for block, first, last in _blocks(n, 0):
        rnd = _random(seed, "keyword-descriptions", block)
        for offset in range(last):
            target = rnd.randint(*DESCRIPTION_WORDS)
            if offset >= first:
                record = next(offers)
                record["description"] = _description(rnd, record, target)
                yield record


def _description(rnd: random.Random, record: dict, target: int) -> str:
    """The job tag texts of the offer's 小分類 (the job its title names first), then those of other
    jobs, up to the end of the target-th word, closed with 。"""
    jobs = list(jobtext.for_minor(record["occupation_code"] or ""))
    jobs.sort(key=lambda job: not record["title"].startswith(job.names))
    while True:
        source = "".join(job.summary + "".join(job.tasks) for job in jobs)
        runs = list(_WORD.finditer(source))
        if len(runs) >= target:
            return source[: runs[target - 1].end()].rstrip("、。・") + "。"
        jobs.append(rnd.choice(jobtext.jobs()))  # a 小分類 with short texts borrows another job's

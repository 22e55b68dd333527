"""The matching benchmark: N generated conditions, M generated offers; the index against the
reference loop and against the PostgreSQL baseline a Python team would build first.

Data comes from ``worker.seed.generate`` (skewed like the real thing: Tokyo and the big cities,
common occupations, about half the conditions with keywords): the ``realistic`` profile by
default, ``dense`` for the earlier broad conditions where each offer matches many. With
``keywords_only`` the data is :mod:`worker.seed.keyword_only` instead: saved searches of one to
three job words and nothing else, offers with 40–60-word descriptions (issue 9)."""

from __future__ import annotations

import hashlib
import os
import platform
import resource
import statistics
import time
import uuid
from datetime import UTC, datetime

import numpy
import rapidfuzz

from matchers import Columns, Condition, ConditionIndex, JobOffer, ReferenceMatcher, parse_condition, parse_job
from matchers.rules import OfferView, evaluate, prepare
from worker.seed import keyword_only
from worker.seed.generate import DEFAULT_PROFILE, condition_records, job_offer_records

SAMPLE_PASSES = 5  # warm passes of the index over each offer of the reference's sample: the median counts


def run(*, conditions: int, jobs: int, reference_sample: int, postgres_url: str | None = None,
        postgres_jobs: int = 200, seed: int = 1, profile: str = DEFAULT_PROFILE, keywords_only: bool = False) -> dict:
    if keywords_only:
        profile = "keywords-only"
        condition_source = keyword_only.condition_records
        offer_source = keyword_only.job_offer_records
    else:
        def condition_source(n, *, seed):
            return condition_records(n, seed=seed, profile=profile)

        def offer_source(n, *, seed):
            return job_offer_records(n, seed=seed, profile=profile)

    # Conditions are streamed into the index and generated again later for the baselines, so
    # the memory measured is the index's, not a list of a million Condition objects beside it.
    def generated_conditions():
        return (parse_condition(record) for record in condition_source(conditions, seed=seed))

    started = time.perf_counter()
    offers = [parse_job(record) for record in offer_source(jobs, seed=seed)]
    generate_s = time.perf_counter() - started
    rss_before_mb = _current_rss_mb()

    stream = _Timed(generated_conditions())
    started = time.perf_counter()
    index = ConditionIndex(stream)
    build_s = time.perf_counter() - started - stream.spent  # generating them is not building
    index_rss_mb = _current_rss_mb() - rss_before_mb

    # Timed is what the pipeline runs: ``match_columns``, one offer at a time (ids and scores as
    # numpy columns). ``Match`` objects with their reasons are made only for the reference
    # sample, untimed, and compared field by field too.
    compared = max(reference_sample, postgres_jobs if postgres_url else 0)
    latencies, answers, total_matches = [], [], 0
    started = time.perf_counter()
    for number, offer in enumerate(offers):
        begin = time.perf_counter()
        found = index.match_columns([offer])
        latencies.append(time.perf_counter() - begin)
        total_matches += len(found)
        if number < compared:
            answers.append(_column_digests(found))
    match_s = time.perf_counter() - started
    sample = offers[:reference_sample]
    explained = [_digests(index.match(offer)) for offer in sample]
    peak_rss_mb = _peak_rss_mb()  # before the reference and the baseline add their own memory
    stored = list(generated_conditions())

    reference_s, index_sample_s, reference_identical = _reference(index, stored, sample, answers, explained)
    result = {
        "profile": profile,
        "keywords_only": keywords_only,
        "n_conditions": conditions,
        "n_distinct_condition_bodies": index.distinct_bodies,
        "n_jobs": jobs,
        "timed": "match_columns",
        "build_s": round(build_s, 2),
        "p50_ms": round(_percentile(latencies, 50) * 1000, 3),
        "p99_ms": round(_percentile(latencies, 99) * 1000, 3),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 3),
        "jobs_per_s": round(jobs / match_s, 1),
        "matches_per_s": round(total_matches / match_s, 1),
        "matches_per_job": round(total_matches / jobs, 1),
        "peak_rss_mb": peak_rss_mb,
        "index_rss_mb": index_rss_mb,
        "reference_sample": len(sample),
        "reference_ms_per_job": round(reference_s / len(sample) * 1000, 3) if sample else None,
        "index_sample_ms_per_job": round(index_sample_s / len(sample) * 1000, 3) if sample else None,
        "reference_speedup": round(reference_s / index_sample_s, 1) if sample and index_sample_s else None,
        "postgres_jobs": None,
        "postgres_ms_per_job": None,
        "postgres_speedup": None,
        "identical": reference_identical,
    }
    if postgres_url:
        pg_offers = offers[:postgres_jobs]
        postgres_s, postgres_identical = _postgres(postgres_url, stored, pg_offers, answers)
        index_pg_s = sum(latencies[: len(pg_offers)])
        result.update(
            postgres_jobs=len(pg_offers),
            postgres_ms_per_job=round(postgres_s / len(pg_offers) * 1000, 2),
            postgres_speedup=round(postgres_s / index_pg_s, 1),
            identical=reference_identical and postgres_identical,
        )
    result.update(
        generate_s=round(generate_s + stream.spent, 1),
        peak_rss_total_mb=_peak_rss_mb(),
        machine=_machine(),
        measured_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    return result


class _Timed:
    """An iterator that adds up the time spent producing its items."""

    def __init__(self, items) -> None:
        self._items, self.spent = iter(items), 0.0

    def __iter__(self):
        return self

    def __next__(self):
        started = time.perf_counter()
        try:
            return next(self._items)
        finally:
            self.spent += time.perf_counter() - started


def _reference(index: ConditionIndex, stored: list[Condition], sample: list[JobOffer], answers: list[tuple],
               explained: list[tuple]) -> tuple[float, float, bool]:
    """The reference's time and the index's on the sample, and whether the index agreed with the
    reference on every offer: its columns (condition, seeker, score) and its ``Match`` objects
    (every field, reasons too).

    The two are timed offer by offer, side by side: this machine's speed drifts from minute to
    minute (the same reference took 432 and 745 ms an offer in two runs), and timing one after
    the other moved the ratio with it. The index's time on an offer is the median of
    ``SAMPLE_PASSES`` warm passes (one lasts about a millisecond); the reference's is one pass."""
    if not sample:
        return 0.0, 0.0, True
    reference = ReferenceMatcher(stored)
    reference_s = index_s = 0.0
    expected = []
    for offer in sample:
        passes = []
        for _ in range(SAMPLE_PASSES):
            started = time.perf_counter()
            index.match_columns([offer])
            passes.append(time.perf_counter() - started)
        index_s += statistics.median(passes)
        started = time.perf_counter()
        expected.append(reference.match(offer))
        reference_s += time.perf_counter() - started
    columns_agree = [_column_digests(_as_columns(found)) for found in expected] == answers[: len(sample)]
    return reference_s, index_s, columns_agree and [_digests(found) for found in expected] == explained


def _digests(found: list) -> str:
    """A fingerprint of every field of every match."""
    return hashlib.sha256(repr([(m.job_number, m.condition_id, m.seeker_id, m.score, m.reasons)
                                for m in found]).encode()).hexdigest()


def _as_columns(found: list) -> Columns:
    return Columns(numpy.zeros(len(found), numpy.int32), numpy.array([m.condition_id for m in found], numpy.int64),
                   numpy.array([m.seeker_id for m in found], numpy.int64), numpy.array([m.score for m in found], numpy.int32))


def _column_digests(found: Columns) -> tuple[str, str]:
    """Fingerprints of one offer's columns in condition_id order: (condition, seeker, score)
    rows, and the (condition_id, score) pairs alone (what the PostgreSQL baseline is compared on)."""
    found = found.sorted()
    rows = numpy.stack([found.condition_id, found.seeker_id, found.score.astype(numpy.int64)])
    return hashlib.sha256(rows.tobytes()).hexdigest(), _pairs_digest(
        list(zip(found.condition_id.tolist(), found.score.tolist())))


def _pairs_digest(pairs: list[tuple]) -> str:
    return hashlib.sha256(repr(pairs).encode()).hexdigest()


def _percentile(values: list[float], percent: float) -> float:
    return float(numpy.percentile(values, percent)) if values else 0.0


def _current_rss_mb() -> int:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 2**20


def _peak_rss_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024  # Linux reports KiB


def _machine() -> dict:
    model = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            model = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), "")
    except OSError:
        pass
    try:
        memory_gb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError):
        memory_gb = None
    return {
        "cpu": model or platform.processor(),
        "cpus": os.cpu_count(),
        "memory_gb": memory_gb,
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "rapidfuzz": rapidfuzz.__version__,
        "platform": platform.platform(),
    }


# -- the PostgreSQL baseline -----------------------------------------------------------------

_TABLE = """
CREATE TABLE {schema}.condition (
    row_id bigint PRIMARY KEY,
    prefecture_codes text[] NOT NULL,
    municipality_codes text[] NOT NULL,
    occupation_codes text[] NOT NULL,
    employment_forms int[] NOT NULL,
    wage_min_monthly bigint
)"""
_INDEXES = [
    "CREATE INDEX ON {schema}.condition USING gin (prefecture_codes)",
    "CREATE INDEX ON {schema}.condition USING gin (municipality_codes)",
    "CREATE INDEX ON {schema}.condition USING gin (occupation_codes)",
]
# The structured part in SQL; an empty array means "any", as in the specification.
_QUERY = """
SELECT row_id FROM {schema}.condition
WHERE (prefecture_codes && %(prefecture)s::text[] OR municipality_codes && %(municipality)s::text[]
       OR (prefecture_codes = '{{}}' AND municipality_codes = '{{}}'))
  AND (occupation_codes = '{{}}' OR occupation_codes && %(occupations)s::text[])
  AND (employment_forms = '{{}}' OR employment_forms && %(forms)s::int[])
  AND (wage_min_monthly IS NULL OR wage_min_monthly <= %(wage)s)"""


def _postgres(url: str, stored: list[Condition], offers: list[JobOffer], answers: list[list]) -> tuple[float, bool]:
    """One SQL query per offer over GIN-indexed code arrays, then the keyword rules in Python on
    its candidates. Runs in a schema of its own that is dropped afterwards."""
    import psycopg

    schema = f"bench_matching_{uuid.uuid4().hex[:8]}"
    bodies = [prepare(condition) for condition in stored]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
        try:
            conn.execute(_TABLE.format(schema=schema))
            with conn.cursor().copy(f"COPY {schema}.condition FROM STDIN") as copy:
                for row, body in enumerate(bodies):
                    copy.write_row((row, list(body.prefectures), list(body.municipalities), list(body.occupations),
                                    list(body.forms), body.wage_min_monthly))
            for statement in _INDEXES:
                conn.execute(statement.format(schema=schema))
            conn.execute(f"ANALYZE {schema}.condition")
            query = _QUERY.format(schema=schema)
            identical = True
            started = time.perf_counter()
            for number, offer in enumerate(offers):
                found = _postgres_match(conn, query, stored, bodies, offer)
                identical &= _pairs_digest(found) == answers[number][1]
            elapsed = time.perf_counter() - started
        finally:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    return elapsed, identical


def _postgres_match(conn, query, stored, bodies, offer: JobOffer) -> list[tuple]:
    view = OfferView(offer)
    occupations = [code for code in (view.occupation, view.middle, view.major) if code]
    rows = conn.execute(query, {
        "prefecture": [view.prefecture], "municipality": [view.municipality] if view.municipality else [],
        "occupations": occupations, "forms": [view.form] if view.form else [],
        "wage": view.wage_upper_monthly if view.wage_upper_monthly is not None else -1,
    }).fetchall()
    found = []
    for (row,) in rows:
        outcome = evaluate(view, bodies[row])  # the keyword rules, as the index and reference apply them
        if outcome is not None:
            found.append((stored[row].condition_id, outcome[0]))
    found.sort()
    return found

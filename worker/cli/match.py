"""``mypage-worker match --jobs JOBS.jsonl --conditions CONDITIONS.jsonl``: a dry run of the
matcher for staff, and the contract anyone can check it against.

Writes one JSON object per match to stdout (``job_number, condition_id, seeker_id, score,
reasons``), jobs in file order and each job's matches by condition_id. The fields of both files
are documented in docs/formats.md. A line that is not valid is reported on stderr as
``FILE:LINE: field: reason`` (one line per bad field) and skipped; the valid lines are still
matched; the exit status is 1 when any line was rejected (2 when a file is missing)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from matchers import ConditionIndex, InvalidRecord, parse_condition, parse_job
from matchers.parsing import read_jsonl


def register(sub) -> None:
    parser = sub.add_parser(
        "match", help="match job offers against conditions (JSONL in, JSONL out)",
        description="A dry run of the matcher: one JSON object per match on stdout. Both files hold one JSON object "
                    "a line; every field is documented in docs/formats.md. A bad line is reported as "
                    "FILE:LINE: field: reason for every bad field and skipped; exit status 1 when any line was "
                    "rejected, 2 when a file is missing.")
    parser.add_argument("--jobs", required=True, type=Path, help="job offers, one JSON object a line (docs/formats.md)")
    parser.add_argument("--conditions", required=True, type=Path,
                        help="conditions, one JSON object a line (docs/formats.md)")
    parser.set_defaults(func=run)


def run(args) -> int:
    for path in (args.conditions, args.jobs):
        if not path.is_file():
            print(f"{path}: ファイルがありません", file=sys.stderr)
            return 2
    rejected = 0

    def reject(path: Path, line: int, problems: list[tuple[str, str]]) -> None:
        nonlocal rejected
        rejected += 1
        for field, reason in problems:
            print(f"{path}:{line}: {field}: {reason}", file=sys.stderr)

    index = ConditionIndex()
    for line, condition in _records(args.conditions, parse_condition, "condition_id",
                                    lambda c: c.condition_id, reject):
        index.add(condition)
    for line, offer in _records(args.jobs, parse_job, "job_number", lambda j: j.job_number, reject):
        for match in index.match(offer):
            sys.stdout.write(json.dumps(match.as_dict(), ensure_ascii=False) + "\n")
    sys.stdout.flush()
    return 1 if rejected else 0


def _records(path: Path, parse: Callable, id_field: str, id_of: Callable,
             reject: Callable[[Path, int, list[tuple[str, str]]], None]) -> Iterator[tuple[int, object]]:
    """Valid records of a JSONL file with their line numbers; blank lines are skipped, an id
    seen before is rejected (which of two records was meant is not ours to guess)."""
    seen = set()
    with path.open("rb") as stream:
        for number, value in read_jsonl(stream):
            try:
                if isinstance(value, InvalidRecord):
                    raise value
                record = parse(value)
            except InvalidRecord as exc:
                reject(path, number, exc.problems)
                continue
            key = id_of(record)
            if key in seen:
                reject(path, number, [(id_field, f"{key!r} は前の行と重複しています")])
                continue
            seen.add(key)
            yield number, record

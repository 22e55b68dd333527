"""``mypage-worker match --jobs JOBS.jsonl --conditions CONDITIONS.jsonl``: a dry run of the
matcher for staff, and the contract anyone can check it against.

Writes one JSON object per match to stdout (``job_number, condition_id, seeker_id, score,
reasons``), jobs in file order and each job's matches by condition_id. A line that is not
valid is reported on stderr as ``FILE:LINE: field: reason`` and skipped; the valid lines are
still matched; the exit status is 1 when any line was rejected (2 when a file is missing)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from matchers import ConditionIndex, InvalidRecord, parse_condition, parse_job


def register(sub) -> None:
    parser = sub.add_parser("match", help="match job offers against conditions (JSONL in, JSONL out)")
    parser.add_argument("--jobs", required=True, type=Path, help="job offers, one JSON object a line")
    parser.add_argument("--conditions", required=True, type=Path, help="conditions, one JSON object a line")
    parser.set_defaults(func=run)


def run(args) -> int:
    for path in (args.conditions, args.jobs):
        if not path.is_file():
            print(f"{path}: ファイルがありません", file=sys.stderr)
            return 2
    rejected = 0

    def reject(path: Path, line: int, field: str, reason: str) -> None:
        nonlocal rejected
        rejected += 1
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
             reject: Callable[[Path, int, str, str], None]) -> Iterator[tuple[int, object]]:
    """Valid records of a JSONL file with their line numbers; blank lines are skipped, an id
    seen before is rejected (which of two records was meant is not ours to guess)."""
    seen = set()
    # Read bytes and decode line by line: one line that is not UTF-8 is a bad line, not the end.
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                reject(path, number, "(line)", f"UTF-8 として読めません（{exc.start + 1} バイト目）")
                continue
            if not text.strip():
                continue
            try:
                record = parse(json.loads(text))
            except json.JSONDecodeError as exc:
                reject(path, number, "(json)", f"JSON として読めません（{exc.msg}、{exc.colno} 文字目）")
                continue
            except InvalidRecord as exc:
                reject(path, number, exc.field, exc.reason)
                continue
            key = id_of(record)
            if key in seen:
                reject(path, number, id_field, f"{key!r} は前の行と重複しています")
                continue
            seen.add(key)
            yield number, record

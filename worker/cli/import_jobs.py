"""``mypage-worker import-jobs FILE.jsonl``: job offers in the matchers' JSONL contract
(docs/formats.md). Bad lines are reported on stderr as ``FILE:LINE: field: reason``, one line per
bad field, and skipped; the good ones are stored and queued for matching; the exit status is 1
when any line was rejected."""

from __future__ import annotations

import sys
from pathlib import Path

from worker.cli import args as types
from worker.config import load_settings


def register(sub) -> None:
    parser = sub.add_parser(
        "import-jobs", help="import job offers from a JSONL file and queue them for matching",
        description="Import job offers, one JSON object a line; the fields are documented in docs/formats.md "
                    "(in the source tree and the sdist). A bad line is reported as "
                    "FILE:LINE: field: reason for every bad field; the good lines are imported; exit status 1 "
                    "when any line was rejected.")
    parser.add_argument("file", type=types.existing_file, metavar="FILE.jsonl",
                        help="job offers, one JSON object a line (fields: docs/formats.md)")
    parser.set_defaults(func=_import_jobs)


def _import_jobs(args) -> int:
    from rich.console import Console
    from rich.progress import Progress

    from worker.actors.sender import connect
    from worker.cli.database import open_database
    from worker.cli.summary import count_table
    from worker.pipeline.import_jobs import import_jobs

    settings = load_settings()
    engine = open_database(settings)
    total = _count_lines(args.file)
    with Progress(console=Console(stderr=True)) as progress:
        task = progress.add_task("importing", total=total)
        report = import_jobs(engine, args.file, progress=lambda n: progress.advance(task, n))
    for rejection in report.rejected:
        for field, reason in rejection.problems:
            print(f"{args.file}:{rejection.line}: {field}: {reason}", file=sys.stderr)
    dispatcher = connect(settings)
    if dispatcher is not None and report.pending_ids:
        dispatcher.match_job_offers(report.pending_ids)
        queued = "hints sent to the workers on Redis"
    else:
        # No broker reaches a worker from here; whether one runs we cannot tell, so say what does it.
        queued = "pending: matched by `mypage-worker run` (or the scheduler's sweeper) once it runs"
    Console().print(count_table(f"import-jobs {args.file}", [
        ("lines read", report.lines),
        ("offers imported", report.imported),
        ("already present (left as they were)", report.already_present),
        ("lines rejected", len(report.rejected)),
        (f"waiting to be matched ({queued})", len(report.pending_ids)),
    ]))
    return 1 if report.rejected else 0


def _count_lines(path: Path) -> int:
    """Line ends in the file, read in blocks: a line of gigabytes costs no memory here."""
    count = 0
    with path.open("rb") as stream:
        while block := stream.read(1 << 20):
            count += block.count(b"\n")
    return count

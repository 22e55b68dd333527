"""``mypage-worker import-jobs FILE.jsonl``: job offers in the matchers' JSONL contract. Bad
lines are reported on stderr as ``FILE:LINE: field: reason`` and skipped; the good ones are
stored and queued for matching; the exit status is 1 when any line was rejected."""

from __future__ import annotations

import sys

from worker.cli import args as types
from worker.config import load_settings


def register(sub) -> None:
    parser = sub.add_parser("import-jobs", help="import job offers from a JSONL file and queue them for matching")
    parser.add_argument("file", type=types.existing_file, metavar="FILE.jsonl",
                        help="job offers in the matchers' JSONL contract, one JSON object a line")
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
    total = sum(1 for _ in args.file.open(encoding="utf-8", errors="replace"))
    with Progress(console=Console(stderr=True)) as progress:
        task = progress.add_task("importing", total=total)
        report = import_jobs(engine, args.file, progress=lambda n: progress.advance(task, n))
    for rejection in report.rejected:
        print(f"{args.file}:{rejection.line}: {rejection.field}: {rejection.reason}", file=sys.stderr)
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

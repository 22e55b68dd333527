"""``mypage-worker recommend --since DATE [--prefecture CODE] [--dry-run]``: a staff
recommendation batch over the offers received since DATE (their candidates collected, then a
round of its own at once), run here with a progress bar and summed up in a table.
``--dry-run`` shows the same counts and a few samples and writes nothing."""

from __future__ import annotations

import re
import sys
from datetime import date

from worker.config import load_settings

_PREFECTURE = re.compile(r"0[1-9]|[1-3][0-9]|4[0-7]")


def register(sub) -> None:
    parser = sub.add_parser("recommend", help="recommendation batch over the offers received since DATE")
    parser.add_argument("--since", required=True, type=date.fromisoformat, metavar="YYYY-MM-DD")
    parser.add_argument("--prefecture", metavar="CODE", help="only offers in this prefecture (01–47)")
    parser.add_argument("--dry-run", action="store_true", help="count and show samples; write nothing")
    parser.set_defaults(func=_recommend)


def _recommend(args) -> int:
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from worker.actors.broker import connect
    from worker.cli.summary import count_table
    from worker.db import make_engine
    from worker.pipeline.batch import offers_since, recommendation_batch
    from worker.pipeline.index_cache import IndexCache

    if args.prefecture and not _PREFECTURE.fullmatch(args.prefecture):
        print(f"--prefecture: {args.prefecture!r} は都道府県コード（01〜47）ではありません", file=sys.stderr)
        return 2
    settings = load_settings()
    engine = make_engine(settings.effective_database_url)
    console = Console(stderr=True)
    offer_ids = offers_since(engine, settings, since=args.since, prefecture=args.prefecture)
    with console.status("loading the conditions of every seeker who may receive recommendations…"):
        cache = IndexCache(engine)
        cache.build()
    with Progress(console=console) as progress:
        task = progress.add_task("dry run" if args.dry_run else "recommending", total=len(offer_ids))
        report = recommendation_batch(engine, settings, offer_ids, dry_run=args.dry_run, cache=cache,
                                      progress=lambda n: progress.advance(task, n))
    if not args.dry_run and report.mails_queued + report.digests_extended + report.saved_search_mails:
        dispatcher = connect(settings)
        if dispatcher is not None:
            dispatcher.deliver_due_mail()

    out = Console()
    title = "推薦バッチ (dry run: nothing written)" if args.dry_run else "推薦バッチ"
    counts = [
        ("offers", len(offer_ids)),
        ("conditions in the index", len(cache)),
        ("matches with a live seeker", report.matches),
        ("candidates" + (" (would be new)" if args.dry_run else " new"), report.candidates),
        ("seekers reached", len(report.seekers)),
        ("inbox items" + (" (would be created)" if args.dry_run else " created"), report.inbox_items),
        ("recommendation mails" + (" (would be queued)" if args.dry_run else " queued"), report.mails_queued),
    ] + ([] if args.dry_run else [("pending digests extended", report.digests_extended),
                                   ("saved-search mails queued", report.saved_search_mails)])
    out.print(count_table(f"{title} — offers received since {args.since}"
                          + (f", prefecture {args.prefecture}" if args.prefecture else ""), counts))
    if report.samples:
        samples = Table(title="samples")
        for column in ("job number", "seeker", "score", "reasons"):
            samples.add_column(column)
        for s in report.samples:
            samples.add_row(s["job_number"], str(s["seeker_id"]), str(s["score"]), " / ".join(s["reasons"]))
        out.print(samples)
    return 0

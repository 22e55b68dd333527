"""``mypage-worker recommend --since DATE [--prefecture CODE] [--dry-run]``: a staff
recommendation batch over the offers received since DATE (their candidates collected, then a
round of its own at once), run here with a progress bar and summed up in a table.
``--dry-run`` does the same work in one transaction that is rolled back: the same rows and a
few samples, nothing written. Mails the quiet hours hold are said to wait, with the time they
leave."""

from __future__ import annotations

from datetime import timedelta

from worker.cli import args as types
from worker.config import load_settings


def register(sub) -> None:
    parser = sub.add_parser("recommend", help="recommendation batch over the offers received since DATE")
    parser.add_argument("--since", required=True, type=types.iso_date, metavar="YYYY-MM-DD",
                        help="offers received (受付年月日) on or after this date")
    parser.add_argument("--prefecture", type=types.prefecture, metavar="CODE",
                        help="only offers in this prefecture (01–47)")
    parser.add_argument("--dry-run", action="store_true", help="do the same work and show the same counts; write nothing")
    parser.set_defaults(func=_recommend)


def _recommend(args) -> int:
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from worker.actors.sender import connect
    from worker.cli.database import open_database
    from worker.cli.summary import count_table, held_line
    from worker.domain.models import utcnow
    from worker.pipeline.batch import offers_since, recommendation_batch
    from worker.pipeline.digest import digest_send_time
    from worker.pipeline.index_cache import IndexCache

    settings = load_settings()
    engine = open_database(settings)
    console = Console(stderr=True)
    now = utcnow()
    offer_ids = offers_since(engine, settings, since=args.since, prefecture=args.prefecture)
    with console.status("loading the conditions of every seeker who may receive recommendations…"):
        cache = IndexCache(engine)
        cache.build()
    with Progress(console=console) as progress:
        task = progress.add_task("dry run" if args.dry_run else "recommending", total=len(offer_ids))
        report = recommendation_batch(engine, settings, offer_ids, dry_run=args.dry_run, cache=cache, now=now,
                                      progress=lambda n: progress.advance(task, n))
    mails = report.mails_queued + report.digests_extended + report.saved_search_mails
    if not args.dry_run and mails:
        dispatcher = connect(settings)
        if dispatcher is not None:
            dispatcher.deliver_due_mail()

    out = Console()
    title = "推薦バッチ (dry run: nothing written)" if args.dry_run else "推薦バッチ"
    counts = [
        ("offers", len(offer_ids)),
        ("conditions in the index", len(cache)),
        ("matches with a live seeker", report.matches),
        ("new candidates", report.candidates),
        ("seekers reached", len(report.seekers)),
        ("inbox items created", report.inbox_items),
        ("recommendation mails queued", report.mails_queued),
        ("pending digests extended", report.digests_extended),
        ("saved-search mails queued", report.saved_search_mails),
    ]
    release = digest_send_time(now, settings)
    if mails and release > now + timedelta(seconds=settings.digest_delay_s):  # later than the delay: held
        counts.append((held_line(release), mails))
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

"""``mypage-worker notice --title … --body-file … [--prefecture …]``: a ハローワークからのお知らせ
to the seekers of a segment, as inbox items and ``notice`` mails. Running the same notice again
sends nothing twice (its dedupe keys carry a hash of title and body)."""

from __future__ import annotations

import sys

from worker.cli import args as types
from worker.config import load_settings


def register(sub) -> None:
    parser = sub.add_parser("notice", help="send a お知らせ to seekers (inbox items and notice mails)")
    parser.add_argument("--title", required=True, help="the notice's title (件名), as seekers see it")
    parser.add_argument("--body-file", required=True, type=types.existing_file, metavar="FILE",
                        help="UTF-8 text of the notice")
    parser.add_argument("--prefecture", nargs="+", default=[], type=types.prefecture, metavar="CODE",
                        help="only seekers living in these prefectures (01–47); default: every seeker")
    parser.set_defaults(func=_notice)


def _notice(args) -> int:
    from rich.console import Console
    from rich.progress import Progress

    from worker.actors.sender import connect
    from worker.cli.database import open_database
    from worker.cli.summary import count_table
    from worker.domain.errors import InvalidInput
    from worker.pipeline.notice import segment, send_notice, validate_notice

    try:
        body = args.body_file.read_text(encoding="utf-8")
        validate_notice(args.title, body)
    except (OSError, UnicodeDecodeError) as exc:
        print(f"{args.body_file}: {exc}", file=sys.stderr)
        return 2
    except InvalidInput as exc:
        print(f"{exc.field}: {exc.message}", file=sys.stderr)
        return 2
    settings = load_settings()
    engine = open_database(settings)
    seekers = segment(engine, prefectures=args.prefecture)
    with Progress(console=Console(stderr=True)) as progress:
        task = progress.add_task("sending the notice", total=len(seekers))
        report = send_notice(engine, title=args.title, body=body, seeker_ids=seekers,
                             progress=lambda n: progress.advance(task, n))
    if report.mails_queued:
        dispatcher = connect(settings)
        if dispatcher is not None:
            dispatcher.deliver_due_mail(max(1, report.mails_queued // 100))
    Console().print(count_table(f"お知らせ {report.notice_id}: {args.title}", [
        ("seekers in the segment", report.seekers),
        ("inbox items created", report.inbox_items),
        ("notice mails queued", report.mails_queued),
        ("already sent before (rerun)", report.seekers - report.inbox_items),
    ]))
    return 0

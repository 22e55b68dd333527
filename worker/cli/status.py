"""``mypage-worker status``: queue depths, offers waiting to be matched, mails by status — and
those held for the quiet hours, with when they leave —, suppressed addresses, restricted and
unusable accounts."""

from __future__ import annotations

from worker.config import load_settings


def register(sub) -> None:
    parser = sub.add_parser("status", help="queues, offers waiting, mails pending/held/failed/suppressed, accounts")
    parser.set_defaults(func=_status)


def _status(args) -> int:
    from rich.console import Console

    from worker.actors.sender import connect
    from worker.cli.database import open_database
    from worker.cli.summary import count_table, held_line
    from worker.domain.models import utcnow
    from worker.pipeline.status import read_status

    settings = load_settings()
    engine = open_database(settings)
    status = read_status(engine, settings, now=utcnow())
    dispatcher = connect(settings)
    depths = dispatcher.queue_depths() if dispatcher is not None else None

    if depths is None:
        rows = [("broker queues", "in-process (inside `mypage-worker run`)")]
    else:
        rows = [(f"queue {queue}", depth) for queue, depth in depths.items()]
    oldest = f" (oldest {status.oldest_offer_waiting:%Y-%m-%d %H:%M} UTC)" if status.oldest_offer_waiting else ""
    rows.append((f"offers waiting to be matched{oldest}", status.offers_waiting))
    rows += [(f"mails {name}", n) for name, n in status.mails.items()]
    if status.held_until is not None:
        rows.append((held_line(status.held_until), status.mails_held))
    rows += [("suppressed addresses", status.suppressed_addresses),
             ("accounts restricted (機能制限)", status.accounts["restricted"]),
             ("accounts unusable (利用不可)", status.accounts["unusable"])]
    Console().print(count_table("mypage-worker status", rows))
    return 0

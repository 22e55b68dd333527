"""``mypage-worker status``: queue depths, offers waiting to be matched, mails by status,
suppressed addresses, restricted and unusable accounts."""

from __future__ import annotations

from worker.config import load_settings


def register(sub) -> None:
    parser = sub.add_parser("status", help="queues, offers waiting, mails pending/failed/suppressed, accounts")
    parser.set_defaults(func=_status)


def _status(args) -> int:
    from rich.console import Console
    from rich.table import Table

    from worker.actors.broker import connect
    from worker.db import make_engine
    from worker.pipeline.status import read_status

    settings = load_settings()
    engine = make_engine(settings.effective_database_url)
    status = read_status(engine)
    dispatcher = connect(settings)
    depths = dispatcher.queue_depths() if dispatcher is not None else None

    table = Table(title="mypage-worker status")
    table.add_column("")
    table.add_column("count", justify="right")
    if depths is None:
        table.add_row("broker queues", "in-process (inside `mypage-worker run`)")
    else:
        for queue, depth in depths.items():
            table.add_row(f"queue {queue}", f"{depth:,}")
    oldest = f" (oldest {status.oldest_offer_waiting:%Y-%m-%d %H:%M} UTC)" if status.oldest_offer_waiting else ""
    table.add_row(f"offers waiting to be matched{oldest}", f"{status.offers_waiting:,}")
    for name, n in status.mails.items():
        table.add_row(f"mails {name}", f"{n:,}")
    table.add_row("suppressed addresses", f"{status.suppressed_addresses:,}")
    table.add_row("accounts restricted (機能制限)", f"{status.accounts['restricted']:,}")
    table.add_row("accounts unusable (利用不可)", f"{status.accounts['unusable']:,}")
    Console().print(table)
    return 0

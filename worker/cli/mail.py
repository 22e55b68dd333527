"""``mypage-worker mail list | preview NAME --out DIR | bench [--json]``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from worker.cli.args import positive
from worker.config import load_settings


def register(sub) -> None:
    parser = sub.add_parser("mail", help="list, preview and benchmark the seekers' mails")
    actions = parser.add_subparsers(dest="mail_action", required=True)
    actions.add_parser("list", help="the declared mail names, one per line").set_defaults(func=_list)
    preview = actions.add_parser("preview", help="render NAME with sample data into DIR/NAME.eml and DIR/NAME.html")
    preview.add_argument("name", help="a declared mail (see `mypage-worker mail list`)")
    preview.add_argument("--out", type=Path, required=True, metavar="DIR", help="where to write NAME.eml and NAME.html")
    preview.set_defaults(func=_preview)
    bench = actions.add_parser("bench", help="mails rendered per second, mails sent per second to a local SMTP server")
    bench.add_argument("--json", action="store_true", help="print one JSON object (default: a readable table)")
    bench.add_argument("--renders", type=positive, default=5000, help="mails to render (default 5000)")
    bench.add_argument("--sends", type=positive, default=1000, help="mails to send (default 1000)")
    bench.set_defaults(func=_bench)


def _list(args) -> int:
    from worker.mail.registry import MAILS

    print("\n".join(MAILS))
    return 0


def _preview(args) -> int:
    from worker.mail.preview import write_preview
    from worker.mail.registry import MAILS

    if args.name not in MAILS:
        print(f"unknown mail {args.name!r}; declared: {', '.join(MAILS)}")
        return 2
    eml, html = write_preview(args.name, args.out, load_settings())
    print(eml)
    print(html)
    return 0


def _bench(args) -> int:
    import importlib.util

    # The bench's SMTP server is aiosmtpd, a test extra: without it, say so at once.
    if importlib.util.find_spec("aiosmtpd") is None:
        print("mypage-worker mail bench: needs aiosmtpd (the test extras): pip install 'mypage-worker[test]' "
              "(or, in a clone, pip install '.[test]')", file=sys.stderr)
        return 2
    from worker.bench.mail import run

    result = run(renders=args.renders, sends=args.sends)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        for key, value in result.items():
            print(f"{key:>28}  {value}")
    return 0 if result["server_received"] == result["sent"] == args.sends else 1

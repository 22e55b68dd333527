"""``mypage-worker console [--host 127.0.0.1] [--port 8080]``: the staff console, served by
uvicorn on the worker's settings and database (on embedded defaults the SQLite file is migrated
first, as ``run`` does). Log in with an account made by ``mypage-worker staff add``."""

from __future__ import annotations

import sys

from worker.config import load_settings


def register(sub) -> None:
    parser = sub.add_parser("console", help="the staff console (web pages) on HOST:PORT")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; 0.0.0.0 for all)")
    parser.add_argument("--port", type=int, default=8080, help="port to listen on (default 8080)")
    parser.add_argument("--trusted-proxy", metavar="ADDRESS", default=None,
                        help="the reverse proxy in front of the console, whose X-Forwarded-For names the client "
                             "(default: none; the header is ignored, so nobody can pick their own address)")
    parser.add_argument("--https-only", action="store_true",
                        help="mark the session cookie Secure (set it when the console is behind HTTPS)")
    parser.set_defaults(func=_console)


def _console(args) -> int:
    import logging

    import uvicorn

    from worker.actors.broker import connect
    from worker.console.app import create_app
    from worker.console.database import DatabaseNotReady, open_database

    settings = load_settings()
    try:
        engine = open_database(settings)
    except DatabaseNotReady as exc:
        print(exc, file=sys.stderr)
        return 1
    app = create_app(settings, engine, dispatcher=connect(settings), https_only=args.https_only)
    logging.getLogger(__name__).info("staff console on http://%s:%d/ (database %s)", args.host, args.port,
                                     engine.url.render_as_string(hide_password=True))
    # The login throttle counts failures per client address: uvicorn would otherwise take that
    # address from X-Forwarded-For on any connection from 127.0.0.1, i.e. from anyone on this host
    # or behind a proxy that passes the header on, and a new address per guess escapes the count.
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", access_log=False, server_header=False,
                proxy_headers=args.trusted_proxy is not None, forwarded_allow_ips=args.trusted_proxy or "")
    return 0

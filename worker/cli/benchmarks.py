"""What the benchmark commands that run worker processes share (``bench-pipeline``,
``bench-national``): the servers' options, a check that both servers answer before minutes of
seeding, and the result printed as JSON or a table."""

from __future__ import annotations

import json


def server_options(parser, *, databases: str) -> None:
    """--postgres, --redis and --json; ``databases``: what the command makes on the server."""
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres", metavar="URL",
                        help=f"server for {databases} (the URL's database is only used to create it)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0", metavar="URL",
                        help="Redis for the broker (keys under a throw-away namespace)")
    parser.add_argument("--json", action="store_true", help="print one JSON object (default: a readable table)")


def check_servers(postgres_url: str, redis_url: str) -> None:
    """One line now, naming the server given, rather than a traceback minutes into a run."""
    import redis
    from sqlalchemy.exc import DBAPIError

    from worker.cli.database import CommandError, database_error, shown_url
    from worker.db import make_engine

    engine = make_engine(postgres_url)
    try:
        with engine.connect():
            pass
    except DBAPIError as exc:
        raise database_error(postgres_url, exc) from None
    finally:
        engine.dispose()
    client = redis.Redis.from_url(redis_url, socket_connect_timeout=5)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise CommandError(f"the broker {shown_url(redis_url)} does not answer: {str(exc).splitlines()[0]}") from None
    finally:
        client.close()


def print_result(result: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        width = max(map(len, result), default=0)
        for key, value in result.items():
            print(f"{key:>{width}}  {value}")

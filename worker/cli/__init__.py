"""The ``mypage-worker`` command. Each subcommand lives in its own module with a
``register(subparsers)`` function; settings are built here, once, when the program starts."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

# Module names under worker.cli, in the order `--help` lists them.
COMMANDS = [
    "demo", "run", "seed", "match", "bench", "mail", "recommend", "notice",
    "import_jobs", "status", "bench_pipeline", "bench_national", "bench_index_load", "db", "worker", "scheduler",
    "codes", "staff", "console",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mypage-worker",
        description="求職者マイページの バックグラウンドワーカー: matching, inbox delivery, mail, scheduled rules.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log at DEBUG level")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"worker.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"worker.cli.{name}":
                raise
            continue  # a command still being built
        module.register(sub)
    return parser


# Libraries that narrate a normal start at INFO (Alembic's "Context impl …", APScheduler's
# "Adding job …"); their warnings still show, their chatter only with -v.
CHATTY_LOGGERS = ("alembic", "apscheduler")


def main(argv: list[str] | None = None) -> int:
    # Files this process creates (the SQLite file, the secret key, .eml files holding addresses
    # and 認証キー) are the owner's only, whichever module creates them.
    umask = os.umask(0o077)
    try:
        return _main(argv)
    finally:
        os.umask(umask)  # main() is also called in-process (tests): leave the caller's as it was


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # a bad argument: argparse's one line and SystemExit(2)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG if args.verbose else logging.WARNING)
    try:
        return int(args.func(args) or 0)
    except Exception as exc:
        error = _one_line(exc)
        if error is None or args.verbose:
            raise
        print(f"mypage-worker {args.command}: {error}", file=sys.stderr)
        return getattr(error, "status", 2)


def _one_line(exc: Exception):
    """The one line a person acts on, for the errors that are about the set-up rather than a bug:
    settings, the secret key, a database that does not answer. None: a bug, let it show."""
    from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

    from worker.cli.database import CommandError, database_error
    from worker.config import SettingsError, load_settings
    from worker.secret_key import SecretKeyError

    if isinstance(exc, (CommandError, SettingsError, SecretKeyError)):
        return exc
    if isinstance(exc, NoSuchModuleError) or isinstance(exc, ArgumentError) and "SQLAlchemy URL" in str(exc):
        # Not the value itself: a URL may hold a password.
        return CommandError("MYPAGE_DATABASE_URL: not a database URL this worker can use "
                            "(e.g. postgresql://user@host/db or sqlite:///var/mypage.db)")
    if isinstance(exc, DBAPIError) and exc.connection_invalidated or _is_connection_error(exc):
        return database_error(load_settings().effective_database_url, exc)
    if isinstance(exc, OSError) and exc.filename is not None and exc.strerror:
        # A file or directory of the set-up (var/, the SQLite file's directory) that cannot be
        # made or opened: its name and why, which the person who set it up can act on.
        return CommandError(f"{exc.filename}: {exc.strerror}")
    if _is_redis_connection_error(exc):
        from worker.cli.database import shown_url

        # Redis URLs parse like database URLs; shown, as those, without the password.
        shown = shown_url(load_settings().redis_url)
        reason = str(exc).strip().strip("'\"").splitlines()[0] if str(exc).strip() else type(exc).__name__
        return CommandError(f"the broker {shown} does not answer: {reason}")
    return None


def _is_redis_connection_error(exc: Exception) -> bool:
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError
    except ImportError:  # pragma: no cover - redis is a dependency
        return False
    return isinstance(exc, (RedisConnectionError, RedisTimeoutError))


def _is_connection_error(exc: Exception) -> bool:
    """A database that is down, refuses us, or cut the connection — not a failed statement."""
    import sqlite3

    from sqlalchemy.exc import DatabaseError, InterfaceError, OperationalError

    if isinstance(exc, DatabaseError) and type(exc.orig) is sqlite3.DatabaseError:
        return "file is not a database" in str(exc.orig)  # a file in its place that SQLite cannot read
    if not isinstance(exc, (OperationalError, InterfaceError)):
        return False
    if isinstance(exc.orig, sqlite3.Error):  # SQLite's OperationalError also means "no such table"
        return any(words in str(exc.orig) for words in ("unable to open", "database is locked", "disk I/O"))
    return True


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

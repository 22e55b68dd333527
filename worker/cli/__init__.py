"""The ``mypage-worker`` command. Each subcommand lives in its own module with a
``register(subparsers)`` function; settings are built here, once, when the program starts."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

# Module names under worker.cli, in the order `--help` lists them.
COMMANDS = [
    "demo", "run", "seed", "match", "bench", "mail", "recommend", "notice",
    "import_jobs", "status", "bench_pipeline", "db", "worker", "scheduler", "codes", "staff", "console",
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


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    return int(args.func(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""``mypage-worker bench-pipeline --offers 2000 --seekers 100000 --json``: one batch of new offers
through real worker processes on Redis + PostgreSQL (a throw-away database), then one
recommendation round; prints candidates per second, the match and round seconds, inbox items,
mails queued, the most items one seeker got and the end-to-end seconds."""

from __future__ import annotations

import sys

from worker.cli.args import positive
from worker.cli.benchmarks import check_servers, print_result, server_options


def register(sub) -> None:
    parser = sub.add_parser("bench-pipeline", help="benchmark the worker pipeline on Redis + PostgreSQL")
    parser.add_argument("--offers", type=positive, default=2_000, help="new job offers in the batch")
    parser.add_argument("--seekers", type=positive, default=100_000, help="seekers (with their conditions) to seed")
    parser.add_argument("--processes", type=positive, default=2, help="worker processes")
    parser.add_argument("--threads", type=positive, default=4, help="threads per worker process")
    parser.add_argument("--round-processes", type=positive, default=2, metavar="N",
                        help="processes the round's seeker windows are shared between (default 2, as the "
                             "worker processes: the round runs once they have stopped)")
    parser.add_argument("--seed", type=int, default=7, help="random seed of the seeded data")
    parser.add_argument("--profile", choices=("realistic", "dense"), default="realistic",
                        help="generated data: realistic 求職票-shaped conditions (default) or the earlier dense ones")
    server_options(parser, databases="the throw-away database")
    parser.set_defaults(func=_bench)


def _bench(args) -> int:
    from worker.bench.pipeline import run

    check_servers(args.postgres, args.redis)
    result = run(offers=args.offers, seekers=args.seekers, seed=args.seed, processes=args.processes,
                 threads=args.threads, round_processes=args.round_processes, postgres_url=args.postgres,
                 redis_url=args.redis, profile=args.profile,
                 log=lambda message: print(message, file=sys.stderr))
    print_result(result, args.json)
    return 0 if result["offers_left_pending"] == 0 else 1

"""``mypage-worker bench-national --scale 0.1 --shards 2 --json [--reuse]``: a national day of new
offers through P shard workers on Redis + PostgreSQL (``worker.bench.national``); prints the
seed, index load, match, round and end-to-end seconds, the candidates and mails, the peak
memory of all its processes, and whether a sample agrees with the reference matcher."""

from __future__ import annotations

import argparse
import sys

from worker.cli.args import positive
from worker.cli.benchmarks import check_servers, print_result, server_options


def scale(text: str) -> float:
    """A share of the country: more than 0 and enough for one offer (1 is the whole country)."""
    from worker.bench.national import counts

    try:
        value = float(text)
        counts(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc) if "scale" in str(exc) else f"{text!r} is not a number") from None
    return value


def register(sub) -> None:
    parser = sub.add_parser("bench-national", help="benchmark a national day through shard workers on Redis + PostgreSQL")
    parser.add_argument("--scale", type=scale, default=1.0, metavar="S",
                        help="share of the country (1: 1.9 million seekers, 40,000 new offers; default 1)")
    parser.add_argument("--shards", type=positive, default=2, metavar="P", help="shard worker processes (default 2)")
    parser.add_argument("--threads", type=positive, default=4, help="threads per shard process (default 4)")
    parser.add_argument("--round-processes", type=positive, default=2, metavar="N",
                        help="processes the round's seeker windows are shared between (default 2, as the "
                             "shards: the round runs once they have stopped)")
    parser.add_argument("--seekers", type=positive, help="seekers instead of the scale's")
    parser.add_argument("--offers", type=positive, help="new offers instead of the scale's")
    parser.add_argument("--seed", type=int, default=7, help="random seed of the seeded data (default 7)")
    parser.add_argument("--sample", type=positive, default=20, help="offers checked against the reference matcher")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the seeded database (mypage_national_s<S>_seed<N>) and use it again when it is "
                             "complete; each run first puts the day back")
    parser.add_argument("--database", metavar="NAME", help="with --reuse: the kept database's name")
    server_options(parser, databases="the database")
    parser.set_defaults(func=_bench)


def _bench(args) -> int:
    from worker.bench.harness import WorkerFailed
    from worker.bench.national import run
    from worker.cli.database import CommandError

    check_servers(args.postgres, args.redis)
    try:
        result = run(scale=args.scale, shards=args.shards, threads=args.threads, round_processes=args.round_processes,
                     seekers=args.seekers, offers=args.offers, seed=args.seed, sample=args.sample, reuse=args.reuse,
                     database=args.database, postgres_url=args.postgres, redis_url=args.redis,
                     log=lambda message: print(message, file=sys.stderr))
    except (WorkerFailed, TimeoutError) as exc:
        raise CommandError(str(exc)) from None
    print_result(result, args.json)
    return 0 if result["offers_left_pending"] == 0 and result["identical"] else 1


"""``mypage-worker bench-pipeline --offers 2000 --seekers 100000 --json``: one batch of new offers
through real worker processes on Redis + PostgreSQL (a throw-away database), then one
recommendation round; prints candidates per second, the match and round seconds, inbox items,
mails queued, the most items one seeker got and the end-to-end seconds."""

from __future__ import annotations

import json
import sys

from worker.cli.args import positive


def register(sub) -> None:
    parser = sub.add_parser("bench-pipeline", help="benchmark the worker pipeline on Redis + PostgreSQL")
    parser.add_argument("--offers", type=positive, default=2_000, help="new job offers in the batch")
    parser.add_argument("--seekers", type=positive, default=100_000, help="seekers (with their conditions) to seed")
    parser.add_argument("--processes", type=positive, default=2, help="worker processes")
    parser.add_argument("--threads", type=positive, default=4, help="threads per worker process")
    parser.add_argument("--seed", type=int, default=7, help="random seed of the seeded data")
    parser.add_argument("--profile", choices=("realistic", "dense"), default="realistic",
                        help="generated data: realistic 求職票-shaped conditions (default) or the earlier dense ones")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres", metavar="URL",
                        help="server for the throw-away database (the URL's database is only used to create it)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0", metavar="URL",
                        help="Redis for the broker (keys under a throw-away namespace)")
    parser.add_argument("--json", action="store_true", help="print one JSON object (default: a readable table)")
    parser.set_defaults(func=_bench)


def _bench(args) -> int:
    from worker.bench.pipeline import run

    result = run(offers=args.offers, seekers=args.seekers, seed=args.seed, processes=args.processes,
                 threads=args.threads, postgres_url=args.postgres, redis_url=args.redis, profile=args.profile,
                 log=lambda message: print(message, file=sys.stderr))
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        for key, value in result.items():
            print(f"{key:>22}  {value}")
    return 0 if result["offers_left_pending"] == 0 else 1

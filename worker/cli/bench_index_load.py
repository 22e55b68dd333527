"""``mypage-worker bench-index-load --conditions 1000000 --profile dense --json``: how long a worker
(or one shard, ``--shards P --shard I``) takes to load its conditions into a ready index, in a
fresh process on a throw-away PostgreSQL database (or ``--database URL``, seeding nothing);
prints the seconds, CPU seconds, conditions loaded and peak RSS."""

from __future__ import annotations

import sys

from worker.cli.args import non_negative, positive


def register(sub) -> None:
    parser = sub.add_parser("bench-index-load", help="benchmark loading the condition index from PostgreSQL")
    parser.add_argument("--conditions", type=positive, default=200_000,
                        help="recommendable conditions to seed for the shard (about; the count loaded is reported)")
    parser.add_argument("--profile", choices=("realistic", "dense"), default="dense",
                        help="generated data: dense (default) or realistic 求職票-shaped conditions")
    parser.add_argument("--shards", type=positive, default=1, help="shards P (the database holds P times the conditions)")
    parser.add_argument("--shard", type=non_negative, default=0, help="the shard I to load (0 ≤ I < P)")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the seeded data")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres", metavar="URL",
                        help="server for the throw-away database (the URL's database is only used to create it)")
    parser.add_argument("--database", metavar="URL", help="load from this database as it is (seeds nothing)")
    parser.add_argument("--json", action="store_true", help="print one JSON object (default: a readable table)")
    parser.set_defaults(func=_bench)


def _bench(args) -> int:
    from worker.bench.index_load import run
    from worker.cli.benchmarks import print_result
    from worker.cli.database import CommandError

    if args.shard >= args.shards:
        raise CommandError(f"--shard {args.shard} is not a shard of --shards {args.shards} (0 to {args.shards - 1})",
                           status=2)
    result = run(conditions=args.conditions, profile=args.profile, shards=args.shards, shard=args.shard,
                 seed=args.seed, postgres_url=args.postgres, database_url=args.database,
                 log=lambda message: print(message, file=sys.stderr))
    print_result(result, args.json)
    return 0 if result["met"] else 1

"""``mypage-worker worker``: the dramatiq worker processes against Redis (the Procfile's ``worker:``)."""

from __future__ import annotations

import sys

from worker.cli import args as types
from worker.config import load_settings


def register(sub) -> None:
    parser = sub.add_parser("worker", help="run the dramatiq worker processes against Redis (production)")
    parser.add_argument("--processes", type=types.positive, help="worker processes (default MYPAGE_WORKER_PROCESSES)")
    parser.add_argument("--threads", type=types.positive, help="threads per process (default MYPAGE_WORKER_THREADS)")
    parser.add_argument("--queues", nargs="+", metavar="QUEUE", help="only these queues (matching, mail)")
    placement = parser.add_mutually_exclusive_group()
    placement.add_argument("--shard", type=types.non_negative, metavar="I",
                           help="hold shard I of the condition index and consume its queue matching-I "
                                "(needs MYPAGE_INDEX_SHARDS > 1)")
    placement.add_argument("--shards", type=types.shard_list, metavar="I,J", help="hold these shards")
    parser.add_argument("--shutdown-timeout", type=types.positive_seconds, default=600.0, metavar="SECONDS",
                        help="on SIGTERM, how long worker threads may take to finish their message")
    parser.set_defaults(func=_worker)


def _worker(args) -> int:
    from worker.actors.processes import run_worker_processes
    from worker.cli.database import open_database

    settings = load_settings()
    if not settings.redis_url:
        print("mypage-worker worker needs MYPAGE_REDIS_URL; on embedded defaults use `mypage-worker run`",
              file=sys.stderr)
        return 2
    shards = [args.shard] if args.shard is not None else args.shards
    if shards and (settings.index_shards == 1 or max(shards) >= settings.index_shards):
        print(f"mypage-worker worker: no shard {max(shards)}: MYPAGE_INDEX_SHARDS is {settings.index_shards} "
              "(with P > 1 the shards are 0 to P - 1)", file=sys.stderr)
        return 2
    open_database(settings).dispose()  # one line now, rather than a traceback from each process
    return run_worker_processes(settings, processes=args.processes or settings.worker_processes,
                                threads=args.threads or settings.worker_threads, queues=args.queues,
                                shutdown_timeout_s=args.shutdown_timeout, shards=shards)

"""``mypage-worker worker``: dramatiq's own CLI runs the worker processes against Redis.

dramatiq forks ``processes`` worker processes with ``threads`` threads each, restarts none of
them silently, and on SIGTERM or SIGINT stops them gracefully: each worker thread finishes the
message in hand, prefetched messages go back to Redis (``worker_shutdown_timeout`` bounds the
wait). Each process boots through ``worker.actors.entry:boot``.
"""

from __future__ import annotations

import os

from dramatiq.cli import main as dramatiq_main
from dramatiq.cli import make_argument_parser

from worker.actors import tasks  # noqa: F401  (the actors: fills registry.SPECS, read for the queues)
from worker.actors.registry import SPECS, sharded_queue
from worker.config import Settings


def run_worker_processes(settings: Settings, *, processes: int, threads: int, queues: list[str] | None = None,
                         shutdown_timeout_s: float = 600.0, shards: list[int] | None = None) -> int:
    if not settings.redis_url:
        raise ValueError("`mypage-worker worker` needs MYPAGE_REDIS_URL; on embedded defaults use `mypage-worker run`")
    if settings.prometheus_port:
        # dramatiq's exposition server runs in a process forked from this one and reads its
        # port from the environment it inherits.
        os.environ.setdefault("dramatiq_prom_port", str(settings.prometheus_port))
    queues = worker_queues(settings, queues, shards)
    if shards:
        # Read by each worker process's settings (``own_shards``): the indexes it builds.
        os.environ["MYPAGE_WORKER_SHARDS"] = ",".join(str(shard) for shard in shards)
    argv = ["worker.actors.entry:boot", "--processes", str(processes), "--threads", str(threads),
            "--worker-shutdown-timeout", str(int(shutdown_timeout_s * 1000))]
    if queues:
        argv += ["--queues", *queues]
    return int(dramatiq_main(make_argument_parser().parse_args(argv)) or 0)


def worker_queues(settings: Settings, queues: list[str] | None, shards: list[int] | None) -> list[str] | None:
    """The queues to consume. Shards given: their matching queues (plus ``queues``). With shards
    of the condition index but none given: by default every queue but the shards' — such a
    process holds no conditions. Otherwise ``queues`` (None: all, as dramatiq does)."""
    sharded = sorted({spec.queue for spec in SPECS.values() if spec.sharded})
    if shards:
        return [*(queues or []), *(sharded_queue(queue, shard) for shard in shards for queue in sharded)]
    if settings.index_shards > 1 and not queues:
        return sorted({spec.queue for spec in SPECS.values()})
    return queues

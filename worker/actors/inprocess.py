"""Worker threads in this process: ``mypage-worker run``, the demo and the tests.

On embedded defaults (no Redis) the broker is dramatiq's in-process StubBroker: messages live in
this process's memory and a dramatiq Worker consumes them on threads. Stopping loses whatever is
still queued — which is fine because messages are only hints: the sweeper re-sends whatever the
database still shows pending. With Redis configured the same threads consume from Redis."""

from __future__ import annotations

import time

import dramatiq

from worker.actors.broker import setup
from worker.actors.dispatch import Dispatcher
from worker.actors.runtime import Runtime
from worker.config import Settings


class InProcessWorker:
    def __init__(self, settings: Settings, *, threads: int | None = None, runtime: Runtime | None = None,
                 warm_up: bool = True):
        self.runtime = runtime or Runtime(settings)
        self.dispatcher: Dispatcher = setup(settings, runtime=self.runtime, warm_up=warm_up)
        self.broker = self.dispatcher.broker
        self.worker = dramatiq.Worker(self.broker, worker_threads=threads or settings.worker_threads,
                                      worker_timeout=100)

    def start(self) -> "InProcessWorker":
        self.broker.emit_after("process_boot")
        self.worker.start()
        return self

    def join(self, *, timeout_s: float = 120.0) -> None:
        """Wait until every queue is empty and no message is in flight (follow-up hints included).
        In-process broker only."""
        if not hasattr(self.broker, "dead_letters_by_queue"):
            raise TypeError("join() waits on the in-process broker only")
        deadline = time.monotonic() + timeout_s
        quiet_rounds = 0
        while quiet_rounds < 2:
            if time.monotonic() > deadline:
                raise TimeoutError("the in-process worker did not become idle")
            busy = False
            for queue in sorted(set(self.broker.queues) - self.broker.delay_queues):
                waiting = (self.broker.queues[queue].unfinished_tasks
                           + self.broker.queues[f"{queue}.DQ"].unfinished_tasks)
                if waiting:
                    busy = True
                    remaining = max(1, int((deadline - time.monotonic()) * 1000))
                    self.broker.join(queue, timeout=remaining, fail_fast=False)
            quiet_rounds = 0 if busy else quiet_rounds + 1
            time.sleep(0.05)

    def stop(self, *, timeout_ms: int = 30_000) -> None:
        """Graceful: worker threads finish the message in hand, then the process's engine closes."""
        self.worker.stop(timeout=timeout_ms)
        self.broker.close()

    def __enter__(self) -> "InProcessWorker":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

"""What an actor needs in its process, set up by middleware when the worker boots.

One :class:`Runtime` per process: the settings, one engine (built after the fork, never shared
across processes), the condition index of this process, the day's shortlist of its matches
(``worker.pipeline.shortlist``) and the dispatcher for follow-up hints.
The :class:`AppContext` middleware builds it at worker boot (and starts loading the condition
index in the background, so the first offer does not wait for it), disposes of the engine at
shutdown, and puts the actor's name and message id into every log line written while a message
is processed — ids only, never an address, a key or a password.
"""

from __future__ import annotations

import contextvars
import logging
import threading

import dramatiq
from dramatiq.middleware import Middleware
from sqlalchemy.engine import Engine
from sqlalchemy.orm import configure_mappers

from worker.config import Settings
from worker.db import make_engine
from worker.pipeline.digest import KnownMails
from worker.pipeline.index_cache import IndexCache
from worker.pipeline.shards import Shard
from worker.pipeline.shortlist import Shortlist

log = logging.getLogger(__name__)

_message_context: contextvars.ContextVar[str] = contextvars.ContextVar("mypage_message", default="")
_current: "Runtime | None" = None


class Runtime:
    def __init__(self, settings: Settings, *, engine: Engine | None = None):
        self.settings = settings
        self._engine = engine
        self._cache: IndexCache | None = None
        self._shard_caches: dict[int, IndexCache] = {}
        # One for the process: a seeker's conditions all live in one shard, so the shards a
        # process holds never share a seeker.
        self.shortlist = Shortlist.from_settings(settings)
        self.known_mails = KnownMails()  # the day's saved-search mails this process has seen
        self.dispatcher = None  # set by worker.actors.broker.setup
        self._lock = threading.RLock()

    @property
    def engine(self) -> Engine:
        with self._lock:
            if self._engine is None:
                url = self.settings.effective_database_url
                # One connection per worker thread, plus the index loader and a follow-up hint.
                options = {} if url.startswith("sqlite") else {"pool_size": self.settings.worker_threads + 2}
                self._engine = make_engine(url, **options)
            return self._engine

    @property
    def cache(self) -> IndexCache:
        with self._lock:
            if self._cache is None:
                self._cache = IndexCache(self.engine)
            return self._cache

    def cache_for(self, shard: int) -> IndexCache:
        """Shard ``shard``'s index (``MYPAGE_INDEX_SHARDS`` > 1): its seekers' conditions only."""
        with self._lock:
            if shard not in self._shard_caches:
                self._shard_caches[shard] = IndexCache(
                    self.engine, shard=Shard(shard, self.settings.index_shards))
            return self._shard_caches[shard]

    def warm_up(self) -> None:
        """Build the condition index in the background; actors that need it wait on its lock.
        With shards: the index of each shard this process holds (none: nothing to build)."""
        if self.settings.index_shards == 1:
            self._warm_up(self.cache)
        else:
            for shard in self.settings.own_shards:
                self._warm_up(self.cache_for(shard))

    def _warm_up(self, cache: IndexCache) -> None:
        def build() -> None:
            try:
                cache.match_many([])
            except Exception:  # the first message builds it again and reports the error
                log.exception("loading the condition index failed")

        threading.Thread(target=build, name="index-warm-up", daemon=True).start()

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


def install(runtime: Runtime) -> None:
    global _current
    _current = runtime


def current() -> Runtime:
    if _current is None:
        raise RuntimeError("the worker runtime is not set up: start the worker through worker.actors.broker.setup")
    return _current


class AppContext(Middleware):
    """Per-process set-up and per-message log context."""

    def __init__(self, runtime: Runtime, *, warm_up: bool = True):
        self.runtime = runtime
        self.warm_up = warm_up

    def after_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        install(self.runtime)
        # Once, before worker threads touch the models: SQLAlchemy's first mapper configuration
        # is not safe to race, and a process holding no shard of the index (the mail and hint
        # queues) has no index build that would do it first.
        configure_mappers()
        if self.warm_up:
            self.runtime.warm_up()

    def before_process_message(self, broker, message) -> None:
        _message_context.set(f"{message.actor_name} {message.message_id}")

    def after_process_message(self, broker, message, *, result=None, exception=None) -> None:
        _message_context.set("")

    after_skip_message = after_process_message

    def after_worker_shutdown(self, broker, worker) -> None:
        self.runtime.close()


def install_log_context() -> None:
    """Prefix log records made while a message is processed with ``[actor message-id]``."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "mypage_context", False):
        return

    def record(*args, **kwargs):
        rec = factory(*args, **kwargs)
        context = _message_context.get()
        if context and isinstance(rec.msg, str):
            rec.msg = f"[{context}] {rec.msg}"
        return rec

    record.mypage_context = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(record)

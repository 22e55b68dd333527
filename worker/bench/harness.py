"""What the benchmarks that run real worker processes share (``bench-pipeline``,
``bench-national``): a PostgreSQL database of their own, ``mypage-worker worker`` processes whose
log is read for the "condition index ready" lines, the peak memory and CPU time of a process and
its children read from ``/proc`` before they stop, and the Redis keys a run leaves behind."""

from __future__ import annotations

import os
import re
import resource
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine

from worker.config import Settings, load_settings
from worker.db import make_engine

READY = re.compile(r"condition index ready: (\d+) conditions in ([0-9.]+) s")
MATCHED = re.compile(r"matched \d+ offers: (\d+) candidates stored for \d+ seekers, (\d+) left out")
CLI = [sys.executable, "-c", "import sys; from worker.cli import main; sys.exit(main())"]


# ---------------------------------------------------------------------------- databases


def database_url(admin_url: str, name: str) -> str:
    """The URL of database ``name`` on the server of ``admin_url``."""
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def database_exists(admin_url: str, name: str) -> bool:
    admin = make_engine(admin_url)
    try:
        with admin.connect() as conn:
            return conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}).first() is not None
    finally:
        admin.dispose()


def create_database(admin_url: str, name: str) -> str:
    _admin(admin_url, f'CREATE DATABASE "{name}"')
    return database_url(admin_url, name)


def drop_database(admin_url: str, name: str) -> None:
    _admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _admin(admin_url: str, statement: str) -> None:
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")  # CREATE/DROP DATABASE: no transaction
    try:
        with admin.connect() as conn:
            conn.execute(text(statement))
    finally:
        admin.dispose()


@contextmanager
def throwaway_database(admin_url: str) -> Iterator[str]:
    """A new database on the server of ``admin_url``, dropped afterwards; yields its URL."""
    name = f"mypage_bench_{uuid.uuid4().hex[:10]}"
    url = create_database(admin_url, name)
    try:
        yield url
    finally:
        drop_database(admin_url, name)


# The server settings a run's numbers depend on most: the candidates' writes are bounded by
# the buffer cache and the WAL (docs/capacity.md, "PostgreSQL").
SERVER_SETTINGS = ("shared_buffers", "wal_buffers", "max_wal_size", "checkpoint_timeout", "wal_compression",
                   "synchronous_commit", "max_connections")


def postgres_settings(admin_url: str) -> dict[str, str]:
    """``SERVER_SETTINGS`` as the server reports them (``SHOW``), for the benchmark's record."""
    engine = make_engine(admin_url)
    try:
        with engine.connect() as conn:
            return {name: conn.execute(text(f"SHOW {name}")).scalar_one() for name in SERVER_SETTINGS}
    finally:
        engine.dispose()


def count_rows(engine: Engine, model, *where) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


# ---------------------------------------------------------------------------- worker processes


class WorkerFailed(RuntimeError):
    """A worker process exited or did not get ready in time; ``str()`` is one line, ``log`` its last lines."""

    def __init__(self, message: str, log: Sequence[str]):
        last = next((line.strip() for line in reversed(log) if line.strip()), "")
        super().__init__(f"{message}; its last log line: {last[-300:]}" if last else message)
        self.log = list(log)


class Readiness:
    """Reads a worker's log; each process logs once that its condition index is ready, and each
    matching batch what it stored and left out."""

    def __init__(self, stream):
        self.builds: list[tuple[int, float]] = []
        self.left_out = 0  # matches the day's shortlist did not store, summed over the log's batches
        self.lines: list[str] = []
        self.closed = False  # the log ended: the worker exited
        self._changed = threading.Condition()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream) -> None:
        for line in stream:
            found, matched = READY.search(line), MATCHED.search(line)
            with self._changed:
                self.lines = (self.lines + [line])[-50:]
                if found:
                    self.builds.append((int(found.group(1)), float(found.group(2))))
                if matched:
                    self.left_out += int(matched.group(2))
                self._changed.notify_all()
        with self._changed:
            self.closed = True
            self._changed.notify_all()

    def wait_closed(self, timeout_s: float) -> None:
        """Until the whole log is read (the worker stopped), at most ``timeout_s``."""
        with self._changed:
            self._changed.wait_for(lambda: self.closed, timeout=timeout_s)

    def wait_for(self, processes: int, timeout_s: float) -> list[tuple[int, float]]:
        with self._changed:
            self._changed.wait_for(lambda: len(self.builds) >= processes or self.closed, timeout=timeout_s)
            if len(self.builds) < processes:
                raise WorkerFailed("a worker exited before its condition index was ready" if self.closed else
                                   f"the worker processes did not load their condition index in {timeout_s:g} s",
                                   self.lines)
            return list(self.builds)


class Worker:
    """``mypage-worker worker ARGUMENTS`` in its own process group, its log read by a :class:`Readiness`."""

    def __init__(self, env: dict, arguments: Sequence[str]):
        self.proc = subprocess.Popen([*CLI, "worker", *arguments], env=env, stderr=subprocess.PIPE,
                                     stdout=subprocess.DEVNULL, text=True, start_new_session=True)
        self.ready = Readiness(self.proc.stderr)

    def processes(self) -> list[int]:
        """This worker's processes: the dramatiq parent and the worker processes it forked."""
        return process_tree(self.proc.pid)

    def stop(self) -> None:
        """SIGTERM to the group (graceful), SIGKILL after a minute."""
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        except ProcessLookupError:
            self.proc.wait()


@contextmanager
def workers(env: dict, *argument_lists: Sequence[str]) -> Iterator[list[Worker]]:
    """One worker per argument list, all stopped afterwards — also when the benchmark is sent
    SIGTERM: the workers run in sessions of their own (a Ctrl-C must not reach them half-way), so
    without this a benchmark killed mid-run left its workers matching on."""
    started: list[Worker] = []
    previous = _exit_on_sigterm()
    try:
        for arguments in argument_lists:
            started.append(Worker(env, arguments))
        yield started
    finally:
        for worker in started:
            worker.stop()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _exit_on_sigterm():
    """SIGTERM raises SystemExit, so ``finally`` blocks run; the old handler, or None off the main
    thread (where no handler can be set)."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def leave(signum, _frame):
        raise SystemExit(128 + signum)

    return signal.signal(signal.SIGTERM, leave)


def worker_settings(url: str, redis_url: str, **values) -> tuple[Settings, dict]:
    """Settings for a run's database and a Redis namespace of its own, and the environment that
    gives its worker processes the same (``values``: more settings, e.g. ``index_shards=2``)."""
    namespace = f"bench-{uuid.uuid4().hex[:8]}"
    values.update(database_url=url, redis_url=redis_url, redis_namespace=namespace,
                  var_dir=Path(os.environ.get("TMPDIR", "/tmp")) / namespace)
    env = {**os.environ, **{f"MYPAGE_{name.upper()}": str(value) for name, value in values.items()}}
    return load_settings(**values), env


def forget_namespace(redis_url: str, namespace: str) -> None:
    """Drop every key the run left in Redis (queues, delayed queues, heartbeats)."""
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{namespace}*"))
    if keys:
        client.delete(*keys)
    client.close()


# ---------------------------------------------------------------------------- memory and CPU time


def process_tree(root: int) -> list[int]:
    """``root`` and every process below it (read from /proc; Linux only, else ``[root]``)."""
    parents: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return [root]
    for entry in entries:
        if entry.isdigit():
            stat = _stat(int(entry))
            if stat:
                parents.setdefault(int(stat[1]), []).append(int(entry))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(parents.get(pid, ()))
    return sorted(tree)


def peak_rss_mb(pids: Sequence[int]) -> int:
    """The sum of the processes' peak resident memory (VmHWM), in MiB. Pages a forked child
    still shares with its parent count in both: an upper bound, as a budget should be."""
    total_kb = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status", encoding="ascii") as status:
                total_kb += next((int(line.split()[1]) for line in status if line.startswith("VmHWM:")), 0)
        except OSError:  # gone already
            continue
    return total_kb // 1024


def reset_peak_rss() -> bool:
    """Start this process's VmHWM again from its current size (Linux ≥ 4.0), so what a run
    measures is not what an earlier step (seeding) peaked at. False where not possible."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")
        return True
    except OSError:
        return False


def cpu_seconds(pids: Sequence[int]) -> float:
    """User + system CPU seconds the processes have used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        stat = _stat(pid)
        if stat:
            total += int(stat[11]) + int(stat[12])  # utime, stime (fields 14 and 15 of /proc/PID/stat)
    return total / ticks


def reaped_children_cpu_seconds() -> float:
    """User + system CPU seconds of this process's children that have ended and been waited for
    (a process pool's, once it is shut down)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def postgres_backends(database: str) -> list[int]:
    """The local PostgreSQL server's processes serving ``database`` now (their title reads
    ``postgres: … <user> <database> <client> …``); none when the server is elsewhere."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                    title = cmdline.read().decode("utf-8", "replace").split()
            except OSError:
                continue
            if title[:1] == ["postgres:"] and database in title:
                found.append(int(entry))
    return found


def _stat(pid: int) -> list[str] | None:
    """/proc/PID/stat from the state field on (the command name may hold spaces); None if gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None

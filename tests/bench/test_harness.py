"""``worker.bench.harness``: the ready lines of a worker's log, and the memory and CPU time of a
process and its children read from /proc."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest

from worker.bench import harness

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads Linux's /proc")


def test_the_ready_lines_give_each_process_its_conditions_and_seconds():
    log = io.StringIO("starting\ncondition index ready: 120 conditions in 1.5 s (shard 0 of 2)\n"
                      "condition index ready: 7 conditions in 0.2 s\n")
    assert harness.Readiness(log).wait_for(2, timeout_s=5) == [(120, 1.5), (7, 0.2)]


def test_a_worker_whose_log_ends_before_it_is_ready_fails_at_once_with_its_last_line():
    log = io.StringIO("starting\nmypage-worker worker: no shard 3: MYPAGE_INDEX_SHARDS is 2\n")
    with pytest.raises(harness.WorkerFailed, match="exited before.*no shard 3") as failed:
        harness.Readiness(log).wait_for(1, timeout_s=30)
    assert "\n" not in str(failed.value)


def test_the_peak_memory_and_cpu_of_a_process_count_its_children():
    child = subprocess.Popen([sys.executable, "-c", "import sys, time; b = b\"x\" * (200 * 2**20); "
                              "print(1, flush=True); time.sleep(30)"], stdout=subprocess.PIPE)
    try:
        child.stdout.readline()  # its 200 MB are allocated
        tree = harness.process_tree(os.getpid())
        assert child.pid in tree and os.getpid() in tree
        assert harness.peak_rss_mb(tree) >= harness.peak_rss_mb([os.getpid()]) + 200
        assert harness.cpu_seconds(tree) > 0
    finally:
        child.kill()
        child.wait()


def test_a_process_gone_counts_nothing():
    assert harness.peak_rss_mb([2**22 + 1]) == 0 and harness.cpu_seconds([2**22 + 1]) == 0


def resident_mb() -> int:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 2**20


def test_the_own_peak_starts_again_from_the_current_size():
    before = resident_mb()
    big = b"x" * (150 * 2**20)
    assert harness.peak_rss_mb([os.getpid()]) >= before + 140
    del big
    if not harness.reset_peak_rss():
        pytest.skip("this kernel does not let a process reset its VmHWM")
    assert harness.peak_rss_mb([os.getpid()]) < before + 100


@pytest.mark.postgres
def test_the_backends_of_a_database_are_found_on_a_local_server():
    from tests.conftest import POSTGRES_ADMIN_URL, require_service
    from worker.db import make_engine

    require_service("PostgreSQL", "127.0.0.1", 5432)
    engine = make_engine(POSTGRES_ADMIN_URL)
    with engine.connect() as conn:
        from sqlalchemy import text

        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        if not os.path.exists(f"/proc/{pid}"):
            pytest.skip("the PostgreSQL server is not on this machine")
        assert pid in harness.postgres_backends(engine.url.database)
        assert pid not in harness.postgres_backends("no_such_database_here")
    engine.dispose()


@pytest.mark.postgres
def test_the_server_settings_are_read_for_the_record():
    from tests.conftest import POSTGRES_ADMIN_URL, require_service

    require_service("PostgreSQL", "127.0.0.1", 5432)
    found = harness.postgres_settings(POSTGRES_ADMIN_URL)

    assert list(found) == list(harness.SERVER_SETTINGS)
    assert found["shared_buffers"].endswith(("kB", "MB", "GB")) and found["synchronous_commit"] in {"on", "off", "local",
                                                                                                    "remote_write",
                                                                                                    "remote_apply"}


def test_a_benchmark_sent_sigterm_stops_its_workers_before_it_exits(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "bench.py"
    script.write_text(
        "import os, sys, time\n"
        "from worker.bench import harness\n"
        "harness.CLI = [sys.executable, '-c', 'import time; time.sleep(120)']\n"
        "with harness.workers(dict(os.environ), ['--shard', '0']) as started:\n"
        "    print(started[0].proc.pid, flush=True)\n"
        "    time.sleep(120)\n")
    bench = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    worker_pid = int(bench.stdout.readline())

    bench.send_signal(signal.SIGTERM)

    assert bench.wait(timeout=30) == 128 + signal.SIGTERM
    time.sleep(0.2)
    try:
        os.kill(worker_pid, 0)
    except ProcessLookupError:
        return
    os.kill(worker_pid, signal.SIGKILL)
    raise AssertionError("the worker outlived the benchmark")

"""The benchmark commands that run workers: a server that does not answer, or a scale that gives
no day, is one line on stderr and a non-zero exit, before any seeding."""

from __future__ import annotations

import socket

import pytest

from tests.conftest import POSTGRES_ADMIN_URL, require_service
from worker.cli import main


def dead_url(scheme: str) -> str:
    """A URL on a local port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"{scheme}://postgres@127.0.0.1:{port}/postgres" if scheme == "postgresql" else f"{scheme}://127.0.0.1:{port}/0"


def one_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    return err


@pytest.mark.parametrize("command", ["bench-national", "bench-pipeline"])
def test_postgresql_down_is_one_line(command, capsys):
    assert main([command, "--postgres", dead_url("postgresql")]) == 2
    assert one_line(capsys).startswith(f"mypage-worker {command}: the database postgresql://postgres@127.0.0.1:")


@pytest.mark.postgres
@pytest.mark.parametrize("command", ["bench-national", "bench-pipeline"])
def test_redis_down_is_one_line(command, capsys):
    require_service("PostgreSQL", "127.0.0.1", 5432)
    assert main([command, "--postgres", POSTGRES_ADMIN_URL, "--redis", dead_url("redis")]) == 2
    assert "the broker redis://127.0.0.1:" in one_line(capsys)


@pytest.mark.parametrize("scale", ["0", "-0.5", "0.00001", "nan", "inf", "many"])
def test_a_scale_that_gives_no_day_is_refused(scale, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["bench-national", "--scale", scale])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "argument --scale:" in err.strip().splitlines()[-1]

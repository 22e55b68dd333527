"""``mypage-worker worker --shard I``: a shard that does not exist is one line and exit status 2,
before any process starts."""

from __future__ import annotations

import pytest

from worker.cli import main


@pytest.mark.parametrize(("shards", "argv"), [("1", ["--shard", "0"]), ("2", ["--shard", "2"]),
                                              ("3", ["--shards", "0,3"])])
def test_a_shard_outside_the_configured_shards_is_refused(monkeypatch, capsys, tmp_path, shards, argv):
    monkeypatch.setenv("MYPAGE_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("MYPAGE_REDIS_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setenv("MYPAGE_INDEX_SHARDS", shards)
    assert main(["worker", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"MYPAGE_INDEX_SHARDS is {shards}" in err and "Traceback" not in err


def test_a_shard_named_twice_is_refused(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["worker", "--shards", "1,1"])
    assert exit_.value.code == 2 and "names a shard twice" in capsys.readouterr().err

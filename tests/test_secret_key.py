"""The installation's secret key file: one key for every process that starts at once, the
owner's only from the first byte, and never short."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from worker.cli import main
from worker.config import SettingsError, load_settings
from worker.secret_key import MIN_SECRET_KEY_LENGTH, SecretKeyError, read_or_create_secret_key

STARTERS = 5
ROUNDS = 8

# Each process imports first and says so, then blocks on its stdin; closing every stdin at once
# releases them together, so their reads and writes of the key file collide.
STARTER = """
import sys
from worker.config import load_settings
settings = load_settings(var_dir=sys.argv[1], secret_key=None)
print("ready", flush=True)
sys.stdin.read()
print(settings.effective_secret_key().decode(), flush=True)
"""


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.slow
def test_processes_starting_at_once_on_a_fresh_var_all_get_the_same_full_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("MYPAGE_")}
    for round_ in range(ROUNDS):
        var = tmp_path / f"var{round_}"
        starters = [subprocess.Popen([sys.executable, "-c", STARTER, str(var)], env=env, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
                    for _ in range(STARTERS)]
        for p in starters:
            assert p.stdout.readline() == "ready\n"
        for p in starters:
            p.stdin.close()
        keys = {p.stdout.read().strip() for p in starters}
        assert [p.wait(timeout=60) for p in starters] == [0] * STARTERS
        assert len(keys) == 1, f"round {round_}: {len(keys)} different keys"
        [key] = keys
        assert len(key) == 64
        assert (var / "secret_key").read_text().strip() == key
        assert mode(var / "secret_key") == 0o600 and mode(var) == 0o700
        assert sorted(p.name for p in var.iterdir()) == ["secret_key"]  # no temporary file left behind


def test_the_key_file_is_never_readable_by_others_even_for_an_instant(tmp_path):
    os.umask(old := os.umask(0))  # the loosest umask: the file's own mode must still be 0600
    try:
        key = read_or_create_secret_key(tmp_path / "var" / "secret_key")
    finally:
        os.umask(old)
    assert len(key) >= MIN_SECRET_KEY_LENGTH
    assert mode(tmp_path / "var" / "secret_key") == 0o600 and mode(tmp_path / "var") == 0o700


def test_a_key_file_left_readable_by_others_is_tightened(tmp_path):
    path = tmp_path / "secret_key"
    path.write_text("k" * 64)
    path.chmod(0o644)
    assert read_or_create_secret_key(path) == b"k" * 64
    assert mode(path) == 0o600


@pytest.mark.parametrize("content", ["", "\n", "short-key"])
def test_an_empty_or_short_key_file_is_refused_in_one_line_without_the_key(tmp_path, content):
    path = tmp_path / "secret_key"
    path.write_text(content)
    with pytest.raises(SecretKeyError) as refused:
        read_or_create_secret_key(path)
    message = str(refused.value)
    assert str(path) in message and "\n" not in message
    assert content.strip() == "" or content.strip() not in message
    assert path.read_text() == content  # never silently replaced: outstanding 認証キー depend on it


@pytest.mark.parametrize("value", ["", "   ", "x" * (MIN_SECRET_KEY_LENGTH - 1)])
def test_an_empty_or_short_secret_key_setting_is_refused(value):
    with pytest.raises(SettingsError) as refused:
        load_settings(secret_key=value)
    assert str(refused.value).startswith("MYPAGE_SECRET_KEY: must be at least 32 characters")
    assert value.strip() == "" or value not in str(refused.value)


def test_a_long_enough_secret_key_setting_is_used_as_it_is(tmp_path):
    key = "k" * MIN_SECRET_KEY_LENGTH
    assert load_settings(secret_key=key, var_dir=tmp_path).effective_secret_key() == key.encode()
    assert not (tmp_path / "secret_key").exists()


def test_the_command_line_says_in_one_line_that_the_key_is_short(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MYPAGE_SECRET_KEY", "too-short")
    monkeypatch.setenv("MYPAGE_VAR_DIR", str(tmp_path / "var"))
    assert main(["status"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "MYPAGE_SECRET_KEY: must be at least 32 characters" in err
    assert "too-short" not in err and "Traceback" not in err


def test_a_key_file_that_links_to_a_device_is_refused_and_the_device_left_as_it_was(tmp_path):
    # Following the link to chmod it made /dev/null 0600 for the whole machine.
    path = tmp_path / "secret_key"
    path.symlink_to("/dev/null")
    before = mode("/dev/null")
    try:
        with pytest.raises(SecretKeyError) as refused:
            read_or_create_secret_key(path)
    finally:
        after = mode("/dev/null")
        if after != before:
            os.chmod("/dev/null", before)
    assert after == before
    assert str(path) in str(refused.value) and "not a regular file" in str(refused.value)


def test_a_key_file_that_is_a_fifo_is_refused_rather_than_waited_on(tmp_path):
    path = tmp_path / "secret_key"
    os.mkfifo(path, 0o644)
    outcome = subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; "
                              "from worker.secret_key import read_or_create_secret_key as r; r(Path(sys.argv[1]))",
                              str(path)], capture_output=True, text=True, timeout=20)
    assert "SecretKeyError" in outcome.stderr and "not a regular file" in outcome.stderr
    assert mode(path) == 0o644


@pytest.mark.parametrize("make", [
    pytest.param(lambda path: path.symlink_to(path.parent / "nowhere"), id="a link to nothing"),
    pytest.param(lambda path: path.symlink_to(path), id="a link to itself"),
    pytest.param(lambda path: path.mkdir(), id="a directory"),
])
def test_a_key_path_that_cannot_hold_a_key_is_one_line_naming_it(tmp_path, make):
    path = tmp_path / "secret_key"
    make(path)
    with pytest.raises(SecretKeyError) as refused:
        read_or_create_secret_key(path)
    assert str(refused.value).startswith(f"{path}: ") and "\n" not in str(refused.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secret_key"]  # no temporary file left behind


def test_a_key_file_that_is_not_text_is_still_made_the_owners_only(tmp_path):
    path = tmp_path / "secret_key"
    path.write_bytes(b"\xff\xfe" * 40)
    path.chmod(0o644)
    with pytest.raises(SecretKeyError):
        read_or_create_secret_key(path)
    assert mode(path) == 0o600


def test_a_huge_key_file_is_refused_without_reading_it_all(tmp_path):
    path = tmp_path / "secret_key"
    with path.open("wb") as file:
        file.truncate(1 << 30)  # a sparse gigabyte of NULs: reading it whole would cost a gigabyte
    with pytest.raises(SecretKeyError) as refused:
        read_or_create_secret_key(path)
    assert "too long" in str(refused.value)


def test_the_command_line_says_in_one_line_that_the_key_file_cannot_be_used(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("MYPAGE_SECRET_KEY", raising=False)
    monkeypatch.setenv("MYPAGE_VAR_DIR", str(tmp_path / "var"))
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "secret_key").symlink_to(tmp_path / "var" / "nowhere")
    assert main(["console", "--port", "0"]) == 2  # the console signs its sessions with a key derived from it
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "secret_key" in err and "Traceback" not in err

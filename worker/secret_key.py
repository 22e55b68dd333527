"""The installation's secret key file (``var/secret_key``), used when ``MYPAGE_SECRET_KEY`` is
unset. 認証キー are derived from this key, so it must never be short, never be readable by
another user, and every process of one installation must end up with the same key.

Several processes may start at once on a fresh ``var/`` (``run`` twice, a worker and the
scheduler): each writes a complete random key to a private temporary file (mode 0600 from the
first byte, ``O_EXCL``) and hard-links it to the final name. ``link`` never replaces an existing
file, so exactly one key wins, and a reader never sees a half-written one; the losers read the
winner's."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

MIN_SECRET_KEY_LENGTH = 32  # characters; the generated key is 64 hex digits (256 bits)


class SecretKeyError(RuntimeError):
    """The key file exists but cannot be used; the message says which file and why, never the key."""


def read_or_create_secret_key(path: Path) -> bytes:
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(secrets.token_hex(32) + "\n")
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process won the race: its key is the installation's key
    finally:
        temporary.unlink(missing_ok=True)
    return _read(path)


def _read(path: Path) -> bytes:
    with open(path, encoding="utf-8") as file:
        mode = os.fstat(file.fileno()).st_mode
        try:
            key = file.read().strip()
        except UnicodeDecodeError:
            raise SecretKeyError(f"{path}: the secret key file is not UTF-8 text") from None
    if mode & 0o077:
        # The file holds what 認証キー are derived from: nobody but the owner reads it.
        os.chmod(path, 0o600)
    if len(key) < MIN_SECRET_KEY_LENGTH:
        raise SecretKeyError(
            f"{path}: the secret key is {'empty' if not key else 'too short'} (at least {MIN_SECRET_KEY_LENGTH} "
            "characters); restore the installation's key, or delete the file to make a new one "
            "(outstanding 認証キー then stop working)")
    return key.encode()

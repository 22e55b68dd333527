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
import stat
from pathlib import Path

MIN_SECRET_KEY_LENGTH = 32  # characters; the generated key is 64 hex digits (256 bits)
MAX_SECRET_KEY_FILE = 4096  # bytes: more is not a key file, and is not read whole


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
            pass  # another process won the race (or a link to nothing is in the way): see below
    finally:
        temporary.unlink(missing_ok=True)
    try:
        return _read(path)
    except FileNotFoundError:
        raise SecretKeyError(f"{path}: a link to a file that does not exist; point it at the installation's "
                             "key, or delete it to make a new one") from None


def _read(path: Path) -> bytes:
    """The key in ``path``. Opened once and checked on the open file, never by name again: a link
    to a device, a FIFO or a directory is refused (following it to chmod once made /dev/null the
    owner's only), and a FIFO is not waited on (``O_NONBLOCK``)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise SecretKeyError(f"{path}: the secret key file cannot be opened ({exc.strerror})") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise SecretKeyError(f"{path}: not a regular file; the secret key file must be one")
    with os.fdopen(fd, "rb") as file:
        if mode & 0o077:
            # The file holds what 認証キー are derived from: nobody but the owner reads it.
            try:
                os.fchmod(fd, 0o600)
            except OSError as exc:
                raise SecretKeyError(f"{path}: readable by others and its mode cannot be changed ({exc.strerror}); "
                                     "make it mode 0600, or set MYPAGE_SECRET_KEY") from None
        data = file.read(MAX_SECRET_KEY_FILE + 1)
    if len(data) > MAX_SECRET_KEY_FILE:
        raise SecretKeyError(f"{path}: too long to be a secret key file (more than {MAX_SECRET_KEY_FILE} bytes)")
    try:
        key = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise SecretKeyError(f"{path}: the secret key file is not UTF-8 text") from None
    if len(key) < MIN_SECRET_KEY_LENGTH:
        raise SecretKeyError(
            f"{path}: the secret key is {'empty' if not key else 'too short'} (at least {MIN_SECRET_KEY_LENGTH} "
            "characters); restore the installation's key, or delete the file to make a new one "
            "(outstanding 認証キー then stop working)")
    return key.encode()

"""Growable numpy storage shared by the index's parts: a column that doubles, and postings
(key → int32 array) that take appends in a pending buffer merged on the next read."""

from __future__ import annotations

from array import array

import numpy as np


class Column:
    """A numpy array that grows by doubling; ``data`` may be longer than the rows in use."""

    __slots__ = ("data",)

    def __init__(self, dtype, width: int | None = None) -> None:
        self.data = np.zeros(1024 if width is None else (1024, width), dtype=dtype)

    def ensure(self, size: int) -> None:
        if size > len(self.data):
            grown = np.zeros((max(size, 2 * len(self.data)),) + self.data.shape[1:], dtype=self.data.dtype)
            grown[: len(self.data)] = self.data
            self.data = grown


class Postings:
    """key → int32 numpy array of row (or probe) ids. Appends go to a compact pending buffer that
    is merged into the array the next time the key is read."""

    __slots__ = ("_arrays", "_pending")

    def __init__(self) -> None:
        self._arrays: dict = {}
        self._pending: dict = {}

    def add(self, key, value: int) -> None:
        buffer = self._pending.get(key)
        if buffer is None:
            buffer = self._pending[key] = array("i")
        buffer.append(value)

    def seal(self) -> None:
        """Merge every pending buffer now (at the end of a build) rather than on first look-up."""
        for key in list(self._pending):
            self.get(key)

    def merged(self) -> dict:
        """Every key's array, pending buffers merged: for a reader that looks up many keys."""
        if self._pending:
            self.seal()
        return self._arrays

    def get(self, key) -> np.ndarray | None:
        if not self._pending:  # the common case after a build: one dictionary look-up
            return self._arrays.get(key)
        buffer = self._pending.pop(key, None)
        current = self._arrays.get(key)
        if buffer is not None:
            fresh = np.frombuffer(buffer, dtype=np.int32).copy()
            current = fresh if current is None else np.concatenate([current, fresh])
            self._arrays[key] = current
        return current

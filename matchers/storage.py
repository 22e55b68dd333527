"""Growable numpy storage shared by the index's parts: a column that doubles, and postings
(key → int32 array) that take appends in a pending buffer merged on the next read."""

from __future__ import annotations

import math
from array import array

import numpy as np

CACHE_LINE = 64  # bytes


class Column:
    """A numpy array that grows by doubling; ``data`` may be longer than the rows in use. It
    starts on a cache line, so that a row of 64 bytes (the index's records) is one line, not two."""

    __slots__ = ("data",)

    def __init__(self, dtype, width: int | None = None) -> None:
        self.data = zeros_aligned((1024,) if width is None else (1024, width), dtype)

    def ensure(self, size: int) -> None:
        if size > len(self.data):
            grown = zeros_aligned((max(size, 2 * len(self.data)),) + self.data.shape[1:], self.data.dtype)
            grown[: len(self.data)] = self.data
            self.data = grown


def zeros_aligned(shape: tuple, dtype) -> np.ndarray:
    """``np.zeros(shape, dtype)`` whose first byte starts a cache line (numpy's own allocations
    start 16 bytes into one)."""
    dtype = np.dtype(dtype)
    size = math.prod(shape) * dtype.itemsize
    buffer = np.zeros(size + CACHE_LINE, dtype=np.uint8)  # zeroed pages are only mapped when written
    start = -buffer.ctypes.data % CACHE_LINE
    return buffer[start: start + size].view(dtype).reshape(shape)


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


class AnchorPostings:
    """(place, occupation) pair → anchor term → row ids. Most (pair, term) keys hold one row
    (a condition naming a place, an occupation and a keyword is often alone in all three), so a
    single row is kept as a plain int, more as an array('i') while rows are added and as an int32
    numpy array once sealed or read: a numpy array per key would cost ~100 bytes more each."""

    __slots__ = ("_pairs",)

    def __init__(self) -> None:
        self._pairs: dict[tuple, dict[int, int | array | np.ndarray]] = {}

    def add(self, pair: tuple, term: int, row: int) -> None:
        terms = self._pairs.get(pair)
        if terms is None:
            terms = self._pairs[pair] = {}
        rows = terms.get(term)
        if rows is None:
            terms[term] = row
        elif type(rows) is int:
            terms[term] = array("i", (rows, row))
        elif type(rows) is array:
            rows.append(row)
        else:  # sealed: back to a growable buffer until the next read
            grown = array("i", rows.tobytes())
            grown.append(row)
            terms[term] = grown

    def seal(self) -> None:
        for terms in self._pairs.values():
            for term, rows in terms.items():
                if type(rows) is array:
                    terms[term] = np.frombuffer(rows, dtype=np.int32).copy()

    def terms(self, pair: tuple) -> dict | None:
        """term → rows of the pair: an int (one row) or an array (read with ``rows``)."""
        return self._pairs.get(pair)

    @staticmethod
    def rows(terms: dict, term: int) -> np.ndarray:
        """The rows of a term holding more than one, as a numpy array (merged on first read)."""
        rows = terms[term]
        if type(rows) is array:
            rows = terms[term] = np.frombuffer(rows, dtype=np.int32).copy()
        return rows

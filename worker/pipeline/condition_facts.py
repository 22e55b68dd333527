"""What collecting candidates needs of each indexed condition, as numpy columns by condition id.

``worker.pipeline.recommend`` ranks every match (the wage margin needs the condition's minimum
wage), keeps a seeker's registered condition over a saved search, and finds the saved searches
that asked for mail. Reading those facts from the database for every batch cost as much as the
matching itself; the worker process already holds every condition in its index, so the
``IndexCache`` keeps these few facts beside it, updated with it: a lookup for a whole batch is
one fancy-indexing step. They are as fresh as the index (``refresh_s``); what must be exact is
checked again where it matters — the round re-reads each chosen condition for its reasons
and drops a pair that no longer matches, and the saved-search mails re-read their conditions
and seekers (``worker.pipeline.recommend``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matchers import ranking
from worker.domain.models import ConditionKind


@dataclass(frozen=True)
class Facts:
    """The facts of a batch's conditions, aligned with the ids asked for."""

    present: np.ndarray  # bool: the condition is in the index
    registered: np.ndarray  # bool: a registered condition (求職登録), not a saved search
    notify: np.ndarray  # bool: a saved search that asked for mail
    wage_floor: np.ndarray  # int64: the minimum wage as a monthly amount, 0 when none is asked


def wage_floor(wage_min: int | None, wage_type: str | None) -> int:
    if wage_min is None or wage_min <= 0:
        return 0
    return ranking.monthly_amount(wage_min, wage_type)


class ConditionFacts:
    """Arrays indexed by condition id (ids are the table's dense serial numbers); not
    thread-safe on its own: the ``IndexCache`` changes and reads it under its lock."""

    def __init__(self) -> None:
        size = 1_024  # never empty: a lookup takes position 0 for the ids it does not know
        self._present = np.zeros(size, dtype=bool)
        self._registered = np.zeros(size, dtype=bool)
        self._notify = np.zeros(size, dtype=bool)
        self._floor = np.zeros(size, dtype=np.int64)

    def __len__(self) -> int:
        return int(self._present.sum())

    def put(self, condition_id: int, *, kind: str, notify: bool, wage_min: int | None,
            wage_type: str | None) -> None:
        self._grow(condition_id + 1)
        self._present[condition_id] = True
        self._registered[condition_id] = kind == ConditionKind.REGISTERED
        self._notify[condition_id] = kind == ConditionKind.SAVED and bool(notify)
        self._floor[condition_id] = wage_floor(wage_min, wage_type)

    def put_many(self, condition_ids, kinds, notify, wage_min, wage_type) -> None:
        """``put`` for many conditions at once (a build's chunk): the same facts, numpy writes."""
        ids = np.asarray(condition_ids, dtype=np.int64)
        if not len(ids):
            return
        self._grow(int(ids.max()) + 1)
        self._present[ids] = True
        self._registered[ids] = [kind == ConditionKind.REGISTERED for kind in kinds]
        self._notify[ids] = [kind == ConditionKind.SAVED and bool(wish) for kind, wish in zip(kinds, notify)]
        self._floor[ids] = [wage_floor(amount, unit) for amount, unit in zip(wage_min, wage_type)]

    def drop(self, condition_id: int) -> None:
        if condition_id < len(self._present):
            self._present[condition_id] = False

    def lookup(self, condition_ids: np.ndarray) -> Facts:
        ids = np.asarray(condition_ids, dtype=np.int64)
        known = (ids >= 0) & (ids < len(self._present))
        at = np.where(known, ids, 0)
        present = known & self._present.take(at)
        return Facts(present, present & self._registered.take(at), present & self._notify.take(at),
                     np.where(present, self._floor.take(at), 0))

    def _grow(self, size: int) -> None:
        if size <= len(self._present):
            return
        size = max(size, 2 * len(self._present))
        for name in ("_present", "_registered", "_notify", "_floor"):
            old = getattr(self, name)
            new = np.zeros(size, dtype=old.dtype)
            new[:len(old)] = old
            setattr(self, name, new)

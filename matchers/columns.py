"""Matches as columns: what an index found for a batch of offers, one numpy array per field.

``ConditionIndex.match_columns`` returns these so that a caller handling millions of matches
(the pipeline's candidates) makes no Python object per match; ``Match`` objects with reasons
are made only for what is shown (``match``, ``match_many``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Columns:
    """Match i: ``offers[offer[i]]`` satisfies condition ``condition_id[i]`` of seeker
    ``seeker_id[i]`` with matcher score ``score[i]``. Grouped by offer, in the batch's order;
    within an offer in no promised order (``sorted`` gives them by condition_id)."""

    offer: np.ndarray  # int32: the offer's position in the batch
    condition_id: np.ndarray  # int64
    seeker_id: np.ndarray  # int64
    score: np.ndarray  # int32: the match score (0–100), as ``Match.score``

    @classmethod
    def empty(cls) -> "Columns":
        return cls(np.empty(0, np.int32), np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int32))

    def __len__(self) -> int:
        return len(self.offer)

    def sorted(self) -> "Columns":
        """The same matches ordered by offer, then condition_id (as ``match_many`` gives them)."""
        order = np.lexsort((self.condition_id, self.offer))
        return Columns(self.offer.take(order), self.condition_id.take(order), self.seeker_id.take(order),
                       self.score.take(order))

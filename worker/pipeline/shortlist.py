"""The day's shortlist: which of a seeker's matches are stored as candidates.

A seeker gets at most ``recommendations_per_day`` おすすめ求人 a day, at most
``recommendations_per_employer`` of them from one employer. At national scale a seeker with
broad conditions matches well over a hundred new offers a day (``docs/capacity.md``), and
storing every match made the candidate rows grow with offers × seekers: PostgreSQL's writes and
the round's reads were two thirds of a national day's CPU.

The rule: a match is stored unless ``candidates_per_day`` (K) of the seeker's matches of the same
JST day rank strictly above it, counting at most ``recommendations_per_employer`` of them per
employer (beyond that many, more offers of one employer above it do not keep it from the inbox:
the round takes only that many a day from one employer). So each seeker's K best matches of a
day, employers capped as the round caps them, are always stored, in whatever order the offers
come; what is left out has K better ones of its own day ahead of it. K defaults to three days'
budget: today's ten, and twenty to carry over (a candidate may still be chosen on later days).

The state is the process's own: for each seeker seen today, the K best matches of the day in
that capped count (their order key, employer and offer; rows of about 500 bytes, found through
an array indexed by seeker id, 4 bytes for every id up to the highest seen). Keeping only those
K is enough to decide "K ranked strictly above" for any later match. A process that restarts,
or one shard served by two processes, starts empty or sees part of the offers, and so stores
more, never less. A batch whose transaction rolled back leaves its matches in the state: they
are real matches of the day, which the retried batch matches again: a held match given again
leaves its row and comes back at its rank of now (counted once; matches it had pushed out stay
out, so the state then counts fewer, and stores more). A seeker whose conditions change starts
afresh: the matches of the old conditions must not keep the new ones out. Each process learns
it from its own index (``IndexCache.take_changed_seekers``): at once from an announcement in the
process that receives it, within ``refresh_s`` from the index's refresh in every other one.
Staff batches store every match (``worker.pipeline.batch``): they go over offers matched
before, for seekers whose conditions changed.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from datetime import date
from typing import NamedTuple

import numpy as np

import matchers
from matchers import ranking

_EMPTY = -1  # an unused slot's order key (a rank score is never negative)
# The order key: the rank score, then the round's tie order as far as numbers carry it — the
# newer offer (days since 2000, an undated one 0), then the higher monthly upper wage. Equal
# keys are never "ahead" of each other, so the job number, the round's last tie-break, only
# keeps more.
_WAGE_BITS = 24
_DAY_BITS = 15
_EPOCH = date(2000, 1, 1).toordinal()


class Offer(NamedTuple):
    """What the shortlist needs of an offer."""

    employer: str | None  # 事業所名
    received_on: date | None  # 受付年月日
    monthly_wage: int | None  # upper wage as a monthly amount (``matchers.ranking.monthly_upper_wage``)

    @classmethod
    def of(cls, employer: str | None, offer: matchers.JobOffer) -> Offer:
        """An offer's facts from its 事業所名 and its matchers' value."""
        return cls(employer, offer.received_on, ranking.monthly_upper_wage(offer))


def order_key(rank: int, offer: Offer) -> int:
    """The match's place in the round's best-first order, as one integer (higher is better)."""
    day = offer.received_on.toordinal() - _EPOCH + 1 if offer.received_on else 0
    day = min(max(day, 0), 2 ** _DAY_BITS - 1)
    wage = min(max(offer.monthly_wage or 0, 0), 2 ** _WAGE_BITS - 1)
    return (((rank << _DAY_BITS) | day) << _WAGE_BITS) | wage


def counted_ahead(key: int, employer: str | None, others: Sequence[tuple[int, str | None]], per_employer: int) -> int:
    """The rule written out one match at a time, for checks: how many of ``others`` (order key,
    employer) are ahead of a match, at most ``per_employer`` counted per employer."""
    ahead: dict[str, int] = {}
    for other_key, other_employer in others:
        if other_key > key:
            name = other_employer or ""
            ahead[name] = min(per_employer, ahead.get(name, 0) + 1)
    return sum(ahead.values())


class Shortlist:
    """Decides, batch by batch and for one process, which matches of the day are stored
    (:meth:`admit`). Thread-safe: the matching actors' threads share one."""

    def __init__(self, size: int, per_employer: int) -> None:
        if size < 1 or per_employer < 1:
            raise ValueError("a shortlist keeps at least one match, at least one per employer")
        self.size = size
        self.per_employer = per_employer
        self._lock = threading.Lock()
        self._reset(None)

    def _reset(self, day: date | None) -> None:
        self.day = day
        self._employers: dict[str, int] = {}
        self._row_of = np.full(0, -1, dtype=np.int32)  # seeker id → row
        self._rows = 0
        self._key = np.full((0, self.size), _EMPTY, dtype=np.int64)  # order keys, best first
        self._employer = np.zeros((0, self.size), dtype=np.int32)
        self._offer = np.zeros((0, self.size), dtype=np.int32)
        self._floor = np.zeros(0, dtype=np.int64)  # the K-th best key of a full row, else _EMPTY
        self._offers_seen: set[int] = set()  # offers admit was given today

    @classmethod
    def from_settings(cls, settings) -> "Shortlist | None":
        """The shortlist ``settings`` ask for (``candidates_per_day``); None when it is 0."""
        if not settings.candidates_per_day:
            return None
        return cls(settings.candidates_per_day, settings.recommendations_per_employer)

    @property
    def seekers(self) -> int:
        """Seekers with a row today."""
        return self._rows

    def forget(self, seeker_id: int) -> None:
        """The seeker's row starts empty again (their conditions changed)."""
        with self._lock:
            if 0 <= seeker_id < len(self._row_of) and self._row_of[seeker_id] >= 0:
                row = self._row_of[seeker_id]
                self._key[row] = _EMPTY
                self._floor[row] = _EMPTY

    def admit(self, day: date, seeker_ids: np.ndarray, offer_ids: np.ndarray, ranks: np.ndarray,
              offers: Mapping[int, Offer]) -> np.ndarray:
        """Which of these matches (one per seeker and offer) to store: a boolean mask. ``day``:
        the JST day they are made; ``ranks``: their rank scores (``matchers.ranking``). A day
        before the current one keeps everything."""
        seeker_ids = np.asarray(seeker_ids, dtype=np.int64)
        offer_ids = np.asarray(offer_ids, dtype=np.int64)
        keep = np.ones(len(seeker_ids), dtype=bool)
        if not len(seeker_ids):
            return keep
        with self._lock:
            if self.day is None or day > self.day:
                self._reset(day)
            elif day < self.day:
                return keep
            rows = self._rows_for(seeker_ids)
            self._release_held(rows, offer_ids)
            employers, keys = self._offer_facts(offer_ids, np.asarray(ranks, dtype=np.int64), offers)
            # Most matches fall below a full row's K-th best; only the rest need their row.
            maybe = np.flatnonzero(keys >= self._floor.take(rows))
            keep[:] = False
            keep[maybe] = self._update(rows.take(maybe), offer_ids.take(maybe), employers.take(maybe),
                                       keys.take(maybe))
        return keep

    def _release_held(self, rows: np.ndarray, offer_ids: np.ndarray) -> None:
        """Take out of their rows the matches given again (their batch ran before and rolled
        back, or runs twice): each comes back as a new match, at its rank of now, and is not
        counted twice. Only offers seen today can be held, so a day's new offers skip this."""
        seen = [o for o in np.unique(offer_ids).tolist() if o in self._offers_seen]  # a batch's few offers
        if not seen:
            return
        again = np.flatnonzero(np.isin(offer_ids, seen))
        rows, offer_ids = rows.take(again), offer_ids.take(again)
        hit = (self._offer.take(rows, axis=0) == offer_ids[:, None]) & (self._key.take(rows, axis=0) != _EMPTY)
        held = np.flatnonzero(hit.any(axis=1))
        if not len(held):
            return
        self._key[rows[held], hit[held].argmax(axis=1)] = _EMPTY
        touched = np.unique(rows[held])
        best_first = np.argsort(-self._key[touched], axis=1, kind="stable")  # the emptied slot last
        for array in (self._key, self._employer, self._offer):
            array[touched] = np.take_along_axis(array[touched], best_first, axis=1)
        self._floor[touched] = self._key[touched, self.size - 1]

    def _offer_facts(self, offer_ids: np.ndarray, ranks: np.ndarray,
                     offers: Mapping[int, Offer]) -> tuple[np.ndarray, np.ndarray]:
        """Each match's employer number and order key, worked out once per offer."""
        unique, at = np.unique(offer_ids, return_inverse=True)
        facts = [offers[o] for o in unique.tolist()]
        self._offers_seen.update(unique.tolist())
        employer = np.array([self._employers.setdefault(f.employer or "", len(self._employers)) for f in facts],
                            dtype=np.int64)
        tie = np.array([order_key(0, f) for f in facts], dtype=np.int64)
        return employer.take(at), (ranks << (_DAY_BITS + _WAGE_BITS)) | tie.take(at)

    def _rows_for(self, seeker_ids: np.ndarray) -> np.ndarray:
        top = int(seeker_ids.max()) + 1
        if top > len(self._row_of):
            grown = np.full(max(top, 2 * len(self._row_of)), -1, dtype=np.int32)
            grown[:len(self._row_of)] = self._row_of
            self._row_of = grown
        new = np.unique(seeker_ids[self._row_of.take(seeker_ids) < 0])
        if len(new):
            self._row_of[new] = np.arange(self._rows, self._rows + len(new), dtype=np.int32)
            self._rows += len(new)
            if self._rows > len(self._floor):
                capacity = max(self._rows, 2 * len(self._floor), 1024)
                self._key = _grown(self._key, capacity, _EMPTY)
                self._employer = _grown(self._employer, capacity, 0)
                self._offer = _grown(self._offer, capacity, 0)
                self._floor = _grown(self._floor, capacity, _EMPTY)
        return self._row_of.take(seeker_ids).astype(np.int64)

    def _update(self, rows: np.ndarray, offers: np.ndarray, employers: np.ndarray, keys: np.ndarray) -> np.ndarray:
        """The admission of these matches, whose rows may have room for them, each row's matches
        taken in turn, best first (a pass takes one match of every row): a batch's worse matches
        then find its better ones ahead of them."""
        admitted = np.zeros(len(rows), dtype=bool)
        todo = np.argsort(-keys, kind="stable")
        while len(todo):
            _, first = np.unique(rows.take(todo), return_index=True)
            now = todo.take(first)
            admitted[now] = self._insert(rows.take(now), offers.take(now), employers.take(now), keys.take(now))
            todo = np.delete(todo, first)
        return admitted

    def _insert(self, rows: np.ndarray, offers: np.ndarray, employers: np.ndarray, keys: np.ndarray) -> np.ndarray:
        """One match for each of these distinct rows: admitted when fewer than K held ones are
        ahead of it; held in its row's K best unless the row holds ``per_employer`` of its
        employer at least as good (then it is not counted: that employer's best are)."""
        k = self.size
        held_key, held_employer = self._key.take(rows, axis=0), self._employer.take(rows, axis=0)
        held_offer = self._offer.take(rows, axis=0)
        filled = held_key != _EMPTY
        ahead = (held_key > keys[:, None]).sum(axis=1)
        admitted = ahead < k
        same = (held_employer == employers[:, None]) & filled
        enters = admitted & ((same & (held_key >= keys[:, None])).sum(axis=1) < self.per_employer)
        if not enters.any():
            return admitted
        rows, keys, offers, employers = rows[enters], keys[enters], offers[enters], employers[enters]
        held_key, held_employer, held_offer = held_key[enters], held_employer[enters], held_offer[enters]
        at, same = ahead[enters], same[enters]
        # A row holding ``per_employer`` of this employer lets its worst one go (it ranks below
        # this match, or the match would not enter); then the match goes in at its place.
        slots = np.arange(k)
        worst = np.where(same, slots, -1).max(axis=1)
        gone = np.where(same.sum(axis=1) >= self.per_employer, worst, k)
        source = np.where(slots < at[:, None], slots, np.where(slots <= gone[:, None], slots - 1, slots))
        source = np.clip(source, 0, k - 1)
        new_key = np.take_along_axis(held_key, source, axis=1)
        new_employer = np.take_along_axis(held_employer, source, axis=1)
        new_offer = np.take_along_axis(held_offer, source, axis=1)
        placed = at < k
        lines = np.flatnonzero(placed)
        new_key[lines, at[placed]] = keys[placed]
        new_employer[lines, at[placed]] = employers[placed]
        new_offer[lines, at[placed]] = offers[placed]
        self._key[rows], self._employer[rows], self._offer[rows] = new_key, new_employer, new_offer
        self._floor[rows] = new_key[:, k - 1]  # _EMPTY while a row has room
        return admitted


def _grown(array: np.ndarray, rows: int, fill: int) -> np.ndarray:
    out = np.full((rows, *array.shape[1:]), fill, dtype=array.dtype)
    out[:len(array)] = array
    return out

"""The condition index: the reference's answers in milliseconds at national scale.

A percolator in the manner of Lucene Monitor and the k-index (Whang et al., VLDB 2009): the
index never decides a match itself, it only rules conditions out, and calls the same
``rules.evaluate`` as the reference on the few it cannot rule out. Its filters therefore only
have to be *sound* (never drop a true match); the property tests check exactly that.

Per offer:
1. Candidates come from postings on the structured codes, taking whichever side is smaller:
   place (prefecture + municipality + "anywhere") or occupation (小分類 + 中分類 + 大分類 + "any").
2. The other side, employment form and wage are checked on the candidates at once with numpy
   over columnar arrays (one row per distinct condition body).
3. Keywords: every distinct normalised keyword is registered under its character bigrams. The
   offer's bigrams count, per keyword, how many of its bigrams occur; a keyword below its
   threshold (all bigrams for exact-only keywords, a proven lower bound for close spellings)
   cannot be present, so only the rest are checked for real — once per offer, however many
   conditions share them — and AND/OR/exclusion is then decided per row with numpy.
4. Conditions with identical bodies are stored as one row and fanned out to their ids.

Changes are incremental: a new body is appended as a row, postings take it in a pending
buffer merged on the next look-up, a removed body is a tombstone, and the rows are rebuilt
when a quarter of them are dead."""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable

import numpy as np

from matchers.records import Condition, ConditionId, JobOffer, Match, SeekerId, condition_order
from matchers.rules import FUZZY_MIN_LENGTH, FUZZY_THRESHOLD, ConditionBody, OfferView, evaluate, prepare

WIDTH = 3  # codes per condition kept in the columns; wider conditions are flagged and pass to ``evaluate``
_PLACE_ANY, _OCCUPATION_ANY = ("place", None), ("occupation", None)


class ConditionIndex:
    def __init__(self, conditions: Iterable[Condition] = ()) -> None:
        self._reset()
        for condition in conditions:
            self.add(condition)

    # -- changes ---------------------------------------------------------------------------

    def add(self, condition: Condition) -> None:
        """Add the condition, or replace the one with the same condition_id."""
        if condition.condition_id in self._conditions:
            self.remove(condition.condition_id)
        body = prepare(condition, self._share)
        row = self._row_of.get(body)
        if row is None:
            row = self._append_row(body)
        self._members[row].append(condition.condition_id)
        self._conditions[condition.condition_id] = (condition.seeker_id, row)

    def remove(self, condition_id: ConditionId) -> None:
        """Forget the condition; unknown ids are ignored."""
        entry = self._conditions.pop(condition_id, None)
        if entry is None:
            return
        row = entry[1]
        members = self._members[row]
        members.remove(condition_id)
        if not members:
            self._alive.data[row] = False
            del self._row_of[self._bodies[row]]
            self._bodies[row] = None
            self._dead += 1
            # Rebuilding costs one pass over the living rows; waiting for a quarter of them to be
            # dead keeps that cost constant per removal.
            if self._dead > max(64, len(self._row_of) // 4):
                self._compact()

    def __len__(self) -> int:
        return len(self._conditions)

    @property
    def distinct_bodies(self) -> int:
        return len(self._row_of)

    # -- matching --------------------------------------------------------------------------

    def match(self, offer: JobOffer) -> list[Match]:
        """Every condition the offer satisfies, sorted by condition_id."""
        view = OfferView(offer)
        matches = []
        for row in self._survivors(view):
            outcome = evaluate(view, self._bodies[row])
            if outcome is None:
                continue
            score, reasons = outcome
            for condition_id in self._members[row]:
                seeker_id = self._conditions[condition_id][0]
                matches.append(Match(offer.job_number, condition_id, seeker_id, score, reasons))
        matches.sort(key=lambda match: condition_order(match.condition_id))
        return matches

    def match_many(self, offers: Iterable[JobOffer]) -> list[list[Match]]:
        return [self.match(offer) for offer in offers]

    def _survivors(self, view: OfferView) -> np.ndarray:
        rows = self._structural_candidates(view)
        if len(rows) == 0:
            return rows
        rows = np.unique(rows)  # a row can sit in two postings (its prefecture and municipality)
        wordy = (self._keyword_mode.data[rows] > 0) | (self._exclude_len.data[rows] > 0)
        if wordy.any():
            keep = np.ones(len(rows), dtype=bool)
            keep[wordy] = self._keyword_filter(view, rows[wordy])
            rows = rows[keep]
        return rows

    def _structural_candidates(self, view: OfferView) -> np.ndarray:
        ids = self._code_ids
        place_keys = [_PLACE_ANY, ("p", view.prefecture), ("m", view.municipality)]
        occupation_keys = [_OCCUPATION_ANY] + [
            ("o", code) for code in (view.occupation, view.middle, view.major) if code is not None
        ]
        place_size = sum(self._postings.size(key) for key in place_keys)
        occupation_size = sum(self._postings.size(key) for key in occupation_keys)
        by_place = place_size <= occupation_size
        lists = [self._postings.get(key) for key in (place_keys if by_place else occupation_keys)]
        lists = [rows for rows in lists if rows is not None and len(rows)]
        if not lists:
            return np.empty(0, dtype=np.int32)
        rows = np.concatenate(lists) if len(lists) > 1 else lists[0]
        keep = self._alive.data[rows]
        if by_place:
            occupation_ok = self._occupation_any.data[rows]
            codes = [ids[code] for code in (view.occupation, view.middle, view.major) if code in ids]
            if codes:
                occupation_ok = occupation_ok | np.isin(self._occupations.data[rows], codes).any(axis=1)
            keep &= occupation_ok
        else:
            prefecture = ids.get(view.prefecture, -1)
            municipality = ids.get(view.municipality, -1)
            keep &= (
                self._place_any.data[rows]
                | (self._prefectures.data[rows] == prefecture).any(axis=1)
                | (self._municipalities.data[rows] == municipality).any(axis=1)
            )
        forms = self._forms.data[rows]
        if view.form is None:
            keep &= forms == 0
        else:
            keep &= (forms == 0) | ((forms >> view.form) & 1).astype(bool)
        wage = self._wage.data[rows]
        if view.wage_upper_monthly is None:
            keep &= wage < 0
        else:
            keep &= wage <= view.wage_upper_monthly  # -1 (no wage asked) passes too
        return rows[keep]

    def _keyword_filter(self, view: OfferView, rows: np.ndarray) -> np.ndarray:
        """For rows with keywords or exclusions: False where the offer surely fails them."""
        possible = self._possible_terms(view)
        kw_rows, kw_terms, kw_len = self._gather(rows, self._keyword_start, self._keyword_len, self._keyword_terms)
        ex_rows, ex_terms, ex_len = self._gather(rows, self._exclude_start, self._exclude_len, self._exclude_terms)
        found = np.zeros(len(self._terms), dtype=bool)
        present = np.zeros(len(self._terms), dtype=bool)
        for term in np.unique(kw_terms[possible[kw_terms]]).tolist():
            found[term] = view.keyword_hit(self._terms[term]) is not None
        for term in np.unique(ex_terms[possible[ex_terms]]).tolist():
            present[term] = view.contains(self._terms[term])
        keep = np.ones(len(rows), dtype=bool)
        if len(kw_terms):
            hits = np.bincount(kw_rows, weights=found[kw_terms], minlength=len(rows))
            modes = self._keyword_mode.data[rows]
            keep &= (modes == 0) | ((modes == 1) & (hits == kw_len)) | ((modes == 2) & (hits > 0))
        if len(ex_terms):
            keep &= np.bincount(ex_rows, weights=present[ex_terms], minlength=len(rows)) == 0
        return keep

    @staticmethod
    def _gather(rows, starts, lengths, flat):
        """The term ids of each row, flattened, with the position of their row in ``rows``."""
        lens = lengths.data[rows]
        total = int(lens.sum())
        owner = np.repeat(np.arange(len(rows)), lens)
        firsts = np.cumsum(lens) - lens
        positions = np.repeat(starts.data[rows] - firsts, lens) + np.arange(total)
        return owner, flat.data[positions], lens

    def _possible_terms(self, view: OfferView) -> np.ndarray:
        """Terms whose n-gram count in the offer reaches their threshold; all others are surely
        absent from it (see ``gram_threshold``)."""
        grams: set[str] = set()
        for text in view.texts():
            grams.update(text)
            grams.update(text[i:i + 2] for i in range(len(text) - 1))
        lists = [self._grams.get(gram) for gram in grams]
        lists = [terms for terms in lists if terms is not None]
        counts = np.bincount(np.concatenate(lists), minlength=len(self._terms)) if lists else \
            np.zeros(len(self._terms), dtype=np.int64)
        return counts >= self._thresholds.data[:len(self._terms)]

    # -- storage ---------------------------------------------------------------------------

    def _reset(self) -> None:
        self._conditions: dict[ConditionId, tuple[SeekerId, int]] = {}
        self._row_of: dict[ConditionBody, int] = {}
        self._bodies: list[ConditionBody | None] = []
        self._members: list[list[ConditionId]] = []
        self._dead = 0
        self._shared: dict = {}
        self._code_ids: dict[str, int] = {}
        self._postings = _Postings()
        self._alive = _Column(np.bool_)
        self._place_any = _Column(np.bool_)
        self._prefectures = _Column(np.int32, WIDTH)
        self._municipalities = _Column(np.int32, WIDTH)
        self._occupation_any = _Column(np.bool_)
        self._occupations = _Column(np.int32, WIDTH)
        self._forms = _Column(np.uint8)
        self._wage = _Column(np.int64)
        self._keyword_mode = _Column(np.int8)
        self._keyword_start = _Column(np.int64)
        self._keyword_len = _Column(np.int32)
        self._exclude_start = _Column(np.int64)
        self._exclude_len = _Column(np.int32)
        self._keyword_terms = _Column(np.int32)
        self._exclude_terms = _Column(np.int32)
        self._keyword_used = 0
        self._exclude_used = 0
        # Terms: distinct normalised keywords (and excluded keywords) with their n-gram postings.
        self._terms: list[str] = []
        self._term_ids: dict[str, int] = {}
        self._thresholds = _Column(np.int32)
        self._grams = _Postings()

    def _share(self, value):
        return self._shared.setdefault(value, value)

    def _code(self, code: str) -> int:
        return self._code_ids.setdefault(code, len(self._code_ids) + 1)  # 0 marks an empty slot

    def _append_row(self, body: ConditionBody) -> int:
        row = len(self._bodies)
        self._bodies.append(body)
        self._members.append([])
        self._row_of[body] = row
        for column in self._columns():
            column.ensure(row + 1)
        self._alive.data[row] = True
        place_any = not body.prefectures and not body.municipalities
        self._place_any.data[row] = place_any or len(body.prefectures) > WIDTH or len(body.municipalities) > WIDTH
        self._prefectures.data[row] = _padded([self._code(code) for code in body.prefectures])
        self._municipalities.data[row] = _padded([self._code(code) for code in body.municipalities])
        self._occupation_any.data[row] = not body.occupations or len(body.occupations) > WIDTH
        self._occupations.data[row] = _padded([self._code(code) for code in body.occupations])
        self._forms.data[row] = sum(1 << form for form in body.forms)
        self._wage.data[row] = -1 if body.wage_min is None else body.wage_min_monthly
        self._keyword_mode.data[row] = 0 if not body.keywords else (1 if body.keyword_mode == "and" else 2)
        self._keyword_start.data[row], self._keyword_len.data[row] = self._store_terms(
            body.keywords, self._keyword_terms, "_keyword_used")
        self._exclude_start.data[row], self._exclude_len.data[row] = self._store_terms(
            body.excludes, self._exclude_terms, "_exclude_used")
        if place_any:
            self._postings.add(_PLACE_ANY, row)
        for code in body.prefectures:
            self._postings.add(("p", code), row)
        for code in body.municipalities:
            self._postings.add(("m", code), row)
        if not body.occupations:
            self._postings.add(_OCCUPATION_ANY, row)
        for code in body.occupations:
            self._postings.add(("o", code), row)
        return row

    def _columns(self):
        return (self._alive, self._place_any, self._prefectures, self._municipalities, self._occupation_any,
                self._occupations, self._forms, self._wage, self._keyword_mode, self._keyword_start,
                self._keyword_len, self._exclude_start, self._exclude_len)

    def _store_terms(self, keywords, flat: "_Column", used_attr: str) -> tuple[int, int]:
        start = getattr(self, used_attr)
        flat.ensure(start + len(keywords))
        for offset, keyword in enumerate(keywords):
            flat.data[start + offset] = self._term(keyword.norm)
        setattr(self, used_attr, start + len(keywords))
        return start, len(keywords)

    def _term(self, norm: str) -> int:
        term = self._term_ids.get(norm)
        if term is None:
            term = self._term_ids[norm] = len(self._terms)
            self._terms.append(norm)
            self._thresholds.ensure(term + 1)
            self._thresholds.data[term] = gram_threshold(len(norm))
            for gram in _term_grams(norm):
                self._grams.add(gram, term)
        return term

    def _compact(self) -> None:
        """Rebuild rows, postings and terms from the living bodies (drops tombstones)."""
        living = [(body, self._members[row]) for row, body in enumerate(self._bodies) if body is not None]
        conditions = self._conditions
        self._reset()
        self._conditions = conditions
        for body, members in living:
            row = self._append_row(body)
            self._members[row] = members
            for condition_id in members:
                self._conditions[condition_id] = (conditions[condition_id][0], row)


def gram_threshold(length: int) -> int:
    """How many of a term's n-gram positions must occur in an offer for the term to be possibly
    present. Exact containment needs all of them. A close spelling (a run w of the offer with
    len(w) == len(k) = m and ratio ≥ T, i.e. LCS(k, w) ≥ L = ⌈T·m/100⌉) leaves m − L keyword
    characters unmatched, each breaking at most 2 of the m − 1 bigrams, and m − L inserted
    characters, each breaking at most 1 more: at least (m − 1) − 3(m − L) bigrams survive."""
    if length <= 1:
        return 1  # a one-character term is posted under its character
    exact = length - 1
    if length < FUZZY_MIN_LENGTH:
        return exact
    common = math.ceil(FUZZY_THRESHOLD * length / 100 - 1e-9)
    return max(0, min(exact, (length - 1) - 3 * (length - common)))


def _term_grams(norm: str) -> list[str]:
    if len(norm) == 1:
        return [norm]
    return [norm[i:i + 2] for i in range(len(norm) - 1)]  # repeats kept: counts are per position


def _padded(codes: list[int]) -> list[int]:
    return (codes + [0] * WIDTH)[:WIDTH]


class _Column:
    """A numpy array that grows by doubling; ``data`` may be longer than the rows in use."""

    __slots__ = ("data",)

    def __init__(self, dtype, width: int | None = None) -> None:
        self.data = np.zeros((1024,) if width is None else (1024, width), dtype=dtype)

    def ensure(self, size: int) -> None:
        if size > len(self.data):
            grown = np.zeros((max(size, 2 * len(self.data)),) + self.data.shape[1:], dtype=self.data.dtype)
            grown[: len(self.data)] = self.data
            self.data = grown


class _Postings:
    """key → int32 numpy array of row (or term) ids. Appends go to a compact pending buffer that
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

    def size(self, key) -> int:
        current = self._arrays.get(key)
        buffer = self._pending.get(key)
        return (0 if current is None else len(current)) + (0 if buffer is None else len(buffer))

    def get(self, key) -> np.ndarray | None:
        buffer = self._pending.pop(key, None)
        current = self._arrays.get(key)
        if buffer is not None:
            fresh = np.frombuffer(buffer, dtype=np.int32).copy()
            current = fresh if current is None else np.concatenate([current, fresh])
            self._arrays[key] = current
        return current

"""The condition index: the reference's answers in milliseconds at national scale.

A percolator in the manner of Lucene Monitor and the k-index (Whang et al., VLDB 2009), over
rows — one row per distinct condition body, fanned out to the conditions that share it:

1. Place × occupation postings. A row is posted under every pair (place code, occupation code)
   it names, with None standing for "anywhere" / "any occupation", and under each employment
   form it asks (None for "any form"): the key is (place, occupation, form). An offer looks up at
   most 16 pairs — (its municipality, the designated city of its ward, its prefecture, None) ×
   (its 小分類, 中分類, 大分類, None) — in order of preference, each with its own form and with
   None, so the candidates satisfy place, occupation and form exactly (a third of the rows the
   pairs alone found failed on form, each read from memory for nothing), and the first pair that
   finds a row tells which place and occupation reason applies to it.
2. Anchors. A row with keywords is posted under (pair, term) instead, for an *anchor* term it
   cannot match without (Lucene Monitor's idea): an AND row under one of its keywords (the one
   least likely to be found), an OR row under each. Per offer only the anchor terms that pass
   the n-gram filter (3) are looked up in the offer, and only the rows posted under a pair of
   the offer and a term found in it are candidates; an OR row found through several terms is
   kept once, under its first pair. Rows without keywords (none, or exclusions only) stay in the
   pair postings. The candidates are therefore the rows with no anchor that satisfy place and
   occupation, plus the rows with an anchor found in the offer that do: the work follows the
   offer's terms and its real candidates, not the number of keyword rows.
3. Keywords: every distinct keyword (a *term*) is looked for as one or more *probes* — itself,
   and each synonym or word its reading spells. ``matchers.probes`` counts, per probe, how many
   of its bigram positions (and, for a close spelling, its character and kanji positions) occur
   in the offer; a probe below one of its thresholds (proved there) cannot be present, and a
   term none of whose probes can be present is absent. Only the remaining terms are looked up
   for real — once per offer, however many rows share them — then AND / OR / exclusion is
   decided per candidate row with numpy over the row's term slots (a row with more terms than
   slots is decided by ``rules.keywords_satisfied``).
4. The wage is checked on all candidates at once with numpy (before the keyword rules of 3 are
   decided per row). What matching reads of a row (forms, wage, term slots, fan-out
   ids, flags) is one 64-byte record (``_ROW``), read once per candidate: the candidates are
   scattered over all the rows, so a field per column would cost a cache miss per field.
5. Rows that passed are grouped by what their explanation depends on (place and occupation
   pair, whether forms and a wage are asked, keyword list); ``rules.explain`` — the function the
   reference's ``evaluate`` ends in — explains one row of each group for all its conditions.
6. Condition and seeker ids are fanned out with numpy where they are integers (and ordered by
   condition_id for ``match``).

Every filter is exact (the n-gram step only skips look-ups that cannot succeed, an anchor is a
keyword the row needs), so the rows left are the matches; the property tests hold the index to
the reference on that.

Changes are incremental: a new body is appended as a row, postings (pair and anchor alike) take
it in a pending buffer merged on the next look-up, a removed body leaves a tombstone (its
postings stay until then; the alive column drops it), and rows, postings, terms and probes are
rebuilt once a quarter of the rows are dead."""

from __future__ import annotations

import gc
from collections import deque
from collections.abc import Iterable
from itertools import repeat
from typing import NamedTuple

import numpy as np

from matchers.columns import Columns
from matchers.probes import Probes, gram_threshold  # noqa: F401  (gram_threshold: the tests' name for it)
from matchers.records import Condition, ConditionId, JobOffer, Match, SeekerId, condition_order
from matchers.rules import (
    SCORE_BASE,
    SCORE_FORM,
    SCORE_KEYWORD_CAP,
    SCORE_KEYWORD_CLOSE,
    SCORE_KEYWORD_OTHER,
    SCORE_KEYWORD_TITLE,
    SCORE_OCCUPATION,
    SCORE_WAGE,
    ConditionBody,
    Keyword,
    OfferView,
    explain,
    keyword_points,
    keywords_satisfied,
    place_points,
    prepare,
)
from matchers.storage import AnchorPostings
from matchers.storage import Column as _Column
from matchers.storage import Postings as _Postings

_PLACES = ("municipality", "city", "prefecture", "anywhere")  # by rank in ``_candidates``
_OCCUPATION_LEVELS = ("small", "middle", "major", None)  # by rank in ``_candidates``
# What ``explain`` adds for the place × occupation pair numbered 1–16 in ``_candidates`` (0 unused).
_PAIR_POINTS = np.array([0] + [place_points(place) + SCORE_OCCUPATION.get(level, 0)
                               for place in _PLACES for level in _OCCUPATION_LEVELS], dtype=np.int32)
FREEZE_FROM_ROWS = 50_000  # below this, full collections are cheap and freezing is not worth it
SNAPSHOT_SLACK = 1024  # shared rows changed before the members snapshot is taken again (or an eighth of them)
TERM_SLOTS = 4  # keywords (and exclusions) kept in a row's columns; a row with more spills to Python
# (4 one-byte flags make one 32-bit word in ``_keyword_filter``: change both together)
_WAGE_CEILING = 2 ** 62  # monthly yen beyond int64 (only from unvalidated values) are capped here
_NOT_NUMERIC = "not numeric"  # a row whose conditions are fanned out one by one in Python
# What matching reads of a row, packed into one 64-byte record: the candidates are a few
# thousand rows scattered over a million, so each field kept in a column of its own cost a cache
# miss per candidate per column; one record costs one (``_matching_rows`` reads it once).
_ROW = np.dtype([
    ("wage", np.int64),  # the monthly minimum asked, -1 for none
    # fan-out: the ids of a row holding exactly one condition with int64 ids (``simple``)
    ("condition_id", np.int64), ("seeker_id", np.int64),
    # term ids of the keywords and excluded keywords, TERM_SLOTS a row, -1 for none
    ("keyword_terms", np.int32, (TERM_SLOTS,)), ("exclude_terms", np.int32, (TERM_SLOTS,)),
    ("forms", np.uint8), ("keyword_mode", np.int8), ("wordy", np.bool_), ("spill", np.bool_),
    ("simple", np.bool_), ("alive", np.bool_),
    ("base_points", np.uint8),  # what ``explain`` adds before place, occupation and keywords (``_base_points``)
], align=True)
assert _ROW.itemsize == 64, "a row's record is meant to fill one cache line"
# keywords_id (which keyword list a row has) is read only to group explanations: not in the record.
_COLUMNS = _ROW.names + ("keywords_id",)
_NO_TERMS = [-1] * TERM_SLOTS  # empty term slots (only read: shared by the rows staged with none)
# The columns a new row's body decides, in the order ``_append_row`` stages them; the others
# (alive, the fan-out and base_points) follow from ``_bodies``, ``_members`` and these, and are
# worked out by ``_unstage``.
_STAGED = ("forms", "wage", "keyword_mode", "keywords_id", "wordy", "spill", "keyword_terms", "exclude_terms")


class ConditionIndex:
    """Conditions indexed for matching new offers; answers exactly as ``ReferenceMatcher``.

    Not safe for changes from one thread while another matches: a worker owns its index. A
    large build ends with ``gc.freeze()``: the index's millions of long-lived objects are taken
    out of the cyclic collector's sight, or every full collection would walk them all."""

    def __init__(self, conditions: Iterable[Condition] = ()) -> None:
        self._build(map(_as_member, conditions))

    @classmethod
    def from_bodies(cls, members: Iterable[tuple[ConditionId, SeekerId, ConditionBody]]) -> "ConditionIndex":
        """The index of (condition_id, seeker_id, body) triples, each body made by
        ``rules.prepare`` or ``rules.prepare_fields``: the same index as
        ``ConditionIndex(conditions)``, for a loader of millions of rows that makes no
        ``Condition`` for each."""
        index = cls.__new__(cls)
        index._build(members)
        return index

    def _build(self, members: Iterable[tuple[ConditionId, SeekerId, ConditionBody]]) -> None:
        self._reset()
        # Building: rows are staged in Python lists (one per column of _STAGED) and written into
        # the records once at the end (a numpy scalar write per column per row would cost more
        # than everything else).
        self._staged: tuple[list, ...] | None = _new_stage()
        # The build makes millions of acyclic objects; the cyclic collector would rescan them all
        # again and again while they are made, so it waits until the build is done.
        collecting = gc.isenabled()
        gc.disable()
        try:
            add = self._add_body
            for condition_id, seeker_id, body in members:
                add(condition_id, seeker_id, body)
            self._unstage()
            self._shared_snapshot()  # taken now, so the first offer matched does not pay for it
        finally:
            if collecting:
                gc.enable()
        if len(self._bodies) >= FREEZE_FROM_ROWS:  # see the class docstring
            gc.collect()  # so that no cyclic garbage of the moment is frozen with the index
            gc.freeze()

    # -- changes ---------------------------------------------------------------------------

    def add(self, condition: Condition) -> None:
        """Add the condition, or replace the one with the same condition_id."""
        self._add_body(condition.condition_id, condition.seeker_id, prepare(condition))

    def _add_body(self, condition_id: ConditionId, seeker_id: SeekerId, body: ConditionBody) -> None:
        if condition_id in self._row_of_condition:
            self.remove(condition_id)
        row = self._row_of_body.setdefault(body, len(self._bodies))  # hashed once: bodies are deep tuples
        if row == len(self._bodies):
            self._append_row(body)
        self._members[row].append((condition_id, seeker_id))
        self._row_of_condition[condition_id] = row
        if self._staged is None:  # while building, ``_unstage`` works out every row's fan-out once
            self._refresh_fan_out(row)

    def remove(self, condition_id: ConditionId) -> None:
        """Forget the condition; unknown ids are ignored."""
        row = self._row_of_condition.pop(condition_id, None)
        if row is None:
            return
        members = self._members[row]
        members[:] = [member for member in members if member[0] != condition_id]
        self._refresh_fan_out(row)
        if not members:
            self._set("alive", row, False)
            del self._row_of_body[self._bodies[row]]
            self._bodies[row] = None
            self._dead += 1
            # A rebuild costs one pass over the living rows; waiting until a quarter of the rows
            # are dead keeps that cost constant per removal.
            if self._dead > max(64, len(self._row_of_body) // 4):
                self._compact()

    def __len__(self) -> int:
        return len(self._row_of_condition)

    @property
    def distinct_bodies(self) -> int:
        return len(self._row_of_body)

    # -- matching --------------------------------------------------------------------------

    def match(self, offer: JobOffer) -> list[Match]:
        """Every condition the offer satisfies, sorted by condition_id."""
        view = OfferView(offer)
        rows, pairs, _, records = self._matching_rows(view)
        groups, outcomes = self._explained_groups(view, rows, pairs, records)
        return self._fan_out(offer.job_number, rows, groups, outcomes, records)

    def match_many(self, offers: Iterable[JobOffer]) -> list[list[Match]]:
        return [self.match(offer) for offer in offers]

    def match_columns(self, offers: Iterable[JobOffer]) -> Columns:
        """What ``match_many`` finds, as columns: no Python object per match. The matches are
        grouped by offer; within an offer they are in the index's own order (deterministic, not
        by condition_id: the pipeline orders them by seeker itself, and sorting five thousand
        ids an offer was an eighth of the time). Every matching condition and seeker id must
        be an int64 (a ``TypeError`` otherwise): the pipeline's are. Scores are added up in
        numpy while the rows are filtered (``_matching_rows``) and no reason is written: a
        row's conditions share its score, so it is fanned out with them."""
        parts = []
        for position, offer in enumerate(offers):
            view = OfferView(offer)
            rows, _, scores, records = self._matching_rows(view, scored=True)
            if not len(rows):
                continue
            ids, seekers, scores, others = self._fan_out_ids(rows, scores, records)
            if others:
                raise TypeError("match_columns needs int64 condition and seeker ids")
            parts.append((np.full(len(ids), position, dtype=np.int32), ids, seekers, scores))
        if not parts:
            return Columns.empty()
        if len(parts) == 1:  # one offer (what the pipeline and the benchmark pass): nothing to join
            return Columns(*parts[0])
        return Columns(*(np.concatenate(column) for column in zip(*parts)))

    def _matching_rows(self, view: OfferView, *, scored: bool = False):
        """The rows the offer satisfies, each with the number of its place × occupation pair and
        (``scored``) its score as ``explain`` adds it up, without its reasons: the base, the
        points of its pair, of asking forms and a wage, and of its keywords (capped). Each row
        record is read once, for the candidates, and the records of the rows kept are returned
        too (for the fan-out); the filters mark one ``keep`` array, applied once."""
        rows, pairs = self._candidates(view)
        if not len(rows):
            return rows, pairs, np.empty(0, dtype=np.int32) if scored else None, self._rows.data[:0]
        records = self._rows.data.take(rows)  # the one read of the candidates' rows (``_ROW``)
        keep, scores = self._structural_filter(view, records, scored)
        if scored:
            scores += _PAIR_POINTS.take(pairs)
        wordy = np.flatnonzero(keep & records["wordy"])  # only rows the filter kept
        if len(wordy):
            satisfied, points = self._keyword_filter(view, rows.take(wordy), records.take(wordy), scored)
            keep[wordy] = satisfied
            if scored:
                scores[wordy] += points
        kept = np.flatnonzero(keep)
        return rows.take(kept), pairs.take(kept), scores.take(kept) if scored else None, records.take(kept)

    def _candidates(self, view: OfferView) -> tuple[np.ndarray, np.ndarray]:
        """Rows that may match, each once with the number (1–16) of the first (preferred) place ×
        occupation pair that found it. All satisfy place and occupation; an anchored row is here
        only if one of its anchor terms is found in the offer (``_anchored_candidates``). Free
        and anchored rows are disjoint (a row is posted either under its pairs or under its
        (pair, anchor) keys), but a row may be under several of the offer's pairs, and an OR
        row under several of its terms: ``_first_pairs`` keeps each once."""
        places = (view.municipality, view.city, view.prefecture, None)
        occupations = (view.occupation, view.middle, view.major, None)
        forms = (None,) if view.form is None else (view.form, None)
        pairs = []
        for place_rank, place in enumerate(places):
            for occupation_rank, occupation in enumerate(occupations):
                if (place_rank < 3 and place is None) or (occupation_rank < 3 and occupation is None):
                    continue
                number = 1 + place_rank * 4 + occupation_rank
                pairs += [((place, occupation, form), number) for form in forms]
        lists, numbers = self._free_candidates(pairs)
        singles, single_numbers = self._anchored_candidates(view, pairs, lists, numbers)
        if not singles:
            if not lists:
                return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
            if len(lists) == 1:  # one posting array holds each of its rows once
                return lists[0], np.full(len(lists[0]), numbers[0], dtype=np.int64)
        # Every list's pair number repeated over it; a single row is a list of one.
        lengths = [len(rows) for rows in lists] + [1] * len(singles)
        lists.append(np.array(singles, dtype=np.int32))
        return self._first_pairs(np.concatenate(lists),
                                 np.repeat(np.array(numbers + single_numbers, dtype=np.int64), lengths))

    def _free_candidates(self, pairs: list) -> tuple[list[np.ndarray], list[int]]:
        """The posting arrays of rows without an anchor under the offer's pairs, with the pair
        number of each."""
        lists, numbers = [], []
        for pair, number in pairs:
            rows = self._postings.get(pair)
            if rows is not None and len(rows):
                lists.append(rows)
                numbers.append(number)
        return lists, numbers

    def _anchored_candidates(self, view: OfferView, pairs: list, lists: list, numbers: list) -> tuple[list, list]:
        """Adds to ``lists`` and ``numbers`` the anchored rows posted under one of the offer's
        pairs and an anchor term found in the offer, and returns the rows that are alone under
        their (pair, term) key with their pair numbers. Only the terms that pass the n-gram
        filter and anchor something are looked for: the work follows the offer, not the number
        of rows. An AND row needs all its keywords, so its anchor among them; an OR row needs
        one, so it is posted under each — and may be found through several."""
        anchored = self._anchored
        singles, single_numbers = [], []
        anchors = found = None
        keywords = self._terms
        for pair, number in pairs:
            terms = anchored.terms(pair)
            if terms is None:
                continue
            if anchors is None:
                anchors, found = set(np.flatnonzero(self._offer_terms(view)).tolist()), set()
            # The pair's anchors that may be in the offer: the offer's few possible terms looked
            # up in the pair's (often hundreds of) terms, not the other way round.
            for term in [term for term in anchors if term in terms]:
                if term not in found:
                    if view.keyword_hit(keywords[term]) is None:
                        anchors.discard(term)  # looked up once per offer, not once per pair
                        continue
                    found.add(term)
                rows = terms[term]
                if type(rows) is int:
                    singles.append(rows)
                    single_numbers.append(number)
                else:
                    lists.append(rows if type(rows) is np.ndarray else anchored.rows(terms, term))
                    numbers.append(number)
        return singles, single_numbers

    @staticmethod
    def _first_pairs(rows: np.ndarray, numbers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each row once, under its most preferred (lowest) pair number: one sort of (row, number)
        keys, then the first of each row's run. (One sort of the few thousand candidates costs
        less than a scatter into a column of every row, and leaves the rows in ascending order,
        so the columns are then read forwards.)"""
        keys = rows.astype(np.int64)
        keys <<= 5
        keys |= numbers  # pair numbers are 1–16: five bits
        # Timsort, not numpy's default introsort: the keys are the posting lists one after the
        # other, a hundred or so sorted runs, which it merges (on the dense benchmark's offers
        # 103 µs where introsort took 150).
        keys.sort(kind="stable")
        rows = keys >> 5
        first = np.empty(len(keys), dtype=bool)
        first[:1] = True
        np.not_equal(rows[1:], rows[:-1], out=first[1:])
        # Both stay int64: numpy takes with intp indices as they are, with others after a copy.
        return rows[first], keys[first] & 31

    def _structural_filter(self, view: OfferView, records: np.ndarray, scored: bool = False):
        """Whether each row (of these records) is alive and its wage admits the offer (its forms
        did: it was found under the offer's form or none), and (``scored``) its score so far:
        the base and the points of asking forms and a wage."""
        wage = records["wage"]
        if view.wage_upper_monthly is None:
            keep = wage < 0
        else:
            keep = wage <= min(view.wage_upper_monthly, _WAGE_CEILING)  # -1 (no wage asked) passes too
        if self._dead:  # tombstones: rows whose last condition was removed (none after a build)
            keep &= records["alive"]
        if not scored:
            return keep, None
        return keep, records["base_points"].astype(np.int32)

    def _keyword_filter(self, view: OfferView, rows: np.ndarray, records: np.ndarray, scored: bool = False):
        """For rows with keywords or exclusions: whether the offer satisfies them, and
        (``scored``) their keyword points, capped. Each keyword term that may be in the offer is
        looked up once, into one byte per term (found, missing, points); one gather of those bytes over
        the rows' TERM_SLOTS slots, read as a 32-bit word per row, decides AND and OR and sums
        the points. Exclusions are gathered only when one of them is in the offer. ``records``
        are the rows' (``_ROW``)."""
        terms = self._terms
        size = len(terms)
        use = self._term_use()
        possible = self._offer_terms(view)
        table = np.full(size + 1, _MISSING, dtype=np.uint8)
        table[size] = 0  # what an empty slot (-1) reads: neither found nor missing
        for term in np.flatnonzero(possible & use.keywords[:size]).tolist():  # others are absent
            hit = view.keyword_hit(terms[term])
            if hit is not None:
                table[term] = _FOUND | keyword_points(hit) << _POINTS_SHIFT
        words = _as_words(table.take(records["keyword_terms"]))
        all_found = (words & _MISSING * _EVERY_BYTE) == 0  # also true for a row without keywords
        any_found = (words & _FOUND * _EVERY_BYTE) != 0
        keep = np.where(records["keyword_mode"] == 2, any_found, all_found)
        present = [term for term in np.flatnonzero(possible & use.exclusions[:size]).tolist()
                   if view.contains(terms[term])]
        if present:
            excluded = np.zeros(size + 1, dtype=bool)
            excluded[present] = True
            keep &= _as_words(excluded.take(records["exclude_terms"])) == 0
        points = None
        if scored:
            # The four slots' points side by side in one word; times 0x01010101 adds them up in
            # its top byte (each at most _POINTS_MAX, so no byte carries into the next).
            points = ((words >> _POINTS_SHIFT) & _POINTS_MASK * _EVERY_BYTE) * _EVERY_BYTE >> 24
            points = np.minimum(points, SCORE_KEYWORD_CAP).astype(np.int32)
        if use.spill:
            for position in np.flatnonzero(records["spill"]).tolist():  # more terms than slots
                body = self._bodies[int(rows[position])]
                keep[position] = keywords_satisfied(view, body)
                if scored:
                    points[position] = min(sum(keyword_points(view.keyword_hit(k)) for k in body.keywords),
                                           SCORE_KEYWORD_CAP)
        return keep, points

    def _term_use(self) -> "_TermUse":
        """Which terms the rows use as keywords and as exclusions, and whether a row spills:
        worked out from the columns on first use and brought up to date with the rows appended
        since (a row's terms never change; a rebuild resets it with the columns)."""
        use = self._use
        if use is None:
            use = self._use = _TermUse(self._rows)
        if use.rows < len(self._bodies):
            use.extend(len(self._bodies), len(self._terms))
        return use

    def _offer_terms(self, view: OfferView) -> np.ndarray:
        """Which terms may be in the offer — those with a probe that reaches its thresholds in
        it; all others are surely absent (see ``matchers.probes``) — worked out once per offer;
        the view is told the others are absent, which spares it looking for them."""
        if self._offer is not None and self._offer[0] is view:
            return self._offer[1]
        possible = self._probes.possible_terms(view.texts(), len(self._terms))
        term_ids = self._term_ids
        view.absent = lambda keyword: (term := term_ids.get(keyword)) is not None and not possible[term]
        self._offer = (view, possible)
        return possible

    def _explained_groups(self, view: OfferView, rows: np.ndarray, pairs: np.ndarray, records: np.ndarray):
        """For each row the number of its group, and each group's (score, reasons): rows whose
        explanation is bound to be the same share a group and are explained once. ``records``
        are the rows' (``_ROW``)."""
        if not len(rows):
            return np.empty(0, dtype=np.int64), []
        key = pairs.astype(np.int64)
        key = key * 2 + (records["forms"] > 0)
        key = key * 2 + (records["wage"] >= 0)
        key = key * (len(self._keyword_list_ids) + 1) + self._col("keywords_id").take(rows)
        keys, first, groups = np.unique(key, return_index=True, return_inverse=True)
        occupations = (("small", view.occupation), ("middle", view.middle), ("major", view.major), ())
        outcomes = []
        bodies = self._bodies
        for row, pair in zip(rows.take(first).tolist(), pairs.take(first).tolist()):
            place_rank, occupation_rank = divmod(pair - 1, 4)
            outcomes.append(explain(view, bodies[row], _PLACES[place_rank], occupations[occupation_rank]))
        return groups, outcomes

    def _fan_out_ids(self, rows: np.ndarray, groups: np.ndarray, records: np.ndarray):
        """Condition ids, seeker ids and group of every condition of the rows with int64 ids, as
        arrays (unsorted), and the (condition id, seeker id, group) of the others. A group is any
        integer per row (a group number, or a score), fanned out in its own dtype. Rows holding
        one condition read their ids from their records (``records``, the rows'); rows shared by
        several, the members snapshot (``_SharedMembers``); rows changed since the snapshot was
        taken, their own arrays."""
        simple = records["simple"]
        ids = [records["condition_id"][simple]]
        seekers = [records["seeker_id"][simple]]
        group_parts = [groups[simple]]
        shared = ~simple
        shared_rows, shared_groups = rows[shared], groups[shared]
        if len(shared_rows):
            snapshot = self._shared_snapshot()
            taken = snapshot.gather(shared_rows)
            members = snapshot.members.take(taken.positions, axis=0)
            ids.append(members[:, 0]), seekers.append(members[:, 1])
            group_parts.append(np.repeat(shared_groups[taken.found], taken.counts))
            left = ~taken.found
            shared_rows, shared_groups = shared_rows[left], shared_groups[left]
        others, extra_groups, sizes = [], [], []
        for row, group in zip(shared_rows.tolist(), shared_groups.tolist()):
            arrays = self._member_arrays.get(row) or self._cache_member_arrays(row)
            if arrays is _NOT_NUMERIC:
                others += [(condition_id, seeker_id, group) for condition_id, seeker_id in self._members[row]]
            else:
                ids.append(arrays[0]), seekers.append(arrays[1])
                extra_groups.append(group), sizes.append(len(arrays[0]))
        if sizes:
            group_parts.append(np.repeat(np.array(extra_groups, dtype=groups.dtype), sizes))
        if len(ids) == 1:  # no shared row: nothing to join (the fields are copied out all the same)
            return ids[0], seekers[0], group_parts[0], others
        return np.concatenate(ids), np.concatenate(seekers), np.concatenate(group_parts), others

    def _fan_out(self, job_number: str, rows: np.ndarray, groups: np.ndarray, outcomes: list,
                 records: np.ndarray) -> list[Match]:
        """One Match per condition of each row (``records``, the rows'), sorted by condition_id.
        Rows whose ids are integers (nearly all) are fanned out and sorted by numpy."""
        ids, seekers, group_of, others = self._fan_out_ids(rows, groups, records)
        order = np.argsort(ids, kind="stable")
        scores = [outcome[0] for outcome in outcomes]
        reasons = [outcome[1] for outcome in outcomes]
        group_of = group_of[order].tolist()
        # Thousands of acyclic objects in a row: the collector would only rescan them meanwhile.
        collecting = gc.isenabled()
        gc.disable()
        try:
            matches = _matches(job_number, ids[order].tolist(), seekers[order].tolist(),
                               map(scores.__getitem__, group_of), map(reasons.__getitem__, group_of))
        finally:
            if collecting:
                gc.enable()
        if others:
            matches += [_new_match(job_number, condition_id, seeker_id, *outcomes[group])
                        for condition_id, seeker_id, group in others]
            matches.sort(key=lambda match: condition_order(match.condition_id))
        return matches

    # -- storage ---------------------------------------------------------------------------

    def _reset(self) -> None:
        self._row_of_condition: dict[ConditionId, int] = {}
        self._row_of_body: dict[ConditionBody, int] = {}
        self._bodies: list[ConditionBody | None] = []
        self._members: list[list[tuple[ConditionId, SeekerId]]] = []
        self._member_arrays: dict[int, tuple[np.ndarray, np.ndarray] | str] = {}
        self._shared: _SharedMembers | None = None
        self._dead = 0
        # Rows are posted under (place, occupation) pairs — or, when anchored (``_anchors``),
        # under (place, occupation) → anchor term.
        self._postings = _Postings()
        self._anchored = AnchorPostings()
        self._offer: tuple[OfferView, np.ndarray] | None = None  # ``_offer_terms`` of the last offer
        self._rows = _Column(_ROW)  # one record per row (``_ROW``)
        self._keywords_ids = _Column(np.int32)
        self._use: _TermUse | None = None  # made on the first match (``_term_use``)
        self._keyword_list_ids: dict[tuple, int] = {}
        # Terms: distinct keywords (and excluded keywords), each looked for as its probes
        # (``matchers.probes``: its own text, exact or close, and each of its alternatives).
        self._terms: list[Keyword] = []
        self._term_ids: dict[Keyword, int] = {}
        self._anchor_rank: list[tuple[bool, int]] = []  # per term: the larger, the better an anchor
        self._probes = Probes()

    def _col(self, name: str) -> np.ndarray:
        """A column of the rows: a field of their records (a view), or keywords_id."""
        return self._keywords_ids.data if name == "keywords_id" else self._rows.data[name]

    def _append_row(self, body: ConditionBody) -> int:
        """A new row for the body (the caller enters it in ``_row_of_body``)."""
        row = len(self._bodies)
        self._bodies.append(body)
        self._members.append([])
        keywords, excludes = body.keywords, body.excludes
        keyword_terms = [self._term(keyword) for keyword in keywords]  # terms first, exclusions next
        staged = (  # in the order of _STAGED
            sum(1 << form for form in body.forms),
            -1 if body.wage_min is None else min(body.wage_min_monthly, _WAGE_CEILING),
            0 if not keywords else (1 if body.keyword_mode == "and" else 2),
            0 if not keywords else _id_of(self._keyword_list_ids, keywords),
            bool(keywords or excludes),
            len(keywords) > TERM_SLOTS or len(excludes) > TERM_SLOTS,
            (keyword_terms + _NO_TERMS)[:TERM_SLOTS],
            ([self._term(keyword) for keyword in excludes] + _NO_TERMS)[:TERM_SLOTS] if excludes else _NO_TERMS,
        )
        if self._staged is not None:
            deque(map(list.append, self._staged, staged), maxlen=0)  # one append per column, in C
        else:
            values = dict(zip(_STAGED, staged), alive=True, simple=False, condition_id=0, seeker_id=0)
            values["base_points"] = _base_points(values["forms"], values["wage"])
            for column in (self._rows, self._keywords_ids):
                if row >= len(column.data):
                    column.ensure(row + 1)
            for name, value in values.items():
                self._col(name)[row] = value
        anchors = self._anchors(body, keyword_terms)
        places = body.prefectures + body.municipalities or (None,)
        forms = body.forms or (None,)
        for occupation in body.occupations or (None,):
            for place in places:
                for form in forms:
                    if not anchors:
                        self._postings.add((place, occupation, form), row)
                        continue
                    for term in anchors:
                        self._anchored.add((place, occupation, form), term, row)
        return row

    def _anchors(self, body: ConditionBody, terms: list[int]) -> list[int]:
        """The terms a row is posted under: one of them must be found for the row to match. An
        AND row: one term, the least likely to be found — one without synonyms (each synonym is
        another way to be found), then the longest. An OR row: all of them. A row without
        keywords (even with exclusions, which never make it match) has none: it is posted under
        its pairs. A row with more keywords than its columns hold is anchored all the same, on
        any of its keywords: which are found is decided for it in Python afterwards."""
        if len(terms) < 2 or body.keyword_mode == "or":
            return terms
        return [max(terms, key=self._anchor_rank.__getitem__)]

    def _cache_member_arrays(self, row: int):
        """The ids of a row shared by several conditions as numpy arrays, made on first use."""
        members = self._members[row]
        if all(_is_int64(condition_id) and _is_int64(seeker_id) for condition_id, seeker_id in members):
            arrays = (np.array([member[0] for member in members], dtype=np.int64),
                      np.array([member[1] for member in members], dtype=np.int64))
        else:
            arrays = _NOT_NUMERIC
        self._member_arrays[row] = arrays
        return arrays

    def _shared_snapshot(self) -> "_SharedMembers":
        """The members of the rows shared by several conditions, taken once and kept while few
        of those rows change: a changed row leaves the snapshot and is read from its own arrays
        until there are enough of them to take it again."""
        snapshot = self._shared
        if snapshot is None or snapshot.left > max(SNAPSHOT_SLACK, snapshot.rows // 8):
            snapshot = self._shared = _SharedMembers(self)
        return snapshot

    def _refresh_fan_out(self, row: int) -> None:
        self._member_arrays.pop(row, None)
        if self._shared is not None:
            self._shared.leave(row, shared=len(self._members[row]) > 1)
        members = self._members[row]
        condition_id, seeker_id = members[0] if len(members) == 1 else (None, None)
        simple = _is_int64(condition_id) and _is_int64(seeker_id)
        self._set("simple", row, simple)
        self._set("condition_id", row, condition_id if simple else 0)
        self._set("seeker_id", row, seeker_id if simple else 0)

    def _set(self, name: str, row: int, value) -> None:
        if self._staged is None:  # while building, ``_unstage`` works the value out at the end
            self._col(name)[row] = value

    def _unstage(self) -> None:
        self._postings.seal()
        self._anchored.seal()
        self._probes.seal()
        staged, self._staged = self._staged, None
        columns = dict(zip(_STAGED, staged))
        del staged  # each list goes as soon as its numpy column is made (``pop`` below)
        columns["alive"] = [body is not None for body in self._bodies]
        # The fan-out of each row, as ``_refresh_fan_out`` sets it: a row of one condition with
        # int64 ids keeps them in its columns.
        simple, condition_ids, seeker_ids = [], [], []
        for members in self._members:
            if len(members) == 1 and _is_int64(members[0][0]) and _is_int64(members[0][1]):
                simple.append(True)
                condition_ids.append(members[0][0])
                seeker_ids.append(members[0][1])
            else:
                simple.append(False)
                condition_ids.append(0)
                seeker_ids.append(0)
        columns["simple"], columns["condition_id"], columns["seeker_id"] = simple, condition_ids, seeker_ids
        del simple, condition_ids, seeker_ids
        rows = len(self._bodies)
        for column in (self._rows, self._keywords_ids):
            column.ensure(rows + 1)  # room for the next add
        for name in _COLUMNS:
            if name != "base_points":
                column = self._col(name)
                values = columns.pop(name)  # each list goes once it is in its column
                column[:rows] = np.array(values, dtype=column.dtype).reshape((-1,) + column.shape[1:])
                del values
        self._col("base_points")[:rows] = _base_points(self._col("forms")[:rows], self._col("wage")[:rows])

    def _term(self, keyword: Keyword) -> int:
        term = self._term_ids.get(keyword)
        if term is None:
            term = self._term_ids[keyword] = len(self._terms)
            self._terms.append(keyword)
            alternatives = keyword.alternatives
            self._anchor_rank.append((not alternatives, len(keyword.norm)))  # see ``_anchors``
            probes = [(keyword.norm, keyword.fuzzy)] + [(other.norm, False) for other in alternatives]
            for norm, fuzzy in dict.fromkeys(probes):
                self._probes.link(norm, fuzzy, term)
        return term

    def _compact(self) -> None:
        """Rebuild rows, postings and terms from the living bodies (drops tombstones)."""
        living = [(body, self._members[row]) for row, body in enumerate(self._bodies) if body is not None]
        building = self._staged is not None  # a compaction can happen in the middle of a build
        self._reset()
        self._staged = _new_stage()
        for body, members in living:
            row = self._row_of_body[body] = self._append_row(body)
            self._members[row] = members
            for condition_id, _ in members:
                self._row_of_condition[condition_id] = row
            self._refresh_fan_out(row)
        if not building:
            self._unstage()


_bare_match, _set_job, _set_condition, _set_seeker, _set_score, _set_reasons = (
    object.__new__, Match.job_number.__set__, Match.condition_id.__set__, Match.seeker_id.__set__,
    Match.score.__set__, Match.reasons.__set__)


def _matches(job_number: str, condition_ids: list, seeker_ids: list, scores, reasons) -> list[Match]:
    """Many ``Match`` objects at once, field by field, every loop running in C (no Python call
    per match): a third cheaper than calling ``_new_match`` for each."""
    matches = list(map(_bare_match, repeat(Match, len(condition_ids))))
    for setter, values in ((_set_job, repeat(job_number)), (_set_condition, condition_ids),
                           (_set_seeker, seeker_ids), (_set_score, scores), (_set_reasons, reasons)):
        deque(map(setter, matches, values), maxlen=0)
    return matches


def _new_match(job_number, condition_id, seeker_id, score, reasons) -> Match:
    """``Match(...)`` at half the cost: a frozen dataclass's ``__init__`` goes through
    ``object.__setattr__`` per field, and an offer can match thousands of conditions."""
    match = _bare_match(Match)
    _set_job(match, job_number)
    _set_condition(match, condition_id)
    _set_seeker(match, seeker_id)
    _set_score(match, score)
    _set_reasons(match, reasons)
    return match


# A term's byte in ``_keyword_filter``: found (bit 0), missing (bit 1), its points above them.
_FOUND, _MISSING, _POINTS_SHIFT, _POINTS_MASK = 1, 2, 2, 0x3F
_EVERY_BYTE = 0x01010101  # a byte value repeated in each of a word's TERM_SLOTS bytes
_POINTS_MAX = max(SCORE_KEYWORD_TITLE, SCORE_KEYWORD_OTHER, SCORE_KEYWORD_CLOSE)
assert _POINTS_MAX <= _POINTS_MASK and TERM_SLOTS * _POINTS_MAX < 256, "a term's points must fit its byte"


def _base_points(forms, wage):
    """The score of a row before its place, occupation and keywords, as ``explain`` adds it up:
    the base, and the points of asking forms and a wage (a row's forms mask and monthly wage, as
    ints or as arrays)."""
    return SCORE_BASE + SCORE_FORM * (forms > 0) + SCORE_WAGE * (wage >= 0)


def _as_words(flags: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(flags).view(np.uint32).ravel()


def _new_stage() -> tuple[list, ...]:
    return tuple([] for _ in _STAGED)


def _as_member(condition: Condition) -> tuple[ConditionId, SeekerId, ConditionBody]:
    return condition.condition_id, condition.seeker_id, prepare(condition)


def _is_int64(value) -> bool:
    return type(value) is int and -(2 ** 63) <= value < 2 ** 63


def _id_of(ids: dict, value) -> int:
    return ids.setdefault(value, len(ids) + 1)  # 0 means "none"


class _TermUse:
    """Per term id, whether some row has it as a keyword and as an exclusion, and whether some
    row spills (has more terms than its slots), over the first ``rows`` rows of the index's
    ``records`` (``_ROW``).
    Rows are appended, never changed: ``extend`` reads only the new ones. A dead row's terms
    stay counted: these only tell the keyword filter what it need not look at."""

    __slots__ = ("records", "rows", "keywords", "exclusions", "spill")

    def __init__(self, records: _Column) -> None:
        self.records, self.rows, self.spill = records, 0, False
        self.keywords = self.exclusions = np.zeros(0, dtype=bool)

    def extend(self, rows: int, terms: int) -> None:
        keywords, exclusions = np.zeros(terms, dtype=bool), np.zeros(terms, dtype=bool)
        keywords[: len(self.keywords)], exclusions[: len(self.exclusions)] = self.keywords, self.exclusions
        for flags, name in ((keywords, "keyword_terms"), (exclusions, "exclude_terms")):
            used = self.records.data[name][self.rows: rows].ravel()
            flags[used[used >= 0]] = True
        self.spill = self.spill or bool(self.records.data["spill"][self.rows: rows].any())
        self.keywords, self.exclusions, self.rows = keywords, exclusions, rows


class _Gathered(NamedTuple):
    found: np.ndarray  # per row asked for: whether the snapshot holds it
    counts: np.ndarray  # per row found: its number of conditions
    positions: np.ndarray  # where their ids are in the snapshot's flat arrays, row after row


class _SharedMembers:
    """A snapshot of the condition and seeker ids of every row shared by several conditions
    (all int64), in compressed-row form: the (condition id, seeker id) pairs in one flat array,
    and per row where its pairs start (-1: not in the snapshot) and how many there are. Fanning
    out a few hundred shared rows is then a handful of numpy calls instead of a Python loop over
    them. What is read together sits together — a row's (start, count), a member's (condition
    id, seeker id) — so that each scattered read costs one cache miss, not two."""

    __slots__ = ("runs", "members", "rows", "left")

    def __init__(self, index: "ConditionIndex") -> None:
        runs = np.zeros((len(index._members), 2), dtype=np.int64)  # per row: start, count
        runs[:, 0] = -1
        pairs, position = [], 0
        for row, row_members in enumerate(index._members):
            if len(row_members) > 1 and all(_is_int64(c) and _is_int64(s) for c, s in row_members):
                runs[row] = position, len(row_members)
                pairs += row_members
                position += len(row_members)
        self.runs = runs
        self.members = np.array(pairs, dtype=np.int64).reshape(-1, 2)  # condition id, seeker id
        self.rows = int((runs[:, 0] >= 0).sum())
        self.left = 0  # rows changed since: read from their own arrays

    def leave(self, row: int, *, shared: bool) -> None:
        """The row's members changed: it leaves the snapshot. A row the snapshot never held counts
        as left too once it is shared (it is read the slow way until the next snapshot)."""
        if row < len(self.runs) and self.runs[row, 0] >= 0:
            self.runs[row, 0] = -1
            self.left += 1
        elif shared:
            self.left += 1

    def gather(self, rows: np.ndarray) -> _Gathered:
        if len(rows) and rows.max() < len(self.runs):  # the common case: every row is older than the snapshot
            runs = self.runs.take(rows, axis=0)
        else:  # rows added after the snapshot are not in it
            runs = np.full((len(rows), 2), -1, dtype=np.int64)
            inside = rows < len(self.runs)
            runs[inside] = self.runs.take(rows[inside], axis=0)
        found = runs[:, 0] >= 0
        runs = runs[found]
        starts, counts = runs[:, 0], runs[:, 1]
        # Each row's run of positions: its start, repeated over its count, plus 0, 1, 2, … within it.
        before = np.cumsum(counts) - counts
        positions = np.repeat(starts - before, counts) + np.arange(int(counts.sum()), dtype=np.int64)
        return _Gathered(found, counts, positions)

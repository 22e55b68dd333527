"""Which keywords may be in an offer: the index's exact pre-filter, counted with numpy.

Every distinct keyword (a *term*) is looked for as one or more *probes* — its own text (exact,
or also as a close spelling when ``Keyword.fuzzy``) and each synonym or word its reading spells
(exact). Every probe is posted under its character bigrams; a close-spelling probe also under its
characters and its kanji. An offer counts, per probe and with one ``np.bincount`` for all
three, how many of the probe's bigram positions, character positions and kanji positions occur
anywhere in the offer's text. A probe whose counts miss a threshold proved below cannot be
present; a term none of whose probes can be present is absent, and ``OfferView`` is spared
looking for it. The work is one dictionary look-up per distinct bigram and character of the
offer plus the length of the postings found — it follows the offer's text, not the number of
terms.

The thresholds (m = len(probe); a close spelling is a run w of one field with len(w) = m,
``fuzz.ratio`` ≥ FUZZY_THRESHOLD, i.e. LCS(probe, w) ≥ L = ``common_length(m)``, and the same
kanji as the probe in the same order — ``rules._close``):

* bigrams (``gram_threshold``): all m − 1 for an exact probe; for a close one at least
  (m − 1) − 3(m − L) of them survive in w (proof there). A probe made only of kanji is exact:
  w holds the same kanji in the same order and has no room for anything else, so w is the probe.
* characters (``char_threshold``): the L characters of the probe that the LCS matches are
  characters of w, so at least L of the probe's character positions occur in the offer.
* kanji (``kanji_threshold``): every kanji of the probe is in w, so every kanji position of the
  probe occurs in the offer. (Most job words are kanji: this is the filter that takes out a close
  spelling's near-misses that share a kana bigram such as ービ with the offer.)

Each is a necessary condition of the rule ``rules._close`` decides, so the filter never drops a
true match; the property tests in tests/matchers/test_probes.py hold it to ``_close``."""

from __future__ import annotations

import math
from operator import add

import numpy as np

from matchers.rules import FUZZY_MIN_LENGTH, FUZZY_THRESHOLD, kanji_of
from matchers.storage import Column, Postings


def common_length(length: int) -> int:
    """L: the fewest characters a same-length run shares (as an LCS) with a keyword of this
    length when ``fuzz.ratio`` (100·LCS/m for equal lengths) reaches FUZZY_THRESHOLD. Rounded
    down by a hair so that a float ratio landing just under the threshold is still counted."""
    return math.ceil(FUZZY_THRESHOLD * length / 100 - 1e-9)


def gram_threshold(length: int, fuzzy: bool = True) -> int:
    """How many of a probe's n-gram positions must occur in an offer for it to be possibly
    present. Exact containment needs all of them. A close spelling (``fuzzy``) (a run w of the offer with
    len(w) == len(k) = m and ratio ≥ T, i.e. LCS(k, w) ≥ L = ⌈T·m/100⌉) leaves m − L keyword
    characters unmatched, each breaking at most 2 of the m − 1 bigrams, and m − L inserted
    characters, each breaking at most 1 more: at least (m − 1) − 3(m − L) bigrams survive."""
    if length <= 1:
        return 1  # a one-character term is posted under its character
    exact = length - 1
    if not fuzzy or length < FUZZY_MIN_LENGTH:
        return exact
    return max(0, min(exact, (length - 1) - 3 * (length - common_length(length))))


def char_threshold(length: int) -> int:
    """How many of a close-spelling probe's character positions must occur in the offer: the L
    characters the LCS matches are characters of the run, so at least L do."""
    return common_length(length)


def kanji_threshold(norm: str) -> int:
    """How many of a close-spelling probe's kanji positions must occur in the offer: all of them,
    since the run holds the probe's kanji in the same order."""
    return len(kanji_of(norm))


def grams_of(norm: str) -> list[str]:
    if len(norm) == 1:
        return [norm]
    return [norm[i:i + 2] for i in range(len(norm) - 1)]  # repeats kept: counts are per position


# A probe's three counts, in this order in its slots and thresholds (``Probes``).
_GRAMS, _CHARS, _KANJI = range(3)
_COUNTS = 3


class Probes:
    """The probes of an index's terms, their postings and thresholds, and the links saying which
    probes stand for which term. Append-only: the index rebuilds it when it compacts."""

    def __init__(self) -> None:
        self._ids: dict[tuple[str, bool], int] = {}
        # One posting list per bigram or character, of *slots*: a probe's three counts side by
        # side (probe × 3 + GRAMS, CHARS or KANJI), so that an offer counts all three with one
        # look-up per key and one ``np.bincount``. A bigram (or the character of a one-character
        # probe) posts GRAMS; a close-spelling probe's characters post CHARS and its kanji KANJI.
        self._postings = Postings()
        self._needs = Column(np.int32, width=_COUNTS)  # per probe: the three thresholds (0: none)
        self._link_probe = Column(np.int32)
        self._link_term = Column(np.int32)
        self._links = 0

    def __len__(self) -> int:
        return len(self._ids)

    def link(self, norm: str, fuzzy: bool, term: int) -> None:
        """Say that ``term`` may be present when (norm, fuzzy) may be."""
        probe = self._probe(norm, fuzzy)
        link = self._links
        self._link_probe.ensure(link + 1)
        self._link_term.ensure(link + 1)
        self._link_probe.data[link] = probe
        self._link_term.data[link] = term
        self._links += 1

    def seal(self) -> None:
        self._postings.seal()

    def possible_terms(self, texts: list[str], terms: int) -> np.ndarray:
        """For each of the first ``terms`` term ids: whether one of its probes reaches every
        threshold in the offer whose normalised fields are ``texts``."""
        keys: set[str] = set()
        for text in texts:
            keys.update(text)  # its characters: one-character probes and close spellings' counts
            keys.update(map(add, text, text[1:]))  # its bigrams: each character and the next
        size = len(self._ids)
        arrays = self._postings.merged()
        lists = [arrays[key] for key in keys & arrays.keys()]
        if lists:
            counts = np.bincount(np.concatenate(lists), minlength=size * _COUNTS).reshape(size, _COUNTS)
        else:
            counts = np.zeros((size, _COUNTS), dtype=np.int64)
        possible = (counts >= self._needs.data[:size]).all(axis=1)
        links = self._links
        probes, linked = self._link_probe.data[:links], self._link_term.data[:links]
        result = np.zeros(terms, dtype=bool)
        result[linked[possible.take(probes)]] = True
        return result

    def _probe(self, norm: str, fuzzy: bool) -> int:
        probe = self._ids.get((norm, fuzzy))
        if probe is not None:
            return probe
        probe = self._ids[norm, fuzzy] = len(self._ids)
        self._needs.ensure(probe + 1)
        needs = self._needs.data[probe]
        kanji = kanji_of(norm)
        # A close spelling of a probe made only of kanji is the probe itself (module docstring).
        close = fuzzy and len(norm) >= FUZZY_MIN_LENGTH and len(kanji) < len(norm)
        slot = probe * _COUNTS
        needs[_GRAMS] = gram_threshold(len(norm), close)
        for gram in grams_of(norm):
            self._postings.add(gram, slot + _GRAMS)
        if close:
            needs[_CHARS] = char_threshold(len(norm))
            needs[_KANJI] = kanji_threshold(norm)
            for character in norm:
                self._postings.add(character, slot + _CHARS)
            for character in kanji:
                self._postings.add(character, slot + _KANJI)
        return probe

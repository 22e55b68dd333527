"""The matching rules: when a job offer satisfies a condition, its score and its reasons.

``evaluate(offer_view, condition_body)`` is the specification the reference runs on every
condition. The index decides with vectorised filters equivalent to it (property tests hold it
to the reference) and gets score and reasons from ``explain``, the function ``evaluate`` ends
in. The rules are written down in the package docstring (``matchers/__init__.py``)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable, NamedTuple

from rapidfuzz import fuzz, process

from matchers.codebook import city_of, major_group_of, occupation_name, place_name
from matchers.normalise import display_form, normalise
from matchers.records import Condition, JobOffer
from matchers.synonyms import READING, Alternative, alternatives

FUZZY_MIN_LENGTH = 4  # shorter keywords match exactly only: 介護 never finds 看護
FUZZY_THRESHOLD = 80.0  # rapidfuzz ratio (normalised Indel similarity) on a same-length run

# Wages are compared per month: 1 month = 20 days = 160 hours.
MONTHLY_FACTOR = {"monthly": 1, "daily": 20, "hourly": 160}
WAGE_LABEL = {"monthly": "月給", "daily": "日給", "hourly": "時給"}
EMPLOYMENT_FORMS = {
    1: "正社員", 2: "正社員以外", 3: "有期雇用派遣労働者", 4: "無期雇用派遣労働者",
    5: "パート労働者", 6: "有期雇用派遣パート", 7: "無期雇用派遣パート",
}

# Offer text fields searched for keywords, in the order reasons name them.
TITLE, DESCRIPTION, EMPLOYER, LICENSES = "職種", "仕事内容", "事業所名", "免許・資格"

# Score parts (documented in the package docstring); the maximum adds up to 100.
SCORE_BASE = 10
SCORE_MUNICIPALITY, SCORE_PREFECTURE = 20, 15
SCORE_OCCUPATION = {"small": 20, "middle": 15, "major": 10}
SCORE_FORM = 10
SCORE_WAGE = 10
SCORE_KEYWORD_TITLE, SCORE_KEYWORD_OTHER, SCORE_KEYWORD_CLOSE, SCORE_KEYWORD_CAP = 10, 6, 4, 30


class Keyword(NamedTuple):
    text: str  # as shown to the seeker (NFKC, spaces collapsed, without its quotes)
    norm: str  # as compared (see ``normalise``)
    quoted: bool = False  # "…" or 「…」: exact only, no synonyms, readings or close spelling

    @property
    def alternatives(self) -> tuple[Alternative, ...]:
        """The other words this keyword also finds, by exact containment (rules 3 and 4)."""
        return () if self.quoted else alternatives(self.norm)

    @property
    def fuzzy(self) -> bool:
        """Whether a close spelling of the keyword counts."""
        return not self.quoted and len(self.norm) >= FUZZY_MIN_LENGTH


class ConditionBody(NamedTuple):
    """Everything of a condition that decides a match — not who owns it. Conditions with equal
    bodies always match the same offers with the same score and reasons. (A named tuple: an
    index hashes millions of them.)"""

    keywords: tuple[Keyword, ...] = ()
    keyword_mode: str = "and"
    excludes: tuple[Keyword, ...] = ()
    prefectures: tuple[str, ...] = ()
    municipalities: tuple[str, ...] = ()
    occupations: tuple[str, ...] = ()
    forms: tuple[int, ...] = ()
    wage_type: str | None = None
    wage_min: int | None = None

    @property
    def wage_min_monthly(self) -> int | None:
        if self.wage_min is None:
            return None
        return self.wage_min * MONTHLY_FACTOR[self.wage_type or "monthly"]


class KeywordHit(NamedTuple):  # made per keyword per offer: a named tuple is cheapest to build
    fields: tuple[str, ...]  # where it was found, in TITLE..LICENSES order
    close: bool  # found only as a close spelling (fuzzy)
    via: Alternative | None = None  # found only as this synonym (or the word its reading spells)


def prepare(condition: Condition) -> ConditionBody:
    """The body of a condition, normalised. Equal inputs give the very same tuples (cached), so
    an index holding millions of bodies keeps one copy of each common prefecture list."""
    return prepare_fields(condition.keywords, condition.keyword_mode, condition.exclude_keywords,
                          condition.prefecture_codes, condition.municipality_codes, condition.occupation_codes,
                          condition.employment_forms, condition.wage_type, condition.wage_min)


def prepare_fields(keywords: tuple[str, ...], keyword_mode: str, exclude_keywords: tuple[str, ...],
                   prefecture_codes: tuple[str, ...], municipality_codes: tuple[str, ...],
                   occupation_codes: tuple[str, ...], employment_forms: tuple[int, ...], wage_type: str | None,
                   wage_min: int | None) -> ConditionBody:
    """``prepare`` of a condition with these fields (typed as ``Condition``'s), for a loader
    that makes no ``Condition`` for the millions it reads."""
    prepared = _keywords(keywords)
    return ConditionBody(
        prepared,
        keyword_mode if prepared else "and",
        _keywords(exclude_keywords),
        _codes(prefecture_codes),
        _codes(municipality_codes),
        _codes(occupation_codes),
        _codes(employment_forms),
        (wage_type or "monthly") if wage_min is not None else None,
        wage_min,
    )


@lru_cache(maxsize=1 << 16)
def _codes(raw: tuple) -> tuple:
    return tuple(sorted(set(raw)))


@lru_cache(maxsize=1 << 16)
def _keywords(raw: tuple[str, ...]) -> tuple[Keyword, ...]:
    seen: dict[tuple[str, bool], Keyword] = {}
    for text in raw:
        shown, quoted = unquote(display_form(text))
        norm = normalise(shown)
        if norm and (norm, quoted) not in seen:  # a keyword that normalises to nothing constrains nothing
            seen[norm, quoted] = Keyword(shown, norm, quoted)
    return tuple(seen.values())


# Quotes that make a keyword exact: ASCII (also what NFKC makes of full-width ＂), typographic
# double quotes, and Japanese corner brackets.
_QUOTES = {'"': '"', "\u201c": "\u201d", "\u201d": "\u201d", "\u300c": "\u300d", "\u300e": "\u300f"}


def unquote(text: str) -> tuple[str, bool]:
    """The keyword without its enclosing quotes, and whether it had them."""
    if len(text) >= 2 and _QUOTES.get(text[0]) == text[-1]:  # "" and 「」 quote nothing: no keyword
        return text[1:-1].strip(), True
    return text, False


def monthly(wage_type: str | None, amount: int) -> int:
    return amount * MONTHLY_FACTOR[wage_type or "monthly"]


class OfferView:
    """A job offer prepared for matching: normalised text, derived codes, monthly wage, and a
    per-offer memo of keyword look-ups (each distinct keyword is searched once per offer)."""

    __slots__ = ("offer", "fields", "prefecture", "municipality", "occupation", "middle",
                 "major", "city", "form", "wage_upper", "wage_upper_monthly", "explanations", "keyword_reasons",
                 "absent", "_hits", "_exact", "_text", "_field_texts")

    def __init__(self, offer: JobOffer) -> None:
        self.offer = offer
        once = normalise.__wrapped__  # offer text is seen once: keep it out of the keyword cache
        self.fields: tuple[tuple[str, tuple[str, ...]], ...] = (
            (TITLE, (once(offer.title),)),
            (DESCRIPTION, (once(offer.description),)),
            (EMPLOYER, (once(offer.employer_name),)),
            (LICENSES, tuple(once(text) for text in offer.licenses)),
        )
        # Each field's texts in one string, and every field in one, to look a word up with one
        # search: a normalised text has no line break (whitespace runs are one space), so no word
        # is found across two texts, and a line break is no Latin letter or digit: it bounds a
        # token as the end of a text does. A field without texts (no licenses) has no string.
        self._field_texts = tuple((label, "\n".join(texts)) for label, texts in self.fields if texts)
        self._text = "\n".join(text for _, text in self._field_texts)
        self.prefecture = offer.prefecture_code
        self.municipality = offer.municipality_code
        # A ward of a designated city is also in its city (a condition naming 横浜市 covers 鶴見区).
        self.city = city_of(offer.municipality_code) if offer.municipality_code else None
        self.occupation = offer.occupation_code
        self.middle = offer.occupation_code[:3] if offer.occupation_code else None
        self.major = major_group_of(self.middle) if self.middle else None
        self.form = offer.employment_form
        upper = offer.wage_max if offer.wage_max is not None else offer.wage_min
        self.wage_upper = upper
        self.wage_upper_monthly = None if upper is None else monthly(offer.wage_type, upper)
        self._hits: dict[Keyword, KeywordHit | None] = {}
        self.explanations: dict[tuple, tuple[int, tuple[str, ...]]] = {}  # memo of ``explain``
        self.keyword_reasons: dict[tuple[Keyword, ...], tuple[int, tuple[str, ...]]] = {}
        self._exact: dict[Keyword, bool] = {}
        # An index may tell keywords it has proved absent (its n-gram filter) to spare the search.
        self.absent: Callable[[Keyword], bool] = _never

    def texts(self) -> list[str]:
        """Every normalised text field, for the index's n-gram filter."""
        return [text for _, texts in self.fields for text in texts]

    def contains(self, keyword: Keyword) -> bool:
        """The rule for excluded keywords: the keyword or one of its alternatives is contained
        in some field, exactly (never a close spelling)."""
        found = self._exact.get(keyword)
        if found is None:
            found = self._exact[keyword] = not self.absent(keyword) and (
                bool(self._found_in(keyword.norm)) or any(self._found_in(other.norm) for other in keyword.alternatives))
        return found

    def keyword_hit(self, keyword: Keyword) -> KeywordHit | None:
        """Where the keyword is found: itself exactly, else one of its alternatives exactly (the
        first in the dictionary's order names the reason), else itself as a close spelling."""
        if keyword in self._hits:
            return self._hits[keyword]
        hit = None
        if not self.absent(keyword):
            hit = self._search(keyword)
        self._hits[keyword] = hit
        return hit

    def _search(self, keyword: Keyword) -> KeywordHit | None:
        exact = self._found_in(keyword.norm)
        if exact:
            return KeywordHit(exact, close=False)
        via, fields = None, set()
        for other in keyword.alternatives:
            found = self._found_in(other.norm)
            if found:
                via = via or other
                fields.update(found)
        if via is not None:
            return KeywordHit(tuple(label for label, _ in self.fields if label in fields), close=False, via=via)
        if keyword.fuzzy:
            left, right = _edges(keyword.norm)
            close = tuple(label for label, texts in self.fields if any(_close(keyword.norm, t, left, right) for t in texts))
            if close:
                return KeywordHit(close, close=True)
        return None

    def _found_in(self, norm: str) -> tuple[str, ...]:
        """The fields that contain ``norm`` as a whole token at its Latin or digit edges."""
        if norm not in self._text:
            return ()
        left, right = _edges(norm)
        if not (left or right):
            return tuple([label for label, text in self._field_texts if norm in text])
        return tuple([label for label, text in self._field_texts if _contains_token(norm, text, left, right)])


def _never(keyword: Keyword) -> bool:
    return False


def _is_word_character(character: str) -> bool:
    """A Latin letter or a digit (after NFKC and case-folding): what a token boundary separates."""
    return ("a" <= character <= "z") or ("0" <= character <= "9") or (
        "\u00c0" <= character <= "\u024f" and character not in "\u00d7\u00f7")


@lru_cache(maxsize=1 << 16)
def _edges(norm: str) -> tuple[bool, bool]:
    """Whether the keyword starts and ends with a Latin letter or digit: there it must meet a
    token boundary (SE is not in SEIKO, Java is not in JavaScript)."""
    return _is_word_character(norm[0]), _is_word_character(norm[-1])


def _bounded(text: str, start: int, end: int, left: bool, right: bool) -> bool:
    return (not left or start == 0 or not _is_word_character(text[start - 1])) and (
        not right or end == len(text) or not (_is_word_character(text[end]) or _LANGUAGE_SUFFIX.match(text, end)))


# "++" or "#" right after a token makes another name (C++, C#, F#): C is not in them. A single
# "+" still ends a token (Excel+Word).
_LANGUAGE_SUFFIX = re.compile(r"\+\+|#")


def _contains_token(norm: str, text: str, left: bool, right: bool) -> bool:
    start = text.find(norm)
    while start >= 0:
        if _bounded(text, start, start + len(norm), left, right):
            return True
        start = text.find(norm, start + 1)
    return False


def _close(keyword: str, text: str, left: bool = False, right: bool = False) -> bool:
    """A run of len(keyword) consecutive characters of ``text`` is at least FUZZY_THRESHOLD
    similar to the keyword (rapidfuzz ``fuzz.ratio``, normalised Indel similarity), has the
    same kanji in the same order, and is a whole token where the keyword's edges are Latin
    letters or digits. A spelling may slip in kana, Latin letters or digits; a different kanji
    is a different word (訪問介護ステーション is not 訪問看護ステーション)."""
    size = len(keyword)
    if len(text) < size:
        return False
    kanji = kanji_of(keyword)
    # The run holds the keyword's kanji in order and is as long as the keyword: every kanji must
    # be in the text, and a keyword of kanji only has no close spelling but itself.
    if kanji and not all(character in text for character in kanji):
        return False
    if len(kanji) == size:
        return keyword in text  # no Latin letter or digit at its edges: no boundary to check
    # partial_ratio is never below the best same-length run, so it cheaply rules out most texts.
    if fuzz.partial_ratio(keyword, text, score_cutoff=FUZZY_THRESHOLD) == 0:
        return False
    runs = [text[i:i + size] for i in range(len(text) - size + 1)]
    close = process.extract(keyword, runs, scorer=fuzz.ratio, score_cutoff=FUZZY_THRESHOLD, limit=None)
    return any(kanji_of(run) == kanji and _bounded(text, start, start + size, left, right) for run, _, start in close)


_KANJI = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3005]")  # CJK ideographs and 々


def kanji_of(text: str) -> str:
    """The kanji (CJK ideographs and 々) of the text, in order."""
    return "".join(_KANJI.findall(text))


def evaluate(view: OfferView, body: ConditionBody) -> tuple[int, tuple[str, ...]] | None:
    """(score, reasons) when the offer satisfies the condition body, else None."""
    place = _place(view, body)
    if place is None:
        return None
    occupation = _occupation(view, body)
    if occupation is None:
        return None
    if body.forms and view.form not in body.forms:
        return None
    if body.wage_min is not None and (
        view.wage_upper_monthly is None or view.wage_upper_monthly < body.wage_min_monthly
    ):
        return None
    if not keywords_satisfied(view, body):
        return None
    return explain(view, body, place, occupation)


def keywords_satisfied(view: OfferView, body: ConditionBody) -> bool:
    """No excluded keyword is in the offer, and its keywords are found (all, or any for "or")."""
    if any(view.contains(keyword) for keyword in body.excludes):
        return False
    if not body.keywords:
        return True
    found = sum(view.keyword_hit(keyword) is not None for keyword in body.keywords)
    return found == len(body.keywords) if body.keyword_mode == "and" else found > 0


def _place(view: OfferView, body: ConditionBody) -> str | None:
    if not body.prefectures and not body.municipalities:
        return "anywhere"
    if view.municipality is not None and view.municipality in body.municipalities:
        return "municipality"
    if view.city is not None and view.city in body.municipalities:
        return "city"
    if view.prefecture in body.prefectures:
        return "prefecture"
    return None


def _occupation(view: OfferView, body: ConditionBody) -> tuple[str, str] | tuple[()] | None:
    """() when unconstrained, (level, code) of the finest condition code covering the offer."""
    if not body.occupations:
        return ()
    if view.occupation is None:
        return None
    for level, code in (("small", view.occupation), ("middle", view.middle), ("major", view.major)):
        if code is not None and code in body.occupations:
            return (level, code)
    return None


def explain(view: OfferView, body: ConditionBody, place: str, occupation: tuple) -> tuple[int, tuple[str, ...]]:
    """Score and reasons of a match, given which place rule ("municipality", "prefecture",
    "anywhere") and which occupation code ((level, code), or () for any) let it through. Nothing
    else of the body counts but its keywords and whether it asks for forms and for a wage; the
    keyword part and the rest are each worked out once per offer."""
    keyword_points, reasons = view.keyword_reasons.get(body.keywords) or _keyword_part(view, body.keywords)
    key = (place, occupation, bool(body.forms), body.wage_min is not None)
    rest = view.explanations.get(key)
    if rest is None:
        rest = view.explanations[key] = _explain_rest(view, *key)
    return SCORE_BASE + keyword_points + rest[0], (reasons + rest[1]) or _NOTHING_ASKED


_NOTHING_ASKED = ("指定のない条件のため、すべての求人が対象です",)


def _keyword_part(view: OfferView, keywords: tuple[Keyword, ...]) -> tuple[int, tuple[str, ...]]:
    """Points (capped) and reasons for the keywords of a condition found in the offer."""
    points, reasons = 0, ()
    for keyword in keywords:
        part = _keyword_reason(view, keyword)
        points += part[0]
        reasons += part[1]
    view.keyword_reasons[keywords] = part = (min(points, SCORE_KEYWORD_CAP), reasons)
    return part


def keyword_points(hit: KeywordHit | None) -> int:
    """What one keyword adds to the score (before the cap): in the title, elsewhere, or only as a
    close spelling."""
    if hit is None:
        return 0
    if hit.close:
        return SCORE_KEYWORD_CLOSE
    return SCORE_KEYWORD_TITLE if hit.fields[0] == TITLE else SCORE_KEYWORD_OTHER


def place_points(place: str) -> int:
    """What the place rule that let an offer through ("municipality", "city", "prefecture",
    "anywhere") adds to the score."""
    return SCORE_MUNICIPALITY if place in ("municipality", "city") else SCORE_PREFECTURE if place == "prefecture" else 0


def _keyword_reason(view: OfferView, keyword: Keyword) -> tuple[int, tuple[str, ...]]:
    hit = view.keyword_hit(keyword)
    if hit is None:
        return 0, ()
    where = "・".join(hit.fields)
    points = keyword_points(hit)
    if hit.close:
        return points, (f"キーワード『{keyword.text}』に近い表記が{where}にあります",)
    if hit.via is None:
        return points, (f"キーワード『{keyword.text}』が{where}にあります",)
    relation = "読みが同じ" if hit.via.relation == READING else "同じ意味の"
    return points, (f"キーワード『{keyword.text}』（{relation}『{hit.via.text}』）が{where}にあります",)


def _explain_rest(view: OfferView, place: str, occupation: tuple, asks_form: bool,
                  asks_wage: bool) -> tuple[int, tuple[str, ...]]:
    score, reasons = place_points(place), []
    if place in ("municipality", "city"):
        code = view.municipality if place == "municipality" else view.city
        reasons.append(f"勤務地が希望の市区町村（{place_name(code)}）です")
    elif place == "prefecture":
        reasons.append(f"勤務地が希望の都道府県（{place_name(view.prefecture)}）です")
    if occupation:
        level, code = occupation
        score += SCORE_OCCUPATION[level]
        reasons.append(f"職種が希望の職業分類（{occupation_name(code)}）に当てはまります")
    if asks_form:
        score += SCORE_FORM
        reasons.append(f"雇用形態（{EMPLOYMENT_FORMS.get(view.form, view.form)}）が希望に合っています")
    if asks_wage:
        score += SCORE_WAGE
        # The seeker knows their own lower bound; naming only the offer's wage keeps this reason
        # the same for every condition it satisfies.
        reasons.append(f"賃金（{_wage_text(view.offer.wage_type, view.wage_upper)}）が希望の下限以上です")
    return score, tuple(reasons)


@lru_cache(maxsize=1 << 14)
def _wage_text(wage_type: str | None, amount: int) -> str:
    wage_type = wage_type or "monthly"
    text = f"{WAGE_LABEL[wage_type]} {amount:,}円"
    if wage_type != "monthly":
        text += f"、月額換算 {monthly(wage_type, amount):,}円"
    return text

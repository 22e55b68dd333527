"""Matchers: which stored conditions (求職条件 registered, 検索条件 saved) a new job offer
(求人) satisfies — exactly, explainably, fast. Pure code on plain values: no database, no
queue, nothing from ``worker``.

Semantics (the specification; ``ReferenceMatcher`` is this text as a loop, ``ConditionIndex``
returns the same answers fast):

Normalisation — before any comparison, on both sides (``normalise``): NFKC (full-width Latin
and digits to half-width, half-width katakana to full-width, U+3000 to a space), case-fold,
hiragana to katakana, the long-vowel mark ー removed everywhere (and a dash or hyphen right
after katakana treated as one), runs of whitespace collapsed to one space and trimmed. So サーバ,
サーバー, ｻｰﾊﾞｰ and さーばー are the same word. A keyword that normalises to nothing is ignored.

Keywords — each keyword is looked for in the offer's 職種 (title), 仕事内容 (description),
事業所名 (employer name) and each 免許・資格 (license); a keyword with spaces in it is a
phrase (its spaces meet any run of whitespace in the offer). ``keyword_mode`` "and" (default)
needs every keyword, "or" at least one. A keyword is found in a field when the field contains
it, or — for keywords of 4 or more normalised characters — when some run of the same number of
consecutive characters of the field has rapidfuzz ``fuzz.ratio`` ≥ 80 with it (at most one
differing character in 5–9, two in 10–14: システムエンジニヤ finds システムエンジニア; a
4-character keyword in practice needs its exact spelling) and the same kanji in the same order:
a spelling may slip in kana, Latin letters or digits, but a different kanji is a different
word (訪問介護ステーション never finds 訪問看護ステーション). Keywords of 1–3 characters match
exactly only: 介護 never finds 看護. ``exclude_keywords``: the offer is rejected when any of
them is contained in any of those fields (exact, never fuzzy).

Place (勤務地) — the offer's prefecture is in ``prefecture_codes`` OR its municipality is in
``municipality_codes``; both empty means anywhere.

Occupation (職種, 厚生労働省編職業分類) — a condition code covers the offer's 小分類 ``NNN-NN``
when it is that code, its 中分類 ``NNN``, or the 大分類 ``NN`` the shipped table
(``matchers.codes``) puts that 中分類 under; codes the table does not know still match by the
first two rules. Empty means any; an offer without an occupation code fails a condition that
has occupation codes.

Employment form (雇用形態) — the offer's form (1–7) is in ``employment_forms``; empty means
any; an offer without a form fails a condition that lists forms.

Wage (賃金) — the offer's upper wage (``wage_max``, else ``wage_min``) is at least the
condition's ``wage_min``, both converted to monthly amounts with 1 month = 20 days = 160 hours
(a missing ``wage_type`` means monthly). A condition without ``wage_min`` ignores wage; an
offer without a wage fails a condition that has one.

Score (0–100) — 10, plus keywords (10 each found in 職種, 6 elsewhere, 4 as a close spelling;
at most 30), plus 勤務地 (20 municipality, 15 prefecture), plus 職種 (20 小分類, 15 中分類,
10 大分類), plus 10 for a requested employment form, plus 10 for a requested wage. Only what
the condition asked for scores, so narrower conditions that still match rank higher.

Reasons — Japanese sentences a seeker can read: which keyword was found where (or a close
spelling of it), 勤務地, 職種, 雇用形態 and 賃金 (with the monthly conversion when the units
differ); a condition that asks for nothing says so.

Matches are returned sorted by condition_id (integers before strings).
"""

from matchers.index import ConditionIndex
from matchers.normalise import normalise
from matchers.parsing import InvalidRecord, parse_condition, parse_job
from matchers.records import Condition, JobOffer, Match
from matchers.reference import ReferenceMatcher

__all__ = [
    "Condition", "ConditionIndex", "InvalidRecord", "JobOffer", "Match", "ReferenceMatcher",
    "normalise", "parse_condition", "parse_job",
]

"""Matchers: which stored conditions (求職条件 registered, 検索条件 saved) a new job offer
(求人) satisfies — exactly, explainably, fast. Pure code on plain values: no database, no
queue, nothing from ``worker``.

Semantics (the specification; ``ReferenceMatcher`` is this text as a loop, ``ConditionIndex``
returns the same answers fast):

Normalisation — before any comparison, on both sides (``normalise``): NFKC (full-width Latin
and digits to half-width, half-width katakana to full-width, U+3000 to a space), case-fold,
a dash or hyphen right after kana read as the long-vowel mark ー, rule 1 below, hiragana to
katakana, runs of whitespace collapsed to one space and trimmed. A keyword that normalises to nothing is
ignored.

1. Long vowels — a ー is dropped only where it ends a katakana run (before anything that is
   not katakana — hiragana too: サーバーの is サーバ + の —, or at the end; a word written in
   hiragana, さーばー, is a run of its own); inside a word it is a letter of the word. So サーバ, サーバー,
   ｻｰﾊﾞｰ and さーばー are one word and コンピュータ finds コンピューター, but ナース never
   finds ボーナス (ナース is not ナス) and スーパー is not スパ. Only a word of three kana or more
   before the mark loses it (as 外来語の表記 and JIS Z 8301 allow): カー, キー and カバー keep
   theirs, so カー is not a one-letter keyword found in every カフェ and カバー is not カバ. (In a
   compound the whole katakana run counts: マイカー is マイカ.)

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

2. Latin letters and digits — where a keyword begins or ends with a Latin letter or a digit
   (after NFKC and case-fold), a place in the offer counts, exactly or as a close spelling,
   only if the offer has no Latin letter or digit right before it (or right after it,
   respectively). A keyword made only of Latin letters and digits therefore matches whole
   tokens only: SE finds 社内SE and SE（システムエンジニア）, never SEIKO or "house"; Java finds
   Java経験者, never JavaScript; 2級 is not in 12級. A "++" or "#" right after a token makes it
   another name (C++, C#, F#), so C finds C言語 and C/C++ but never C++ or C# alone; a single
   "+" still ends a token (Excel+Word).
3. Synonyms — the package ships a job-word dictionary of synonym groups
   (``matchers/data/job_synonyms.tsv``: curated from the Sudachi synonym dictionary's people
   and job-title groups and the MHLW job tag titles and aliases, sources and licences in its
   header; ``matchers.synonyms``). A keyword equal (in normalised form) to a term of a group
   also matches every other term of that group — of every group it is a term of — by exact
   containment (rules 1–2 apply; no close spelling of the other terms): ナース finds 看護師.
   Only a keyword equal to a term expands (看護 does not). A word found mostly inside other
   words is not a term (ダイバー is in every ダイバーシティ, コーダー in レコーダー), since its
   synonyms would find those. Excluded keywords expand the same way: excluding ガードマン
   also excludes 警備員.
4. Readings — a keyword written only in kana that is the reading of a dictionary term
   written with kanji (readings computed with SudachiPy when the dictionary is built, three
   kana or more) matches that term and its groups: かんごし and カンゴシ find 看護師 and ナース.
   A reading that is first of all another everyday word is not kept (サンバ is a dance, not
   産婆; しかい is 司会, not 歯科医; ``HOMOPHONES`` in the build script).
   Only dictionary terms have readings; offer text is never converted.
5. Quoted keywords — a keyword in double quotes ("…", ＂…＂, “…”) or in 「…」 or 『…』 is
   matched exactly: no synonyms, no readings, no close spelling (normalisation and rule 2
   still apply). A lone quote is part of the keyword; empty quotes ("" or 「」) are no keyword.

Which way a keyword was found decides its reason: itself exactly, else (the first, in the
dictionary's order, of) its synonyms or the word it reads exactly, else itself as a close
spelling.

Place (勤務地) — the offer's prefecture is in ``prefecture_codes`` OR its municipality is in
``municipality_codes``; both empty means anywhere.

6. Designated cities — a condition naming a 政令指定都市 by its own code (14100 横浜市, 27100
   大阪市 …) covers every ward of that city (an offer in 14101 横浜市鶴見区); naming a ward
   covers that ward only. Which ward belongs to which city comes from ``matchers.codes``; a
   place the table does not know is only itself.

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

Score (0–100) — 10, plus keywords (10 each found — itself or through a synonym or reading — in
職種, 6 elsewhere, 4 as a close spelling; at most 30), plus 勤務地 (20 municipality, also
through its designated city, 15 prefecture), plus 職種 (20 小分類, 15 中分類,
10 大分類), plus 10 for a requested employment form, plus 10 for a requested wage. Only what
the condition asked for scores, so narrower conditions that still match rank higher.

8. Reasons — Japanese sentences a seeker can read, naming places and occupations by their
   names in ``matchers.codes`` (the bare code only when the table does not know it): which
   keyword was found where — 「キーワード『ナース』が職種にあります」, through a synonym
   「キーワード『ナース』（同じ意味の『看護師』）が職種にあります」, through a reading
   「キーワード『かんごし』（読みが同じ『看護師』）が職種にあります」, or 「キーワード『…』に近い表記が…
   にあります」 — then 「勤務地が希望の市区町村（横浜市）です」 (the municipality the condition
   named: the ward, or the designated city) or 「勤務地が希望の都道府県（神奈川県）です」,
   「職種が希望の職業分類（<the 大分類, 中分類 or 小分類 name>）に当てはまります」, 雇用形態 and 賃金
   (with the monthly conversion when the units differ); a condition that asks for nothing says
   so.

``match`` returns the matches sorted by condition_id (integers before strings);
``match_columns`` groups them by offer and leaves each offer's in the index's order.
"""

from matchers.columns import Columns
from matchers.index import ConditionIndex
from matchers.normalise import normalise
from matchers.parsing import InvalidRecord, parse_condition, parse_job
from matchers.records import Condition, JobOffer, Match
from matchers.reference import ReferenceMatcher

__all__ = [
    "Columns", "Condition", "ConditionIndex", "InvalidRecord", "JobOffer", "Match", "ReferenceMatcher",
    "normalise", "parse_condition", "parse_job",
]

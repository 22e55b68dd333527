"""Hypothesis strategies for job offers and conditions drawn from small pools, so that random
pairs match often and every rule (place and designated cities, occupation, forms, wage,
keywords with long vowels, Latin tokens, synonyms, readings and quotes) is exercised."""

from __future__ import annotations

from hypothesis import strategies as st

from matchers import Condition, JobOffer

# Wards of 横浜市 (14100) and 大阪市 (27100), the cities themselves, and places that are not wards.
MUNICIPALITIES = {"13": ["13101", "13104"], "14": ["14101", "14102", "14100", "14130"], "27": ["27127", "27100"],
                  "47": []}
OFFER_OCCUPATIONS = ["050-01", "050-02", "051-01", "010-01", "099-99"]
CONDITION_OCCUPATIONS = ["050", "050-01", "051", "010-01", "08", "01", "099", "998"]
WAGES = [900, 1000, 1200, 8000, 9600, 160000, 192000, 200000, 250000, None]
WORDS = [
    "介護", "看護", "介護職員", "看護職員", "システムエンジニア", "システムエンジニヤ", "サーバー", "サーバ",
    "ｻｰﾊﾞｰ", "事務", "営業", "Python", "ＰＹＴＨＯＮ", "かんご", "カンゴ", "プログラマー", "ドライバ",
    "経理事務", "医療事務", "エンジニア", "土日休み", "普通自動車第一種運転免許", "介護福祉士", "株式会社",
    "看護福祉士", "ソフトウェア", "ソフトウエア", "データベース", "データベス", "コンピュータ", "コンピューター",
    "プログラム", "エンジニヤ", "ウェブデザイナー", "ウエブデザイナ",
    # long vowels inside and at the end of words
    "ナース", "ボーナス", "ナス", "スーパー", "スパ", "ｽｰﾊﾟｰ", "サーバーエンジニア",
    # Latin tokens and their neighbours
    "SE", "se", "SEIKO", "社内SE", "Java", "JavaScript", "java経験", "house", "nurse", "2級", "12級",
    "C", "C++", "C#", "C/C++", "Excel+Word",
    # words of one or two kana keep their final mark (カー is not カ)
    "カー", "カフェ", "マイカー", "キー", "キッチン", "カバー", "カバ", "ｶｰ",
    # synonyms and readings (matchers/data/job_synonyms.tsv)
    "看護師", "看護婦", "准看護師", "かんごし", "カンゴシ", "けいびいん", "警備員", "ガードマン", "守衛", "介護士",
    "介護スタッフ", "ケアワーカー", "保育士", "ほいくし", "コック", "シェフ", "運転手", "ドライバー", "driver",
    # quoted: exact only
    '"ナース"', "「看護師」", "“SE”", "＂かんごし＂", '"システムエンジニヤ"', '""', "「」",
    # readings that are everyday words are not expanded (サンバ is not 産婆)
    "サンバ", "産婆", "助産師", "しかい", "歯科医",
]
SPACES = [" ", "\u3000", "\n", ""]
# A small alphabet produces near-misses (one character off) that exercise the fuzzy rule.
TYPO_ALPHABET = "システムエンジニアヤ介護看ーサバナスボse "

words = st.one_of(st.sampled_from(WORDS), st.text(alphabet=TYPO_ALPHABET, min_size=1, max_size=11))
texts = st.lists(st.tuples(words, st.sampled_from(SPACES)), max_size=6).map(
    lambda parts: "".join(word + space for word, space in parts))


@st.composite
def job_offers(draw, number: int | None = None) -> JobOffer:
    prefecture = draw(st.sampled_from(sorted(MUNICIPALITIES)))
    wage_type = draw(st.sampled_from(["monthly", "daily", "hourly", None]))
    wage_min = draw(st.sampled_from(WAGES))
    wage_max = draw(st.sampled_from(WAGES)) if wage_min is not None else None
    if wage_max is not None and wage_max < wage_min:
        wage_min, wage_max = wage_max, wage_min
    return JobOffer(
        job_number=f"13010-{draw(st.integers(0, 99_999_999)) if number is None else number:08d}",
        title=draw(texts.filter(str.strip)),
        description=draw(texts),
        employer_name=draw(texts),
        occupation_code=draw(st.sampled_from(OFFER_OCCUPATIONS + [None])),
        prefecture_code=prefecture,
        municipality_code=draw(st.sampled_from(MUNICIPALITIES[prefecture] + [None])),
        employment_form=draw(st.sampled_from([1, 2, 5, 7, None])),
        wage_type=wage_type,
        wage_min=wage_min,
        wage_max=wage_max,
        licenses=tuple(draw(st.lists(words, max_size=2))),
    )


def sometimes(strategy):
    """Mostly nothing: a condition constrains only some dimensions, so random pairs match."""
    return st.one_of(st.just(()), st.just(()), strategy.map(tuple))


@st.composite
def conditions(draw, condition_id) -> Condition:
    all_municipalities = [code for codes in MUNICIPALITIES.values() for code in codes]
    return Condition(
        condition_id=condition_id,
        seeker_id=draw(st.integers(1, 5)),
        kind=draw(st.sampled_from(["registered", "saved"])),
        # Up to 6: the index keeps 4 in its columns and must handle rows that hold more.
        keywords=draw(sometimes(st.lists(words, min_size=1, max_size=6))),
        keyword_mode=draw(st.sampled_from(["and", "or"])),
        exclude_keywords=draw(st.one_of(st.just(()), sometimes(st.lists(words, min_size=1, max_size=5)))),
        prefecture_codes=draw(sometimes(st.lists(st.sampled_from(sorted(MUNICIPALITIES)), min_size=1, max_size=3))),
        municipality_codes=draw(sometimes(st.lists(st.sampled_from(all_municipalities), min_size=1, max_size=3))),
        occupation_codes=draw(sometimes(st.lists(st.sampled_from(CONDITION_OCCUPATIONS), min_size=1, max_size=3))),
        employment_forms=draw(sometimes(st.lists(st.sampled_from([1, 2, 5, 7]), min_size=1, max_size=3))),
        wage_type=draw(st.sampled_from(["monthly", "daily", "hourly", None])),
        wage_min=draw(st.one_of(st.none(), st.sampled_from(WAGES))),
    )


condition_ids = st.one_of(st.integers(0, 40), st.sampled_from(["a", "b", "c-1"]))


@st.composite
def condition_lists(draw, max_size: int = 40) -> list[Condition]:
    ids = draw(st.lists(condition_ids, unique=True, max_size=max_size))
    return [draw(conditions(condition_id)) for condition_id in ids]

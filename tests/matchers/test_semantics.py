"""Every rule of the specification on examples, checked on both matchers: the reference (the
specification) and the index (which must say the same)."""

from __future__ import annotations

import pytest

from matchers import Condition, ConditionIndex, JobOffer, ReferenceMatcher

MATCHERS = [ReferenceMatcher, ConditionIndex]


def offer(**fields) -> JobOffer:
    values = {"job_number": "13010-00000001", "title": "一般事務", "prefecture_code": "13"}
    values.update(fields)
    return JobOffer(**values)


def condition(**fields) -> Condition:
    return Condition(condition_id=1, seeker_id=7, **fields)


def matches(matcher_class, job: JobOffer, *conditions: Condition):
    return matcher_class(conditions).match(job)


def matched(matcher_class, job: JobOffer, cond: Condition) -> bool:
    return bool(matches(matcher_class, job, cond))


@pytest.fixture(params=MATCHERS, ids=["reference", "index"])
def matcher(request):
    return request.param


# -- normalisation -------------------------------------------------------------------------

@pytest.mark.parametrize(("keyword", "title"), [
    ("ＰＹＴＨＯＮ", "Pythonエンジニア"),  # full-width Latin, case
    ("python", "ＰＹＴＨＯＮ開発"),
    ("ｻｰﾊﾞ", "サーバ管理"),  # half-width katakana
    ("さーばー", "サーバー管理"),  # hiragana folded to katakana
    ("かんご", "カンゴ職"),
    ("サーバ", "サーバー運用"),  # long-vowel mark on one side only
    ("サーバー", "サーバ運用"),
    ("コンピューター", "コンピュータ保守"),
    ("ｺﾝﾋﾟｭｰﾀｰ", "コンピュータ保守"),
    ("経理　事務", "経理 事務スタッフ"),  # U+3000 and a space are the same space
    ("経理 事務", "経理\u3000\u3000事務"),
    ("１２３", "123号室の清掃"),  # full-width digits
])
def test_keywords_match_across_normalisation_differences(matcher, keyword, title):
    assert matched(matcher, offer(title=title), condition(keywords=(keyword,)))


def test_a_hyphen_after_latin_text_stays_a_hyphen(matcher):
    assert not matched(matcher, offer(title="B1工場"), condition(keywords=("B-1",)))
    assert matched(matcher, offer(title="B-1工場"), condition(keywords=("B-1",)))


# -- keywords ------------------------------------------------------------------------------

def test_kaigo_never_matches_kango(matcher):
    assert not matched(matcher, offer(title="看護師", description="病棟の看護業務"), condition(keywords=("介護",)))
    assert not matched(matcher, offer(title="介護職"), condition(keywords=("看護",)))


def test_short_near_misses_never_match(matcher):
    assert not matched(matcher, offer(title="看護職員"), condition(keywords=("介護職員",)))
    assert not matched(matcher, offer(title="訪問看護"), condition(keywords=("訪問介護",)))


def test_a_long_keyword_finds_a_close_spelling(matcher):
    job = offer(title="社内SE", description="当社のシステムエンジニアとして基幹系の開発を担当")
    [match] = matches(matcher, job, condition(keywords=("システムエンジニヤ",)))
    assert any("システムエンジニヤ" in reason and "近い" in reason and "仕事内容" in reason for reason in match.reasons)


@pytest.mark.parametrize(("keyword", "title"), [
    ("エンジニヤ", "ネットワークエンジニア"),  # one character off in five
    ("プログラミソグ", "プログラミング講師"),
    ("ウエブデザイナ", "ウェブデザイナー"),  # small ェ, and a long-vowel mark that never counts
    ("訪問看護ステイション", "訪問看護ステーションの看護師"),  # kana slip beside kanji
])
def test_close_spellings_in_kana_match(matcher, keyword, title):
    assert matched(matcher, offer(title=title), condition(keywords=(keyword,)))


@pytest.mark.parametrize(("keyword", "title"), [
    ("訪問介護ステーション", "訪問看護ステーションの看護師"),
    ("介護福祉仕資格", "介護福祉士資格"),
])
def test_a_different_kanji_is_never_a_close_spelling(matcher, keyword, title):
    assert not matched(matcher, offer(title=title), condition(keywords=(keyword,)))


def test_a_close_spelling_needs_enough_characters_in_common(matcher):
    assert not matched(matcher, offer(title="システム管理者"), condition(keywords=("システムエンジニア",)))


def test_an_exact_keyword_reason_names_every_field_it_was_found_in(matcher):
    job = offer(title="介護スタッフ", description="介護業務全般", employer_name="株式会社ケア",
                licenses=("介護福祉士",))
    [match] = matches(matcher, job, condition(keywords=("介護",)))
    assert "キーワード『介護』が職種・仕事内容・免許・資格にあります" in match.reasons


def test_a_keyword_is_not_found_across_two_fields_or_two_licenses(matcher):
    assert not matched(matcher, offer(title="経理", description="事務スタッフ"), condition(keywords=("「経理事務」",)))
    assert not matched(matcher, offer(licenses=("Java", "Script検定")), condition(keywords=("JavaScript",)))
    [match] = matches(matcher, offer(licenses=("Java", "Script検定")), condition(keywords=("Java",)))
    assert "キーワード『Java』が免許・資格にあります" in match.reasons  # the end of a license ends a token


def test_the_employer_name_is_searched(matcher):
    assert matched(matcher, offer(employer_name="さくら運輸株式会社"), condition(keywords=("サクラ運輸",)))


def test_and_needs_every_keyword(matcher):
    job = offer(title="経理事務", description="土日休み")
    assert matched(matcher, job, condition(keywords=("経理", "土日休み")))
    assert not matched(matcher, job, condition(keywords=("経理", "在宅")))


def test_or_needs_one_keyword(matcher):
    job = offer(title="経理事務")
    assert matched(matcher, job, condition(keywords=("在宅", "経理"), keyword_mode="or"))
    assert not matched(matcher, job, condition(keywords=("在宅", "営業"), keyword_mode="or"))


def test_an_excluded_keyword_removes_the_offer(matcher):
    job = offer(title="営業事務", description="ノルマあり")
    assert not matched(matcher, job, condition(keywords=("事務",), exclude_keywords=("ノルマ",)))
    assert matched(matcher, job, condition(keywords=("事務",), exclude_keywords=("夜勤",)))


def test_exclusions_are_exact_not_fuzzy(matcher):
    job = offer(title="システムエンジニア")
    assert matched(matcher, job, condition(exclude_keywords=("システムエンジニヤ",)))
    assert not matched(matcher, job, condition(exclude_keywords=("しすてむ",)))


def test_a_keyword_that_normalises_to_nothing_constrains_nothing(matcher):
    assert matched(matcher, offer(), condition(keywords=("ー", "　"), exclude_keywords=(" ",)))


# -- place ---------------------------------------------------------------------------------

def test_the_prefecture_or_the_municipality_must_be_listed(matcher):
    chiyoda = offer(prefecture_code="13", municipality_code="13101")
    assert matched(matcher, chiyoda, condition(prefecture_codes=("13",)))
    assert matched(matcher, chiyoda, condition(municipality_codes=("13101",)))
    assert matched(matcher, chiyoda, condition(prefecture_codes=("14",), municipality_codes=("13101",)))
    assert not matched(matcher, chiyoda, condition(prefecture_codes=("14",), municipality_codes=("13102",)))
    assert not matched(matcher, offer(prefecture_code="13"), condition(municipality_codes=("13101",)))


def test_no_place_means_anywhere(matcher):
    assert matched(matcher, offer(prefecture_code="47"), condition())


def test_the_place_reason_prefers_the_municipality(matcher):
    [match] = matches(matcher, offer(municipality_code="13101"),
                      condition(prefecture_codes=("13",), municipality_codes=("13101",)))
    assert "勤務地が希望の市区町村（千代田区）です" in match.reasons


# -- occupation ----------------------------------------------------------------------------

def test_a_middle_group_covers_its_small_groups(matcher):
    job = offer(occupation_code="050-01")
    assert matched(matcher, job, condition(occupation_codes=("050",)))
    assert matched(matcher, job, condition(occupation_codes=("050-01",)))
    assert not matched(matcher, job, condition(occupation_codes=("050-02",)))
    assert not matched(matcher, job, condition(occupation_codes=("051",)))


def test_a_major_group_covers_its_middle_groups_through_the_table(matcher):
    from matchers.codes import occupations

    major = occupations().major_of("050")
    assert matched(matcher, offer(occupation_code="050-01"), condition(occupation_codes=(major,)))
    other = next(code for code in occupations().majors if code != major)
    assert not matched(matcher, offer(occupation_code="050-01"), condition(occupation_codes=(other,)))


def test_codes_unknown_to_the_table_still_match_by_prefix(matcher):
    assert matched(matcher, offer(occupation_code="998-77"), condition(occupation_codes=("998",)))


def test_an_offer_without_occupation_fails_a_condition_with_one(matcher):
    assert not matched(matcher, offer(), condition(occupation_codes=("050",)))
    assert matched(matcher, offer(), condition())


# -- employment form -----------------------------------------------------------------------

def test_the_employment_form_must_be_listed(matcher):
    assert matched(matcher, offer(employment_form=5), condition(employment_forms=(5, 6, 7)))
    assert not matched(matcher, offer(employment_form=1), condition(employment_forms=(5, 6, 7)))
    assert not matched(matcher, offer(), condition(employment_forms=(1,)))
    assert matched(matcher, offer(employment_form=2), condition())


# -- wage ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("offer_wage", "condition_wage", "expected"), [
    (("monthly", 200_000, None), ("monthly", 200_000), True),
    (("monthly", 190_000, 210_000), ("monthly", 200_000), True),  # the upper wage counts
    (("monthly", 190_000, None), ("monthly", 200_000), False),
    (("hourly", 1_250, None), ("monthly", 200_000), True),  # 1,250 × 160 = 200,000
    (("hourly", 1_249, None), ("monthly", 200_000), False),
    (("daily", 10_000, None), ("monthly", 200_000), True),  # 10,000 × 20 = 200,000
    (("daily", 9_999, None), ("monthly", 200_000), False),
    (("monthly", 192_000, None), ("hourly", 1_200), True),  # 1,200 × 160 = 192,000
    (("monthly", 191_999, None), ("hourly", 1_200), False),
    (("hourly", 1_500, None), ("daily", 12_000), True),  # 1,500 × 160 = 12,000 × 20
    (("hourly", 1_499, None), ("daily", 12_000), False),
    ((None, 250_000, None), (None, 200_000), True),  # no wage type means monthly
])
def test_wages_are_compared_per_month(matcher, offer_wage, condition_wage, expected):
    wage_type, wage_min, wage_max = offer_wage
    job = offer(wage_type=wage_type, wage_min=wage_min, wage_max=wage_max)
    cond = condition(wage_type=condition_wage[0], wage_min=condition_wage[1])
    assert matched(matcher, job, cond) is expected


def test_an_offer_without_a_wage_fails_a_condition_with_one(matcher):
    assert not matched(matcher, offer(), condition(wage_min=1))
    assert matched(matcher, offer(), condition(wage_type="hourly"))  # a unit alone asks for nothing


def test_the_wage_reason_shows_the_monthly_conversion(matcher):
    [match] = matches(matcher, offer(wage_type="hourly", wage_min=1500), condition(wage_min=200_000))
    assert "賃金（時給 1,500円、月額換算 240,000円）が希望の下限以上です" in match.reasons


# -- score, reasons and the shape of the answer --------------------------------------------

def test_a_narrower_condition_scores_higher(matcher):
    job = offer(title="介護職", municipality_code="13101", occupation_code="050-01", employment_form=1,
                wage_type="monthly", wage_min=250_000)
    broad, narrow = Condition(1, 7), Condition(2, 8, keywords=("介護",), municipality_codes=("13101",),
                                               occupation_codes=("050-01",), employment_forms=(1,), wage_min=200_000)
    by_id = {match.condition_id: match for match in matches(matcher, job, broad, narrow)}
    assert by_id[2].score == 10 + 10 + 20 + 20 + 10 + 10  # base, keyword in 職種, 市区町村, 小分類, form, wage
    assert 0 <= by_id[1].score < by_id[2].score
    assert by_id[1].reasons == ("指定のない条件のため、すべての求人が対象です",)
    assert [reason[:2] for reason in by_id[2].reasons] == ["キー", "勤務", "職種", "雇用", "賃金"]


def test_identical_conditions_of_different_seekers_each_match(matcher):
    job = offer(title="営業")
    answer = matches(matcher, job, Condition(3, 30, keywords=("営業",)), Condition("x", 10, keywords=("営業",)),
                     Condition(1, 20, keywords=("営業",)))
    assert [(m.condition_id, m.seeker_id) for m in answer] == [(1, 20), (3, 30), ("x", 10)]
    assert len({(m.score, m.reasons) for m in answer}) == 1
    assert all(m.job_number == job.job_number for m in answer)


def test_replacing_and_removing_conditions(matcher):
    index = matcher([Condition(1, 7, keywords=("営業",))])
    job = offer(title="営業")
    assert [m.condition_id for m in index.match(job)] == [1]
    index.add(Condition(1, 7, keywords=("経理",)))
    assert index.match(job) == []
    index.add(Condition(2, 8))
    index.remove(2)
    index.remove(99)
    assert index.match(job) == [] and len(index) == 1


def test_conditions_with_many_keywords_and_exclusions(matcher):
    job = offer(title="経理事務", description="土日休み 残業なし 駅近 社会保険完備 賞与あり")
    words = ("経理", "土日休み", "残業なし", "駅近", "社会保険", "賞与")
    assert matched(matcher, job, condition(keywords=words))
    assert not matched(matcher, job, condition(keywords=words[:5] + ("在宅",)))
    assert matched(matcher, job, condition(keywords=("在宅", "営業", "夜勤", "副業", "土木", "賞与"), keyword_mode="or"))
    assert not matched(matcher, job, condition(exclude_keywords=("夜勤", "営業", "土木", "副業", "駅近")))
    assert matched(matcher, job, condition(exclude_keywords=("夜勤", "営業", "土木", "副業", "派遣")))

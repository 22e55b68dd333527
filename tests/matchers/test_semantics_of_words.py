"""Rules 1–6 and 8 of the specification (long vowels, Latin tokens, synonyms, readings, quoted
keywords, designated cities, reasons in a seeker's words), each on examples, on both matchers."""

from __future__ import annotations

import pytest

from tests.matchers.test_semantics import MATCHERS, condition, matched, matches, offer


@pytest.fixture(params=MATCHERS, ids=["reference", "index"])
def matcher(request):
    return request.param


# -- rule 1: the long-vowel mark ----------------------------------------------------------

@pytest.mark.parametrize(("keyword", "title"), [
    ("サーバ", "サーバー管理"), ("サーバー", "サーバ管理"), ("ｻｰﾊﾞｰ", "サーバ管理"), ("さーばー", "サーバーの保守"),
    ("サーバ", "サーバーエンジニア"),  # a prefix of the longer word
    ("コンピュータ", "コンピューター保守"), ("コンピューター", "コンピュータ保守"),
    ("スーパー", "スーパーの品出し"), ("スーパ", "スーパー店員"),
    ("ナース", "ナース募集"),
    ("ボールペン", "ボ-ルペンの検品"),  # a hyphen typed for ー inside a word
])
def test_a_long_vowel_mark_ending_a_word_is_optional(matcher, keyword, title):
    assert matched(matcher, offer(title=title), condition(keywords=(keyword,)))


@pytest.mark.parametrize(("keyword", "title"), [
    ("ナース", "賞与（ボーナス）年2回"),  # ナース is not ナス, so not in ボーナス
    ("ナス", "ナース募集"),
    ("スパ", "スーパーの品出し"),  # スーパー is not スパ
    ("スーパー", "スパの受付"),
    ("コーチ", "コチ料理店"),
])
def test_a_long_vowel_mark_inside_a_word_is_a_letter_of_it(matcher, keyword, title):
    assert not matched(matcher, offer(title=title, description=title), condition(keywords=(keyword,)))


@pytest.mark.parametrize(("keyword", "title"), [
    ("カー", "カフェスタッフ"), ("キー", "キッチンスタッフ"), ("カバー", "カバの飼育員"), ("ツアー", "ツアコン"),
    ("コピー", "コピペ作業"), ("ｷｰ", "キャスト募集"),
])
def test_a_word_of_one_or_two_kana_keeps_its_final_mark(matcher, keyword, title):
    # 外来語の表記 (JIS Z 8301): only words of three kana or more drop a final ー (サーバ, コンピュータ);
    # カー, キー and カバー are always written with it, and without it are other words or none.
    assert not matched(matcher, offer(title=title, description=title), condition(keywords=(keyword,)))


@pytest.mark.parametrize(("keyword", "title"), [
    ("カー", "カー用品の販売"), ("カー", "カーディーラー"), ("キー", "キーパンチャー"), ("ｶｰ", "カー用品"),
    ("カバー", "カバー工事"), ("ツアー", "ツアーガイド"), ("シャワー", "シャワ室清掃"), ("コピー", "コピー機の営業"),
])
def test_a_short_word_with_its_mark_still_finds_itself(matcher, keyword, title):
    assert matched(matcher, offer(title=title), condition(keywords=(keyword,)))


@pytest.mark.parametrize(("keyword", "title"), [
    ("カバー", "車のカバー交換"), ("データの入力", "データーの入力作業"), ("コンピュータの修理", "コンピューターの修理"),
    ("サーバーを管理", "サーバを管理する仕事"),
])
def test_a_katakana_word_ends_where_hiragana_starts(matcher, keyword, title):
    assert matched(matcher, offer(title=title), condition(keywords=(keyword,)))


def test_an_excluded_keyword_follows_the_long_vowel_rule_too(matcher):
    assert matched(matcher, offer(title="事務", description="ボーナスあり"), condition(exclude_keywords=("ナース",)))


# -- rule 2: Latin letters and digits are whole tokens ----------------------------------

@pytest.mark.parametrize(("keyword", "title"), [
    ("SE", "社内SE"), ("SE", "SE（システムエンジニア）"), ("se", "社内ＳＥ募集"), ("SE", "SE/PG"),
    ("Java", "Java経験者歓迎"), ("java", "言語: Java, Python"), ("Excel", "MS-Excelでの集計"),
    ("PHP", "PHPエンジニア"), ("2", "第2工場"),
])
def test_a_latin_keyword_finds_a_whole_token(matcher, keyword, title):
    assert matched(matcher, offer(title=title), condition(keywords=(keyword,)))


@pytest.mark.parametrize(("keyword", "title"), [
    ("SE", "SEIKO製品の検査"), ("SE", "house cleaning"), ("Java", "JavaScriptエンジニア"),
    ("C", "CAD オペレーター"), ("PHP", "PHP8の開発"), ("2", "第12工場"), ("Word", "WordPressのサイト運用"),
])
def test_a_latin_keyword_never_finds_part_of_a_longer_token(matcher, keyword, title):
    assert not matched(matcher, offer(title=title, description=title), condition(keywords=(keyword,)))


def test_a_close_spelling_of_a_latin_keyword_is_a_whole_token_too(matcher):
    assert matched(matcher, offer(title="Pyhton開発"), condition(keywords=("python",)))
    assert not matched(matcher, offer(title="Pyhtonista募集"), condition(keywords=("python",)))


def test_a_latin_edge_of_a_mixed_keyword_meets_a_boundary(matcher):
    assert matched(matcher, offer(title="2級建築士"), condition(keywords=("2級",)))
    assert not matched(matcher, offer(title="12級"), condition(keywords=("2級",)))
    assert not matched(matcher, offer(title="社員SEIKO"), condition(keywords=("社員SE",)))


@pytest.mark.parametrize("title", ["C++開発", "C#でのアプリ開発", "F#"])
def test_a_language_named_with_plus_plus_or_sharp_is_another_token(matcher, title):
    keyword = title[0]  # C is not C++ or C#, F is not F#
    assert not matched(matcher, offer(title=title, description=title), condition(keywords=(keyword,)))


@pytest.mark.parametrize(("keyword", "title"), [
    ("C", "C言語"), ("C", "C/C++"), ("C++", "C++開発"), ("C#", "C#開発"), ("Excel", "Excel+Word"),
])
def test_a_single_plus_or_a_language_name_still_ends_a_token(matcher, keyword, title):
    assert matched(matcher, offer(title=title), condition(keywords=(keyword,)))


def test_excluded_latin_keywords_are_whole_tokens(matcher):
    job = offer(title="JavaScriptエンジニア")
    assert matched(matcher, job, condition(exclude_keywords=("Java",)))
    assert not matched(matcher, job, condition(exclude_keywords=("JavaScript",)))


# -- rule 3: synonyms ---------------------------------------------------------------------

@pytest.mark.parametrize(("keyword", "title"), [
    ("ナース", "看護師（病棟）"), ("看護師", "ナース募集"), ("nurse", "看護婦"), ("看護婦", "正看護師"),
    ("准看", "准看護師"), ("ガードマン", "施設警備員"), ("守衛", "警備員"), ("警備員", "守衛室勤務"),
    ("運転手", "配送ドライバー"), ("driver", "トラック運転手"), ("ドライバー", "送迎の運転者"),
    ("programmer", "プログラマー"), ("SE", "システムエンジニア"), ("システムエンジニア", "社内SE"),
    ("事務職員", "事務員"), ("介護スタッフ", "介護職員"), ("ケアワーカー", "介護士"), ("介護士", "ケアワーカー募集"),
    ("保母", "保育士"), ("保父", "保育士"), ("コック", "フレンチのシェフ"), ("シェフ", "調理人"), ("料理人", "コック見習い"),
    ("販売スタッフ", "販売員"), ("清掃スタッフ", "ビル清掃員"), ("ファーマシスト", "薬剤師"),
    ("ケアマネ", "介護支援専門員"), ("ホームヘルパー", "訪問介護員"),
])
def test_a_keyword_finds_its_synonyms(matcher, keyword, title):
    assert matched(matcher, offer(title=title), condition(keywords=(keyword,)))


@pytest.mark.parametrize(("keyword", "title"), [
    ("介護士", "看護師"), ("看護師", "介護職員"), ("ナース", "介護スタッフ"), ("介護スタッフ", "ナース"),
    ("アシスタント", "臨床検査技師"), ("エンジニア", "診療放射線技師"), ("販売員", "営業マン"), ("調理員", "シェフ"),
    ("准看護師", "看護師"),  # the narrower word does not find the broader one
    ("看護", "ナース"),  # only a keyword equal to a term expands
])
def test_synonyms_never_join_different_jobs(matcher, keyword, title):
    assert not matched(matcher, offer(title=title), condition(keywords=(keyword,)))


@pytest.mark.parametrize(("keyword", "title"), [
    ("潜水士", "ダイバーシティ推進企業の事務"), ("diver", "ダイバーシティ推進"), ("coder", "ドライブレコーダーの取付"),
])
def test_a_synonym_that_is_mostly_part_of_other_words_is_not_in_the_dictionary(matcher, keyword, title):
    # ダイバー is in every ダイバーシティ, コーダー in レコーダー and エンコーダー
    assert not matched(matcher, offer(title=title), condition(keywords=(keyword,)))


def test_synonyms_are_found_only_by_exact_containment(matcher):
    # システムエンジニヤ is a close spelling of the keyword's own synonym, not of the keyword.
    assert not matched(matcher, offer(title="システムエンジニヤ"), condition(keywords=("SE",)))
    assert matched(matcher, offer(title="システムエンジニヤ"), condition(keywords=("システムエンジニア",)))


def test_synonyms_follow_the_token_rule(matcher):
    assert not matched(matcher, offer(title="セキュリティ事業部"), condition(keywords=("システムエンジニア",)))
    assert not matched(matcher, offer(title="SEIKO時計の販売"), condition(keywords=("システムエンジニア",)))


def test_an_excluded_keyword_excludes_its_synonyms(matcher):
    job = offer(title="施設警備員")
    assert not matched(matcher, job, condition(exclude_keywords=("ガードマン",)))
    assert not matched(matcher, offer(title="病棟のナース"), condition(exclude_keywords=("看護師",)))
    assert matched(matcher, job, condition(exclude_keywords=("看護師",)))


def test_or_and_and_count_a_synonym_as_the_keyword(matcher):
    job = offer(title="ナース", description="夜勤なし")
    assert matched(matcher, job, condition(keywords=("看護師", "夜勤なし")))
    assert matched(matcher, job, condition(keywords=("保育士", "看護師"), keyword_mode="or"))
    assert not matched(matcher, job, condition(keywords=("保育士", "看護師")))


# -- rule 4: readings ---------------------------------------------------------------------

@pytest.mark.parametrize(("keyword", "title"), [
    ("かんごし", "看護師"), ("カンゴシ", "看護師"), ("かんごし", "ナース"), ("ｶﾝｺﾞｼ", "看護師"),
    ("けいびいん", "警備員"), ("けいびいん", "ガードマン"), ("ほいくし", "保育士"), ("やくざいし", "薬剤師"),
    ("じむいん", "事務員"), ("うんてんしゅ", "運転手"), ("ちょうりにん", "コック"),
])
def test_a_kana_keyword_finds_the_kanji_word_it_reads_and_its_group(matcher, keyword, title):
    assert matched(matcher, offer(title=title), condition(keywords=(keyword,)))


def test_only_dictionary_words_get_readings(matcher):
    assert not matched(matcher, offer(title="経理"), condition(keywords=("けいり",)))  # not a dictionary term
    assert not matched(matcher, offer(title="看護師"), condition(keywords=("かんご",)))  # not a reading of a term


def test_an_excluded_kana_keyword_excludes_the_word_it_reads(matcher):
    assert not matched(matcher, offer(title="警備員"), condition(exclude_keywords=("けいびいん",)))


@pytest.mark.parametrize(("keyword", "title"), [
    ("サンバ", "助産師"), ("しかい", "歯科医師"), ("かいいん", "船員"), ("こういん", "銀行員"), ("かんり", "公務員"),
])
def test_a_reading_that_is_also_an_everyday_word_is_not_expanded(matcher, keyword, title):
    # サンバ is a dance before it is 産婆, しかい is 司会, かいいん 会員, こういん 工員, かんり 管理
    assert not matched(matcher, offer(title=title), condition(keywords=(keyword,)))


def test_readings_are_not_close_spellings(matcher):
    assert not matched(matcher, offer(title="看護師"), condition(keywords=("かんごしい",)))


# -- rule 5: quoted keywords are exact ----------------------------------------------------

@pytest.mark.parametrize("quoted", ['"ナース"', "＂ナース＂", "“ナース”", "「ナース」", "『ナース』"])
def test_a_quoted_keyword_has_no_synonyms(matcher, quoted):
    assert not matched(matcher, offer(title="看護師"), condition(keywords=(quoted,)))
    assert matched(matcher, offer(title="ナース"), condition(keywords=(quoted,)))


def test_a_quoted_keyword_has_no_reading_and_no_close_spelling(matcher):
    assert not matched(matcher, offer(title="看護師"), condition(keywords=("「かんごし」",)))
    assert not matched(matcher, offer(title="システムエンジニア"), condition(keywords=('"システムエンジニヤ"',)))
    assert matched(matcher, offer(title="システムエンジニア"), condition(keywords=("システムエンジニヤ",)))


def test_a_quoted_keyword_is_still_normalised_and_a_whole_token(matcher):
    assert matched(matcher, offer(title="サーバー管理"), condition(keywords=('"さーばー"',)))
    assert not matched(matcher, offer(title="SEIKO"), condition(keywords=('"SE"',)))


def test_a_quoted_exclusion_excludes_only_itself(matcher):
    assert matched(matcher, offer(title="施設警備員"), condition(exclude_keywords=("「ガードマン」",)))


def test_the_reason_shows_a_quoted_keyword_without_its_quotes(matcher):
    [match] = matches(matcher, offer(title="ナース"), condition(keywords=("「ナース」",)))
    assert "キーワード『ナース』が職種にあります" in match.reasons


@pytest.mark.parametrize("empty", ['""', "「」", "『』", "＂＂", "“”"])
def test_empty_quotes_are_no_keyword(matcher, empty):
    assert matched(matcher, offer(title="一般事務"), condition(keywords=(empty,)))
    assert matched(matcher, offer(title="一般事務"), condition(keywords=(empty, "事務")))


def test_a_lone_quote_is_part_of_the_keyword(matcher):
    assert not matched(matcher, offer(title="ナース"), condition(keywords=('"ナース',)))


# -- rule 6: designated cities ------------------------------------------------------------

@pytest.mark.parametrize(("city", "ward"), [("14100", "14101"), ("14100", "14118"), ("27100", "27127"), ("01100", "01101")])
def test_a_designated_city_covers_each_of_its_wards(matcher, city, ward):
    assert matched(matcher, offer(prefecture_code=ward[:2], municipality_code=ward), condition(municipality_codes=(city,)))


def test_a_ward_covers_only_itself(matcher):
    assert not matched(matcher, offer(prefecture_code="14", municipality_code="14102"), condition(municipality_codes=("14101",)))
    assert not matched(matcher, offer(prefecture_code="14", municipality_code="14100"), condition(municipality_codes=("14101",)))
    assert matched(matcher, offer(prefecture_code="14", municipality_code="14101"), condition(municipality_codes=("14101",)))


def test_a_designated_city_does_not_cover_other_places(matcher):
    assert not matched(matcher, offer(prefecture_code="14", municipality_code="14130"), condition(municipality_codes=("14100",)))
    assert not matched(matcher, offer(prefecture_code="27", municipality_code="27127"), condition(municipality_codes=("14100",)))
    assert not matched(matcher, offer(prefecture_code="14"), condition(municipality_codes=("14100",)))


def test_a_city_match_scores_as_a_municipality(matcher):
    job = offer(prefecture_code="14", municipality_code="14101")
    [by_city] = matches(matcher, job, condition(municipality_codes=("14100",)))
    [by_ward] = matches(matcher, job, condition(municipality_codes=("14101",)))
    [by_prefecture] = matches(matcher, job, condition(prefecture_codes=("14",)))
    assert by_city.score == by_ward.score > by_prefecture.score


# -- rule 8: reasons in a seeker's words --------------------------------------------------

def test_a_synonym_reason_names_the_keyword_and_the_word_found(matcher):
    [match] = matches(matcher, offer(title="看護師"), condition(keywords=("ナース",)))
    assert match.reasons[0] == "キーワード『ナース』（同じ意味の『看護師』）が職種にあります"


def test_a_reading_reason_names_the_word_read(matcher):
    [match] = matches(matcher, offer(title="准看護師", description="看護師"), condition(keywords=("かんごし",)))
    assert match.reasons[0] == "キーワード『かんごし』（読みが同じ『看護師』）が職種・仕事内容にあります"


def test_the_keyword_itself_is_named_before_its_synonyms(matcher):
    [match] = matches(matcher, offer(title="看護師", description="ナース"), condition(keywords=("ナース",)))
    assert match.reasons[0] == "キーワード『ナース』が仕事内容にあります"


def test_a_synonym_scores_as_the_keyword_itself(matcher):
    [by_synonym] = matches(matcher, offer(title="看護師"), condition(keywords=("ナース",)))
    [by_itself] = matches(matcher, offer(title="ナース"), condition(keywords=("ナース",)))
    assert by_synonym.score == by_itself.score


def test_the_place_reasons_name_the_places(matcher):
    ward = offer(prefecture_code="14", municipality_code="14101")
    [match] = matches(matcher, ward, condition(municipality_codes=("14100",)))
    assert match.reasons == ("勤務地が希望の市区町村（横浜市）です",)
    [match] = matches(matcher, ward, condition(municipality_codes=("14100", "14101")))
    assert match.reasons == ("勤務地が希望の市区町村（横浜市鶴見区）です",)
    [match] = matches(matcher, ward, condition(prefecture_codes=("14",)))
    assert match.reasons == ("勤務地が希望の都道府県（神奈川県）です",)


def test_the_occupation_reason_names_the_official_group(matcher):
    from matchers.codes import occupations

    table = occupations()
    job = offer(occupation_code="050-01")
    [match] = matches(matcher, job, condition(occupation_codes=("050",)))
    assert match.reasons == (f"職種が希望の職業分類（{table.middle('050').name}）に当てはまります",)
    major = table.major_of("050")
    [match] = matches(matcher, job, condition(occupation_codes=(major,)))
    assert match.reasons == (f"職種が希望の職業分類（{table.major_name(major)}）に当てはまります",)


def test_a_code_the_table_does_not_know_is_shown_as_the_code(matcher):
    [match] = matches(matcher, offer(occupation_code="998-77"), condition(occupation_codes=("998",)))
    assert match.reasons == ("職種が希望の職業分類（998）に当てはまります",)

"""The index's own mechanisms, each on the case that would break it: the n-gram lower bound of a
close spelling, rows with more keywords than their columns hold, removals from a shared body,
and probes for synonyms and readings."""

from __future__ import annotations

from matchers import Condition, ConditionIndex, JobOffer, ReferenceMatcher
from matchers.index import _COLUMNS, TERM_SLOTS, gram_threshold


def offer(title: str, description: str = "") -> JobOffer:
    return JobOffer(job_number="13010-00000001", title=title, description=description, prefecture_code="13")


def ids(matcher, job: JobOffer) -> list:
    return [match.condition_id for match in matcher.match(job)]


def both(conditions: list[Condition]):
    return ReferenceMatcher(conditions), ConditionIndex(conditions)


def test_a_close_spelling_sharing_a_single_bigram_with_the_keyword_is_found():
    # アカイエオ is a close spelling of アイウエオ (LCS 4 of 5, ratio 80) that keeps only the bigram
    # エオ: the n-gram bound must let a 5-character keyword through with one bigram of four.
    assert gram_threshold(5) <= 1
    reference, index = both([Condition(1, 1, keywords=("アイウエオ",))])
    assert ids(reference, offer("アカイエオ")) == ids(index, offer("アカイエオ")) == [1]


def test_the_n_gram_bound_holds_for_every_length_on_the_worst_case_spelling():
    # m − L insertions and m − L deletions, each breaking bigrams no other one breaks: a close
    # spelling keeping only (m − 1) − 3(m − L) of the keyword's bigrams.
    for length in range(4, 16):
        keyword = "".join(chr(0x30A2 + 2 * i) for i in range(length))  # ア イ ウ … distinct kana
        slips = length - -(-4 * length // 5)  # m − ⌈0.8·m⌉
        run = []
        for position, character in enumerate(keyword):
            block, offset = divmod(position, 3)
            if block < slips and offset == 1:
                run.append("ン")  # an insertion inside bigram 3·block
            if block < slips and offset == 2:
                continue  # a deletion breaking the two bigrams around it
            run.append(character)
        job = offer("".join(run))
        reference, index = both([Condition(1, 1, keywords=(keyword,))])
        assert ids(reference, job) == [1], (length, job.title)
        assert ids(index, job) == [1], (length, job.title)


def test_an_and_list_of_exactly_one_more_keyword_than_the_columns_hold_needs_the_last_one():
    words = ["経理", "土日休み", "駅近", "賞与", "在宅"]
    assert len(words) == TERM_SLOTS + 1
    job = offer("経理事務", "土日休み 駅近 賞与あり")
    reference, index = both([Condition(1, 1, keywords=tuple(words)),
                             Condition(2, 1, keywords=tuple(words[:4] + ["残業なし"]), keyword_mode="or")])
    assert ids(reference, job) == ids(index, job) == [2]


def test_an_exclusion_list_of_exactly_one_more_keyword_than_the_columns_hold_checks_the_last_one():
    job = offer("経理事務", "土日休み 駅近 賞与あり")
    excluded = ("夜勤", "営業", "土木", "副業", "賞与")
    assert len(excluded) == TERM_SLOTS + 1
    reference, index = both([Condition(1, 1, exclude_keywords=excluded),
                             Condition(2, 1, exclude_keywords=excluded[:4] + ("派遣",))])
    assert ids(reference, job) == ids(index, job) == [2]


def test_a_condition_removed_from_a_body_shared_by_several_is_no_longer_matched():
    shared = dict(keywords=("営業",), prefecture_codes=("13",))
    index = ConditionIndex([Condition(1, 10, **shared), Condition(2, 20, **shared), Condition(3, 30, **shared)])
    job = offer("営業")
    assert ids(index, job) == [1, 2, 3]  # the shared row's ids are now cached
    index.remove(2)
    assert ids(index, job) == [1, 3]
    index.remove(3)  # one member left
    assert ids(index, job) == [1]
    assert [match.seeker_id for match in index.match(job)] == [10]
    index.add(Condition(4, 40, **shared))
    assert ids(index, job) == [1, 4]


def test_a_keyword_is_found_through_its_synonyms_and_readings_after_incremental_adds():
    index = ConditionIndex([Condition(1, 1, keywords=("営業",))])
    index.match(offer("営業"))  # postings merged: the next terms land in pending buffers
    index.add(Condition(2, 1, keywords=("ナース",)))
    index.add(Condition(3, 1, keywords=("かんごし",)))
    index.add(Condition(4, 1, exclude_keywords=("ガードマン",)))
    assert ids(index, offer("看護師")) == [2, 3, 4]
    assert ids(index, offer("警備員")) == []


def test_an_index_built_from_prepared_bodies_is_the_index_built_from_conditions():
    """``from_bodies`` (the worker's loader), the constructor (both staged, the fan-out worked out
    at the end) and adding one by one build the same rows and columns, with replacements and
    shared bodies."""
    from matchers.rules import prepare, prepare_fields

    conditions = [
        Condition(1, 10, keywords=("介護", "夜勤"), prefecture_codes=("13",)),
        Condition(2, 11, keywords=("ナース",), keyword_mode="or", occupation_codes=("021",)),
        Condition(3, 12, keywords=("介護", "夜勤"), prefecture_codes=("13",)),  # shares 1's body
        Condition(4, 13, exclude_keywords=("派遣",), employment_forms=(1, 2), wage_type="hourly", wage_min=1200),
        Condition(1, 10, keywords=("看護",), municipality_codes=("14100",)),  # replaces 1
    ]
    built = ConditionIndex(conditions)
    loaded = ConditionIndex.from_bodies((c.condition_id, c.seeker_id, prepare(c)) for c in conditions)
    added = ConditionIndex()  # one add at a time: every column written as it goes, nothing staged
    for condition in conditions:
        added.add(condition)

    for index in (loaded, added):
        assert index._bodies == built._bodies and index._members == built._members
        for name in _COLUMNS:
            assert (index._col(name)[:4] == built._col(name)[:4]).all(), name
    assert prepare_fields(("介護",), "and", (), ("13",), (), (), (), None, None) == prepare(
        Condition(9, 9, keywords=("介護",), prefecture_codes=("13",)))
    offer = JobOffer(job_number="13010-00000001", title="看護師", prefecture_code="14",
                     municipality_code="14101")
    assert loaded.match(offer) == built.match(offer) and [m.condition_id for m in built.match(offer)] == [1]


def test_the_row_records_start_on_a_cache_line_as_they_grow():
    # A 64-byte record is one cache line only if the array starts on one; numpy's own large
    # allocations start 16 bytes into a line, so every record would straddle two.
    index = ConditionIndex()
    for n in range(3000):  # past the first 1024 rows and two doublings
        index.add(Condition(n, n, prefecture_codes=("13",), wage_type="monthly", wage_min=100_000 + n))
    assert index._rows.data.ctypes.data % 64 == 0 and len(index._rows.data) >= 3000
    built = ConditionIndex([Condition(n, n, prefecture_codes=("13",), wage_min=100_000 + n) for n in range(5000)])
    assert built._rows.data.ctypes.data % 64 == 0

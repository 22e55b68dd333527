"""Parsing login e-mail addresses and birth dates (西暦)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from worker.domain.errors import InvalidInput
from worker.services.inputs import normalize_email, parse_birth_date

TODAY = date(2025, 6, 10)


def test_an_address_is_trimmed_and_lower_cased():
    assert normalize_email("  Taro.Yamada@Example.JP ") == "taro.yamada@example.jp"


@pytest.mark.parametrize("email", [
    "taro", "taro@", "@example.jp", "taro@example", "taro@@example.jp", "taro yamada@example.jp",
    "taro..yamada@example.jp", ".taro@example.jp", "taro@-example.jp", "taro@example.j", "a" * 65 + "@example.jp",
])
def test_a_malformed_address_is_refused_in_japanese(email):
    with pytest.raises(InvalidInput) as raised:
        normalize_email(email)
    assert raised.value.message == "メールアドレスの形式が正しくありません。"
    assert raised.value.field == "email"


def test_an_address_with_full_width_characters_is_refused_naming_them():
    with pytest.raises(InvalidInput, match="全角文字"):
        normalize_email("ｔａｒｏ＠example.jp")


def test_a_missing_address_is_refused():
    for value in (None, "", "   ", 42):
        with pytest.raises(InvalidInput, match="メールアドレスを入力してください"):
            normalize_email(value)


@given(st.from_regex(r"[a-z0-9]{1,20}(\.[a-z0-9]{1,10})?@[a-z0-9]{1,20}\.(jp|com|ne\.jp|co\.jp)", fullmatch=True))
def test_ordinary_addresses_are_accepted(email):
    assert normalize_email(email.upper()) == email


def test_a_birth_date_may_be_a_date_or_iso_text():
    assert parse_birth_date(date(1990, 4, 1), today=TODAY) == date(1990, 4, 1)
    assert parse_birth_date("1990-04-01", today=TODAY) == date(1990, 4, 1)
    assert parse_birth_date(datetime(1990, 4, 1, 12, 0), today=TODAY) == date(1990, 4, 1)


def test_a_birth_date_in_the_future_is_refused():
    with pytest.raises(InvalidInput) as raised:
        parse_birth_date("2025-06-11", today=TODAY)
    assert raised.value.message == "生年月日に未来の日付は入力できません。"
    assert raised.value.field == "birth_date"
    assert parse_birth_date("2025-06-10", today=TODAY) == TODAY


@pytest.mark.parametrize("text", ["1990/04/01", "19900401", "H2-04-01", "90-04-01", "1990-4-1"])
def test_a_birth_date_not_in_western_iso_form_is_refused(text):
    with pytest.raises(InvalidInput, match="西暦"):
        parse_birth_date(text, today=TODAY)


def test_a_birth_date_with_full_width_digits_is_refused_naming_them():
    with pytest.raises(InvalidInput, match="半角数字"):
        parse_birth_date("１９９０-０４-０１", today=TODAY)


def test_a_birth_date_that_does_not_exist_is_refused():
    with pytest.raises(InvalidInput, match="存在しない日付"):
        parse_birth_date("1990-02-30", today=TODAY)


def test_a_birth_date_before_1900_or_missing_is_refused():
    with pytest.raises(InvalidInput):
        parse_birth_date("1899-12-31", today=TODAY)
    with pytest.raises(InvalidInput, match="生年月日を入力してください"):
        parse_birth_date(None, today=TODAY)

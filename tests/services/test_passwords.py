"""The leaflet's password policy, and how passwords are stored."""

from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st

from worker.services.passwords import (
    SYMBOLS,
    hash_password,
    needs_rehash,
    validate_password,
    verify_password,
)

ALLOWED = string.digits + string.ascii_letters + SYMBOLS


def test_the_leaflets_example_is_accepted():
    assert validate_password("@abcd1234") == []


def test_eight_and_thirty_two_characters_are_accepted():
    assert validate_password("a1@" + "b" * 5) == []
    assert validate_password("a1@" + "b" * 29) == []


def test_seven_characters_are_refused_with_the_length_rule():
    problems = validate_password("a1@bcde")
    assert problems == ["パスワードは8文字以上32文字以内で入力してください（現在7文字）。"]


def test_a_33_character_password_is_refused_with_the_length_rule():
    problems = validate_password("a1@" + "b" * 30)
    assert problems == ["パスワードは8文字以上32文字以内で入力してください（現在33文字）。"]


def test_an_empty_password_is_refused():
    assert validate_password("") == ["パスワードを入力してください。"]
    assert validate_password(None) == ["パスワードを入力してください。"]


def test_each_missing_kind_is_named():
    assert validate_password("abcdefgh1") == ["半角の数字・英字・記号の3種類をすべて組み合わせてください（不足: 記号）。"]
    assert validate_password("abcdefgh@") == ["半角の数字・英字・記号の3種類をすべて組み合わせてください（不足: 数字）。"]
    assert validate_password("12345678@") == ["半角の数字・英字・記号の3種類をすべて組み合わせてください（不足: 英字）。"]
    assert validate_password("abcdefghi") == ["半角の数字・英字・記号の3種類をすべて組み合わせてください（不足: 数字・記号）。"]


def test_full_width_characters_are_named_as_the_problem():
    problems = validate_password("＠ａｂｃｄ１２３４")
    assert "全角文字は使用できません。半角の数字・英字・記号で入力してください。" in problems
    assert validate_password("@abcd1234あ") == ["全角文字は使用できません。半角の数字・英字・記号で入力してください。"]


def test_symbols_outside_the_list_and_spaces_are_refused():
    for char in "!$^_~ ,'\"[]{}|\\`":
        problems = validate_password("@abcd1234" + char)
        assert problems == [
            "使用できない文字が含まれています。使用できる記号は @#%&()*+-./:;<=>? です（空白は使用できません）。"
        ], char


def test_every_listed_symbol_counts_as_a_symbol():
    for char in SYMBOLS:
        assert validate_password(f"abcd1234{char}") == [], char


def test_messages_never_repeat_the_password():
    password = "secretPW!!ＸＹ"
    assert not any("secretPW" in p or "ＸＹ" in p for p in validate_password(password))


@st.composite
def valid_passwords(draw) -> str:
    required = [draw(st.sampled_from(string.digits)), draw(st.sampled_from(string.ascii_letters)),
                draw(st.sampled_from(SYMBOLS))]
    rest = draw(st.lists(st.sampled_from(ALLOWED), min_size=5, max_size=29))
    return "".join(draw(st.permutations(required + rest)))


@given(valid_passwords())
def test_generated_passwords_that_follow_the_policy_are_accepted(password):
    assert validate_password(password) == []


@given(valid_passwords(), st.characters().filter(lambda c: c not in ALLOWED), st.integers(min_value=0))
def test_any_character_outside_the_allowed_set_is_refused(password, intruder, position):
    position %= len(password) + 1
    assert validate_password(password[:position] + intruder + password[position:]) != []


@given(st.text(alphabet=ALLOWED, min_size=33, max_size=80))
def test_any_password_longer_than_32_characters_is_refused(password):
    assert any("32文字以内" in p for p in validate_password(password))


@given(st.text(alphabet=st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E), min_size=1, max_size=10))
def test_full_width_forms_of_allowed_characters_are_always_reported(full_width):
    assert "全角文字は使用できません。半角の数字・英字・記号で入力してください。" in validate_password("@abcd1234" + full_width)


@given(st.text(alphabet=st.sampled_from(string.ascii_letters + SYMBOLS), min_size=8, max_size=32))
def test_a_password_without_digits_is_refused(password):
    assert validate_password(password) != []


def test_a_hashed_password_verifies_and_a_wrong_one_does_not():
    stored = hash_password("@abcd1234")
    assert stored.startswith("scrypt$")
    assert "@abcd1234" not in stored
    assert verify_password("@abcd1234", stored)
    assert not verify_password("@abcd1235", stored)


def test_two_hashes_of_one_password_differ_by_their_salt():
    assert hash_password("@abcd1234") != hash_password("@abcd1234")


def test_a_malformed_or_missing_hash_matches_nothing():
    assert not verify_password("@abcd1234", None)
    assert not verify_password("@abcd1234", "")
    assert not verify_password("@abcd1234", "plain$text")
    assert not verify_password("@abcd1234", "scrypt$16384$8$1$!!!$!!!")


def test_the_hash_records_its_parameters_so_old_ones_can_be_recognised():
    stored = hash_password("@abcd1234")
    assert not needs_rehash(stored)
    scheme, n, r, p, salt, digest = stored.split("$")
    weaker = "$".join([scheme, "1024", r, p, salt, digest])
    assert needs_rehash(weaker)

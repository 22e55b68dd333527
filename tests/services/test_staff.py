"""Staff accounts: argon2 hashes, names and passwords checked, roles ordered, a disabled
account cannot log in, an unknown name costs one hash verification like a known one."""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime

import pytest

from worker.domain.errors import InvalidInput, NotFound
from worker.services.staff import add_staff, authenticate, disable_staff, list_staff, role_allows

NOW = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
PASSWORD = "a-long-password"


def test_the_password_is_kept_as_an_argon2id_hash(session):
    account = add_staff(session, name="tanaka", role="operator", password=PASSWORD, now=NOW)
    assert account.password_hash.startswith("$argon2id$") and PASSWORD not in account.password_hash


def test_the_right_password_logs_in_and_a_wrong_one_does_not(session):
    add_staff(session, name="tanaka", role="viewer", password=PASSWORD, now=NOW)
    assert authenticate(session, name="tanaka", password=PASSWORD, now=NOW).last_login_at == NOW
    assert authenticate(session, name="tanaka", password=PASSWORD + "x", now=NOW) is None
    assert authenticate(session, name="nobody", password=PASSWORD, now=NOW) is None


def test_an_unknown_name_costs_one_hash_verification_like_a_known_one(session):
    add_staff(session, name="tanaka", role="viewer", password=PASSWORD, now=NOW)

    def median_s(name: str) -> float:
        times = []
        for _ in range(5):
            started = time.perf_counter()
            authenticate(session, name=name, password="wrong-password", now=NOW)
            times.append(time.perf_counter() - started)
        return statistics.median(times)

    median_s("nobody")  # the dummy hash is made once, on first use
    ratio = median_s("nobody") / median_s("tanaka")
    assert 0.5 < ratio < 2, f"unknown/known verification time ratio {ratio:.2f}"


def test_a_disabled_account_cannot_log_in_even_with_its_password(session):
    add_staff(session, name="tanaka", role="admin", password=PASSWORD, now=NOW)
    disable_staff(session, name="tanaka", now=NOW)
    assert authenticate(session, name="tanaka", password=PASSWORD, now=NOW) is None
    assert disable_staff(session, name="tanaka", now=datetime(2027, 1, 1, tzinfo=UTC)).disabled_at == NOW


def test_names_are_unique_and_plain(session):
    add_staff(session, name="tanaka", role="viewer", password=PASSWORD, now=NOW)
    for name in ("tanaka", "田中", "-x", "", "a" * 65, "a b"):
        with pytest.raises(InvalidInput):
            add_staff(session, name=name, role="viewer", password=PASSWORD, now=NOW)
    assert [a.name for a in list_staff(session)] == ["tanaka"]


@pytest.mark.parametrize("password", ["short", " leading-space", "x" * 129, "line\nbreak-inside"])
def test_short_or_odd_passwords_are_refused(session, password):
    with pytest.raises(InvalidInput) as refused:
        add_staff(session, name="tanaka", role="viewer", password=password, now=NOW)
    assert refused.value.field == "password"


def test_an_unknown_role_is_refused(session):
    with pytest.raises(InvalidInput):
        add_staff(session, name="tanaka", role="root", password=PASSWORD, now=NOW)


def test_disabling_a_name_that_does_not_exist_says_so(session):
    with pytest.raises(NotFound):
        disable_staff(session, name="nobody", now=NOW)


def test_roles_include_the_ones_below_them():
    assert role_allows("admin", "operator") and role_allows("operator", "viewer") and role_allows("viewer", "viewer")
    assert not role_allows("viewer", "operator") and not role_allows("operator", "admin")
    assert not role_allows("root", "viewer")

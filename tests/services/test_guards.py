"""One place decides what a seeker may do: 無効, 機能制限, 利用不可, not opened."""

from __future__ import annotations

import pytest

from tests.services.builders import make_seeker
from worker.domain.errors import (
    AccountNotOpen,
    AccountRestricted,
    AccountUnusable,
    NotFound,
    RegistrationInvalid,
)
from worker.domain.models import AccountState, RegistrationStatus, Seeker
from worker.services.guards import Action, allowed_actions, check, ensure_allowed, is_allowed

VALID, INVALID = RegistrationStatus.VALID.value, RegistrationStatus.INVALID.value


def seeker_in(state: AccountState, registration: str = VALID) -> Seeker:
    return Seeker(seeker_number="13010-00000001", account_state=state.value, registration_status=registration)


def test_an_open_account_with_a_valid_registration_may_do_everything():
    assert allowed_actions(seeker_in(AccountState.OPEN)) == frozenset(Action)


@pytest.mark.parametrize("action", [Action.SEARCH, Action.SAVE_CONDITION, Action.SAVE_FAVOURITE,
                                    Action.VIEW_REFERRAL, Action.MESSAGE, Action.ONLINE_REFERRAL,
                                    Action.SELF_APPLICATION])
def test_an_invalid_registration_refuses_what_the_leaflet_lists(action):
    with pytest.raises(RegistrationInvalid) as raised:
        check(seeker_in(AccountState.OPEN, INVALID), action)
    assert raised.value.message == "求職登録が無効のため、この機能は利用できません。"


def test_an_invalid_registration_still_lets_the_seeker_see_and_renew_it():
    assert allowed_actions(seeker_in(AccountState.OPEN, INVALID)) == {
        Action.REGISTRATION, Action.READ_INBOX, Action.WITHDRAW}


@pytest.mark.parametrize("action", [Action.SELF_APPLICATION, Action.ONLINE_REFERRAL])
def test_a_restricted_account_may_not_apply_online(action):
    with pytest.raises(AccountRestricted, match="来所"):
        check(seeker_in(AccountState.RESTRICTED), action)


def test_a_restricted_account_keeps_everything_else():
    assert allowed_actions(seeker_in(AccountState.RESTRICTED)) == frozenset(Action) - {
        Action.SELF_APPLICATION, Action.ONLINE_REFERRAL}


@pytest.mark.parametrize("action", list(Action))
def test_an_unusable_account_may_do_nothing(action):
    with pytest.raises(AccountUnusable):
        check(seeker_in(AccountState.UNUSABLE), action)


@pytest.mark.parametrize("state", [AccountState.NOT_OPENED, AccountState.WITHDRAWN])
@pytest.mark.parametrize("action", list(Action))
def test_an_account_not_open_may_do_nothing(state, action):
    assert not is_allowed(seeker_in(state), action)
    with pytest.raises(AccountNotOpen):
        check(seeker_in(state), action)


def test_unusable_wins_over_an_invalid_registration():
    with pytest.raises(AccountUnusable):
        check(seeker_in(AccountState.UNUSABLE, INVALID), Action.SEARCH)


def test_the_site_asks_before_searching_inside_my_page(session):
    allowed = make_seeker(session)
    refused = make_seeker(session, registration_status=INVALID)
    assert ensure_allowed(session, seeker_id=allowed.id, action=Action.SEARCH).id == allowed.id
    with pytest.raises(RegistrationInvalid):
        ensure_allowed(session, seeker_id=refused.id, action=Action.SEARCH)
    with pytest.raises(NotFound):
        ensure_allowed(session, seeker_id=999, action=Action.SEARCH)

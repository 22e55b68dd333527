"""Who receives recommendations: registration 有効 and a My Page open or restricted."""

from __future__ import annotations

from tests.services.builders import make_seeker
from worker.domain.models import AccountState, RegistrationStatus
from worker.services.eligibility import is_recommendable, recommendable


def test_only_valid_registrations_with_open_or_restricted_pages_are_recommendable(session):
    expected = {
        make_seeker(session).id,
        make_seeker(session, account_state=AccountState.RESTRICTED.value).id,
    }
    excluded = [
        make_seeker(session, registration_status=RegistrationStatus.INVALID.value),
        make_seeker(session, account_state=AccountState.UNUSABLE.value),
        make_seeker(session, account_state=AccountState.NOT_OPENED.value),
        make_seeker(session, account_state=AccountState.WITHDRAWN.value),
        make_seeker(session, account_state=AccountState.RESTRICTED.value,
                    registration_status=RegistrationStatus.INVALID.value),
    ]
    selected = {s.id for s in session.exec(recommendable(session)).all()}
    assert selected == expected
    assert all(not is_recommendable(s) for s in excluded)
    assert all(is_recommendable(s) for s in session.exec(recommendable(session)).all())


def test_switching_back_to_valid_restores_recommendations(session):
    seeker = make_seeker(session, registration_status=RegistrationStatus.INVALID.value)
    assert not is_recommendable(seeker)
    seeker.registration_status = RegistrationStatus.VALID.value
    session.add(seeker)
    session.flush()
    assert is_recommendable(seeker)
    assert [s.id for s in session.exec(recommendable(session)).all()] == [seeker.id]

"""A 認証キー is single use even when two completions with the right key run at the same time
(two browser tabs, a double submit): on PostgreSQL both read the request while it is pending;
only one may open the account."""

from __future__ import annotations

import threading
import time

import pytest
from sqlmodel import Session

from tests.postgres_faults import waiting_on_a_lock
from tests.services.test_accounts import PASSWORD, complete, key_of, opened_by_request
from worker.domain.errors import AuthenticationKeyInvalid
from worker.domain.models import Seeker
from worker.services.passwords import verify_password


@pytest.mark.parametrize("engine", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
def test_of_two_concurrent_completions_with_the_right_key_only_one_opens_the_account(engine):
    with Session(engine, expire_on_commit=False) as setup:
        seeker, request = opened_by_request(setup)
    outcome: dict[str, object] = {}

    def second_tab() -> None:
        with Session(engine) as session:
            try:
                complete(session, seeker.email, key_of(request), "@second9876")
                session.commit()
                outcome["second"] = "opened"
            except AuthenticationKeyInvalid:
                session.rollback()
                outcome["second"] = "refused"

    with Session(engine) as first, engine.connect() as watcher:
        complete(first, seeker.email, key_of(request))  # the first tab has used the key, not yet committed
        tab = threading.Thread(target=second_tab)
        tab.start()
        # The second tab read the request while it was still pending, and now waits on its row.
        deadline = time.monotonic() + 30
        while not waiting_on_a_lock(watcher) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert waiting_on_a_lock(watcher), "the second completion never reached the key's row"
        first.commit()
        tab.join(30)

    assert outcome == {"second": "refused"}
    with Session(engine) as session:
        assert verify_password(PASSWORD, session.get(Seeker, seeker.id).password_hash)  # the first tab's


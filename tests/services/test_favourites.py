"""お気に入り求人: at most 300; the 301st is refused and nothing changes; duplicates are harmless."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, select

from tests.services.builders import NOW, make_offer, make_seeker, row, table_counts
from worker.domain.errors import AccountUnusable, LimitExceeded, NotFound, RegistrationInvalid
from worker.domain.models import AccountState, Favourite, JobOffer, RegistrationStatus, Seeker
from worker.services.favourites import add_favourite, list_favourites, remove_favourite


def many_offers(session, n: int) -> list[int]:
    rows = [{"job_number": f"27010-{i:08d}", "title": "販売スタッフ", "prefecture_code": "27", "description": "",
             "licenses": [], "online_application": False, "matching_status": "pending",
             "created_at": datetime(2025, 6, 1, tzinfo=UTC)} for i in range(n)]
    session.execute(insert(JobOffer.__table__), rows)
    return list(session.execute(select(JobOffer.id).where(JobOffer.job_number.like("27010-%")).order_by(JobOffer.id)).scalars())


def test_a_favourite_is_saved_once_and_adding_it_again_is_harmless(session, seeker, offer):
    assert add_favourite(session, seeker_id=seeker.id, job_offer_id=offer.id, now=NOW) is True
    assert add_favourite(session, seeker_id=seeker.id, job_offer_id=offer.id, now=NOW) is False
    assert [f.job_offer_id for f in list_favourites(session, seeker_id=seeker.id)] == [offer.id]


def test_the_301st_favourite_is_refused_and_nothing_changes(session, seeker):
    ids = many_offers(session, 301)
    session.execute(insert(Favourite.__table__),
                    [{"seeker_id": seeker.id, "job_offer_id": i, "created_at": NOW} for i in ids[:300]])
    counts, before = table_counts(session), row(session, Seeker, seeker.id)
    with pytest.raises(LimitExceeded) as raised:
        add_favourite(session, seeker_id=seeker.id, job_offer_id=ids[300], now=NOW)
    assert raised.value.message == "お気に入り求人は300件まで保存できます。不要なお気に入りを削除してから保存してください。"
    assert table_counts(session) == counts
    assert row(session, Seeker, seeker.id) == before
    # A duplicate at the limit is still harmless, and removing one makes room.
    assert add_favourite(session, seeker_id=seeker.id, job_offer_id=ids[0], now=NOW) is False
    assert remove_favourite(session, seeker_id=seeker.id, job_offer_id=ids[0]) is True
    assert add_favourite(session, seeker_id=seeker.id, job_offer_id=ids[300], now=NOW) is True


def test_the_limit_is_per_seeker(session, seeker):
    ids = many_offers(session, 300)
    session.execute(insert(Favourite.__table__),
                    [{"seeker_id": seeker.id, "job_offer_id": i, "created_at": NOW} for i in ids])
    other = make_seeker(session)
    assert add_favourite(session, seeker_id=other.id, job_offer_id=ids[0], now=NOW) is True


def test_an_unknown_job_offer_is_refused_in_japanese_and_nothing_changes(session, seeker):
    counts = table_counts(session)
    with pytest.raises(NotFound, match="求人が見つかりません"):
        add_favourite(session, seeker_id=seeker.id, job_offer_id=999, now=NOW)
    assert table_counts(session) == counts


def test_favourites_are_refused_while_invalid_or_unusable(session, offer):
    invalid = make_seeker(session, registration_status=RegistrationStatus.INVALID.value)
    unusable = make_seeker(session, account_state=AccountState.UNUSABLE.value)
    with pytest.raises(RegistrationInvalid):
        add_favourite(session, seeker_id=invalid.id, job_offer_id=offer.id, now=NOW)
    with pytest.raises(AccountUnusable):
        add_favourite(session, seeker_id=unusable.id, job_offer_id=offer.id, now=NOW)
    with pytest.raises(NotFound):
        add_favourite(session, seeker_id=999, job_offer_id=offer.id, now=NOW)


def test_removing_something_that_is_not_a_favourite_reports_false(session, seeker):
    offer = make_offer(session)
    assert remove_favourite(session, seeker_id=seeker.id, job_offer_id=offer.id) is False

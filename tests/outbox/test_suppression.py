"""The suppression list keeps hashes of normalised addresses, never the addresses."""

from __future__ import annotations

from sqlmodel import select

from worker.domain.models import SuppressedAddress
from worker.outbox.suppression import address_hash, is_suppressed, suppress, suppressed_among


def test_an_address_is_recognised_whatever_its_case_and_spaces_and_stored_only_as_a_hash(session):
    assert suppress(session, " Kenichi.Sato@Example.jp ", reason="550 on outbox 1")
    assert not suppress(session, "kenichi.sato@example.jp", reason="550 again")  # already listed
    session.commit()

    assert is_suppressed(session, "KENICHI.SATO@example.jp")
    assert not is_suppressed(session, "misaki.suzuki@example.jp")
    assert suppressed_among(session, ["kenichi.sato@example.jp", "misaki.suzuki@example.jp"]) == {
        address_hash("kenichi.sato@example.jp")}
    assert suppressed_among(session, []) == set()
    stored = session.exec(select(SuppressedAddress.address_hash)).all()
    assert stored == [address_hash("kenichi.sato@example.jp")] and "kenichi" not in stored[0]

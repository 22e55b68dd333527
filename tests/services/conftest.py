"""Fixtures of the service tests; the builders live in ``tests.services.builders``."""

from __future__ import annotations

import pytest

from tests.services.builders import make_offer, make_seeker
from worker.domain.models import JobOffer, Seeker


@pytest.fixture
def seeker(session) -> Seeker:
    return make_seeker(session)


@pytest.fixture
def offer(session) -> JobOffer:
    return make_offer(session)

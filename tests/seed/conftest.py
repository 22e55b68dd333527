"""Fixtures of the seed tests."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def _postgresql_engine(request):
    """tests/conftest.py's ``engine`` asks for ``_postgresql_engine`` but defines ``_postgres_engine``;
    bridge the two names (reported to the lead), and keep working if the root fixture is renamed."""
    try:
        return request.getfixturevalue("_postgres_engine")
    except pytest.FixtureLookupError:
        from worker.db import create_schema, make_engine

        engine = make_engine(request.getfixturevalue("postgres_url"))
        create_schema(engine)
        request.addfinalizer(engine.dispose)
        return engine

"""Console test parts: the app on the ``engine`` fixture's database, staff accounts, a logged-in
client (the CSRF token read from the page, as a browser would), and a small world to look at."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from worker.config import load_settings
from worker.console.app import create_app
from worker.db import session_scope
from worker.domain.models import utcnow
from worker.services.staff import add_staff

PASSWORD = "correct-horse-battery"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def settings(tmp_path):
    return load_settings(var_dir=tmp_path, database_url=None, redis_url=None, smtp_host=None,
                         secret_key="console-test-secret-of-32-characters", quiet_hours_start=0, quiet_hours_end=0,
                         digest_delay_s=0, notice_approval_threshold=2)


@pytest.fixture
def app(engine, settings):
    return create_app(settings, engine)


def make_staff(engine, name: str, role: str, password: str = PASSWORD) -> int:
    with session_scope(engine) as session:
        return add_staff(session, name=name, role=role, password=password, now=utcnow()).id


def token_of(html: str) -> str:
    match = _TOKEN.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def log_in(client: TestClient, name: str, password: str = PASSWORD):
    token = token_of(client.get("/login").text)
    return client.post("/login", data={"username": name, "password": password, "csrf_token": token},
                       follow_redirects=False)


@pytest.fixture
def client(app):
    with TestClient(app, base_url="http://console.test") as client:
        yield client


@pytest.fixture
def as_role(app, engine):
    """A client logged in with a new account of the given role: ``as_role("operator")``."""
    clients = []

    def make(role: str, name: str | None = None) -> TestClient:
        name = name or f"{role}{len(clients) + 1}"
        make_staff(engine, name, role)
        client = TestClient(app, base_url="http://console.test")
        clients.append(client)
        assert log_in(client, name).status_code == 303
        return client

    yield make
    for client in clients:
        client.close()


def csrf(client: TestClient, path: str = "/") -> str:
    return token_of(client.get(path).text)

"""``mypage-worker console`` as its own process: the client address the login throttle counts
is the connection's, unless the operator names the proxy in front of the console."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time

import httpx
import pytest

from worker.db import session_scope
from worker.domain.models import utcnow
from worker.services.staff import add_staff


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def start_console(engine, tmp_path):
    servers = []

    def start(*options: str) -> str:
        port = _free_port()
        env = {**os.environ, "MYPAGE_DATABASE_URL": engine.url.render_as_string(hide_password=False),
               "MYPAGE_VAR_DIR": str(tmp_path / "var"), "MYPAGE_SECRET_KEY": "console-command-secret-of-32-characters"}
        for name in ("MYPAGE_REDIS_URL", "MYPAGE_SMTP_HOST"):
            env.pop(name, None)
        command = [sys.executable, "-c", "import sys; from worker.cli import main; sys.exit(main())",
                   "console", "--port", str(port), *options]
        server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        servers.append(server)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    return url
            except httpx.HTTPError:
                assert server.poll() is None and time.monotonic() < deadline, "the console did not start"
                time.sleep(0.2)

    yield start
    for server in servers:
        server.terminate()
        server.wait(10)


def _guesses(url: str, count: int) -> list[int]:
    """Failed logins for a new name each time, each claiming another client address."""
    codes = []
    for n in range(count):
        with httpx.Client(base_url=url) as browser:
            token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/login").text).group(1)
            codes.append(browser.post("/login", data={"username": f"spray{n}", "password": "wrong-password",
                                                      "csrf_token": token},
                                      headers={"x-forwarded-for": f"203.0.113.{n + 1}"}).status_code)
    return codes


def test_a_forged_forwarded_address_does_not_escape_the_login_throttle(engine, start_console):
    with session_scope(engine) as session:
        add_staff(session, name="tanaka", role="viewer", password="a-long-password", now=utcnow())
    assert _guesses(start_console(), 7) == [401] * 5 + [429] * 2


def test_behind_a_named_proxy_the_forwarded_address_is_the_client(start_console):
    assert _guesses(start_console("--trusted-proxy", "127.0.0.1"), 7) == [401] * 7

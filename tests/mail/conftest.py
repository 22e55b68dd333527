"""Mail test parts: settings, the sample world in the database, and a real SMTP server
(aiosmtpd on 127.0.0.1) whose answers a test scripts stage by stage."""

from __future__ import annotations

import asyncio
import email
import socket
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult

from tests.outbox.rows import enqueue, outbox_row, outbox_rows  # noqa: F401 - shared with the tests here
from worker.config import Settings, load_settings
from worker.mail.breaker import forget_relays
from worker.mail.samples import store_sample_world

STALL_S = 1.5  # how long a "slow" server waits; the tests' SMTP timeout is a third of it
TIMEOUT_S = 0.5
SLOW_S = 0.4  # a "slow" DATA: late, but within a timeout of a few seconds


@pytest.fixture(autouse=True)
def _fresh_relays():
    """Each test starts with every relay's breaker closed (the breakers live in the process)."""
    forget_relays()
    yield
    forget_relays()


@pytest.fixture
def settings(tmp_path) -> Settings:
    """File outbox under tmp_path; tests that talk SMTP use ``smtp_settings``."""
    return load_settings(var_dir=tmp_path, secret_key="test-secret-of-32-characters-256", database_url=None, smtp_host=None)


@pytest.fixture
def sample_world(engine, settings):
    """The preview's sample world (seekers, offers, inbox items…) stored in the database."""
    store_sample_world(engine, settings)
    return engine


# ------------------------------------------------------------------------------ the SMTP server


@dataclass
class ScriptedHandler:
    """An aiosmtpd handler. Each ``*_script`` holds the next answers for that stage: an SMTP
    reply such as ``"450 4.2.1 busy"``, ``"stall"`` (wait longer than the client's timeout, then
    go on), or for DATA ``"drop"`` (store the mail, then close without replying) and
    ``"stall"`` (store it, then reply too late). An empty script accepts."""

    ehlo_script: deque = field(default_factory=deque)
    ehlo_reply: str | None = None  # answered to every EHLO while set, e.g. a relay shutting down
    mail_script: deque = field(default_factory=deque)
    rcpt_script: deque = field(default_factory=deque)
    data_script: deque = field(default_factory=deque)
    received: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    connections: int = 0
    rcpt_commands: int = 0
    after_data: Callable[[], None] | None = None  # run after storing a mail, before the 250

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        # aiosmtplib says EHLO once per connection: this counts the connections a client opened.
        self.connections += 1
        reply = self.ehlo_script.popleft() if self.ehlo_script else self.ehlo_reply
        if reply:
            return [reply]
        session.host_name = hostname
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        reply = await self._next(self.mail_script)
        if reply:
            return reply
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpt_commands += 1
        reply = await self._next(self.rcpt_script)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        action = self.data_script.popleft() if self.data_script else None
        if action not in (None, "drop", "stall", "slow"):
            return action
        self.received.append(email.message_from_bytes(envelope.content, policy=default_policy))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        if action == "drop":
            server.transport.close()
        elif action == "stall":
            await asyncio.sleep(STALL_S)
        elif action == "slow":
            await asyncio.sleep(SLOW_S)
        if self.after_data is not None:
            self.after_data()
        return "250 2.0.0 Queued"

    async def _next(self, script: deque) -> str | None:
        action = script.popleft() if script else None
        if action == "stall":
            await asyncio.sleep(STALL_S)
            return None
        return action

    def message_ids(self) -> list[str]:
        return [message["Message-ID"] for message in self.received]


def _free_port() -> int:
    # aiosmtpd's Controller refuses port 0: take a free port from the kernel first.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _SlowSMTP(SMTP):
    """aiosmtpd answering every reply (banner, EHLO, AUTH challenges, MAIL, …) ``reply_delay`` late."""

    def __init__(self, *args, reply_delay: float, **kwargs):
        super().__init__(*args, **kwargs)
        self.reply_delay = reply_delay

    async def push(self, status):
        line = status.decode() if isinstance(status, bytes) else status
        if line[3:4] != "-":  # the last line of a reply: the client waits for it
            await asyncio.sleep(self.reply_delay)
        await super().push(status)


class SlowController(Controller):
    def __init__(self, handler, *, reply_delay: float, **kwargs):
        self.reply_delay = reply_delay
        super().__init__(handler, **kwargs)

    def factory(self):
        return _SlowSMTP(self.handler, reply_delay=self.reply_delay, **self.SMTP_kwargs)


def _accept_any_login(server, session, envelope, mechanism, auth_data):
    return AuthResult(success=True)


def start_server(handler: ScriptedHandler, *, port: int | None = None, reply_delay: float = 0.0,
                 auth: bool = False) -> Controller:
    """A real aiosmtpd on 127.0.0.1; with ``auth`` it offers and accepts AUTH (PLAIN, LOGIN)
    without TLS, as a relay behind a firewall might."""
    kwargs = {"auth_require_tls": False, "authenticator": _accept_any_login} if auth else {}
    port = port or _free_port()
    if reply_delay:
        controller = SlowController(handler, reply_delay=reply_delay, hostname="127.0.0.1", port=port,
                                    ready_timeout=30, **kwargs)
    else:
        controller = Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    return controller


def free_port() -> int:
    return _free_port()


@pytest.fixture
def smtp_server() -> Iterator[tuple[ScriptedHandler, int]]:
    handler = ScriptedHandler()
    controller = start_server(handler)
    try:
        yield handler, controller.port
    finally:
        controller.stop()


@pytest.fixture
def smtp_settings(tmp_path, smtp_server) -> Settings:
    _, port = smtp_server
    return load_settings(var_dir=tmp_path, secret_key="test-secret-of-32-characters-256", database_url=None,
                         smtp_host="127.0.0.1", smtp_port=port, smtp_tls="none", smtp_timeout_s=TIMEOUT_S,
                         mail_retry_base_s=60, mail_retry_cap_s=3600, mail_max_attempts=4)

"""Where a message goes: an SMTP server (aiosmtplib) or ``.eml`` files (the embedded default).

A transport raises ``DeliveryFailed`` saying what the failure means for the mail (the way
healthchecks' channels say whether an error is worth retrying); the outbox bookkeeping is the
caller's. Both transports keep one recipient per message.
"""

from __future__ import annotations

import asyncio
import os
import re
from email.message import EmailMessage
from enum import StrEnum
from pathlib import Path
from typing import Protocol

import aiosmtplib

from worker.config import SEND_ROUND_TRIPS, Settings


class Failure(StrEnum):
    TRANSIENT = "transient"  # 4xx, timeout, connection error: retry with backoff
    PERMANENT = "permanent"  # 5xx for this recipient or message: never retry, suppress the address
    UNCERTAIN = "uncertain"  # the connection dropped after DATA: the mail may have arrived
    # The relay cannot take any mail now: unreachable, refusing the connection, the greeting,
    # EHLO, STARTTLS, AUTH or our sender, or answering 421 (shutting down). Nothing about this
    # mail was judged, so it is not charged an attempt; the batch stops and the relay backs off.
    RELAY = "relay"


class DeliveryFailed(Exception):
    def __init__(self, failure: Failure, detail: str):
        super().__init__(detail)
        self.failure = failure
        self.detail = detail

    @property
    def stop_batch(self) -> bool:
        # Trying the rest of the batch now would fail the same way.
        return self.failure is Failure.RELAY


class Transport(Protocol):
    connections: int

    @property
    def replies_next_send(self) -> int:
        """The most replies the next send may wait on, each up to the SMTP timeout."""

    async def send(self, message: EmailMessage, *, sender: str, recipient: str,
                   deadline: float | None = None) -> None:
        """Hand the message over, or raise ``DeliveryFailed``. ``deadline`` (event-loop time) is
        when the sender's lease stops covering it: the send is cut there, never later."""

    async def close(self) -> None: ...


def transport_for(settings: Settings) -> Transport:
    return FileTransport(settings.outbox_dir) if settings.uses_file_outbox else SmtpTransport(settings)


class FileTransport:
    """Writes each message to ``<outbox_dir>/<Message-ID>.eml``. The same mail written twice
    lands in the same file, as a repeated SMTP send would carry the same Message-ID."""

    connections = 0
    replies_next_send = 1  # a file write: counted as one timeout

    def __init__(self, directory: Path):
        self.directory = directory

    async def send(self, message: EmailMessage, *, sender: str, recipient: str,
                   deadline: float | None = None) -> None:
        path = self.directory / eml_file_name(message["Message-ID"])
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            partial = path.with_suffix(".eml.partial")
            # Owner-only from the first byte: the file holds an address and maybe a 認証キー.
            with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out:
                out.write(message.as_bytes())
            os.replace(partial, path)  # a reader never sees half a mail
        except OSError as exc:
            raise DeliveryFailed(Failure.RELAY, f"writing the .eml file: {exc.strerror}") from exc

    async def close(self) -> None:
        return None


def eml_file_name(message_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9._@-]", "_", message_id.strip("<> ")) + ".eml"


class SmtpTransport:
    """One connection, opened on the first send and reused until an error closes it; the next
    send opens a fresh one (after a 421, a timeout or a drop, aiosmtplib's connection is dead)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.connections = 0
        self._smtp: aiosmtplib.SMTP | None = None

    @property
    def replies_next_send(self) -> int:
        if self._smtp is not None and self._smtp.is_connected:
            return 4  # MAIL, RCPT, DATA and the end of the data
        return SEND_ROUND_TRIPS

    async def _connection(self) -> aiosmtplib.SMTP:
        if self._smtp is not None and self._smtp.is_connected:
            return self._smtp
        s = self.settings
        smtp = aiosmtplib.SMTP(
            hostname=s.smtp_host, port=s.smtp_port, timeout=s.smtp_timeout_s,
            use_tls=s.smtp_tls == "tls", start_tls=s.smtp_tls == "starttls",
            username=s.smtp_user, password=s.smtp_password,
        )
        try:
            await smtp.connect()
        except aiosmtplib.SMTPResponseException as exc:  # banner, EHLO, STARTTLS or AUTH refused
            smtp.close()
            raise DeliveryFailed(Failure.RELAY, f"connect: {exc.code} {exc.message}") from exc
        except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError) as exc:
            smtp.close()
            raise DeliveryFailed(Failure.RELAY, f"connect: {type(exc).__name__}: {exc}") from exc
        except BaseException:
            smtp.close()  # cut by the lease's deadline or cancelled
            raise
        self.connections += 1
        self._smtp = smtp
        return smtp

    async def send(self, message: EmailMessage, *, sender: str, recipient: str,
                   deadline: float | None = None) -> None:
        data = message.as_bytes()
        stage = "connect"
        try:
            # The lease's deadline bounds the whole send, whatever the server's pace: a send
            # never outlives the lease that keeps other workers off this mail.
            async with asyncio.timeout_at(deadline):
                smtp = await self._connection()
                stage = "MAIL"
                await smtp.mail(sender)
                stage = "RCPT"
                await smtp.rcpt(recipient)
                stage = "DATA"
                await smtp.data(data)
        except DeliveryFailed:
            raise
        except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError) as exc:
            self._drop()
            if stage == "connect":
                raise DeliveryFailed(Failure.RELAY, f"connect: {type(exc).__name__}: {exc}") from exc
            raise _classify(stage, exc) from exc
        except BaseException:
            self._drop()  # cancelled mid-command: the connection's state is unknown
            raise

    async def close(self) -> None:
        """QUIT politely at the end of a batch; a connection that cannot is simply closed."""
        if self._smtp is not None and self._smtp.is_connected:
            try:
                await self._smtp.quit()
            except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError):
                pass
        self._drop()

    def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None


def _classify(stage: str, exc: BaseException) -> DeliveryFailed:
    """What a failure at MAIL, RCPT or DATA means (RFC 5321 reply classes; RFC 1047 for DATA)."""
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        detail = f"{stage}: {exc.code} {exc.message}"
        # 421 is the service closing the channel (RFC 5321 4.2.3), whatever the stage; and
        # before RCPT the recipient is not named yet, so nothing at MAIL (including EHLO, which
        # aiosmtplib sends lazily and reports as MAIL) is about this mail.
        if exc.code == 421 or stage == "MAIL":
            return DeliveryFailed(Failure.RELAY, detail)
        if 500 <= exc.code < 600:
            return DeliveryFailed(Failure.PERMANENT, detail)
        return DeliveryFailed(Failure.TRANSIENT, detail)
    detail = f"{stage}: {type(exc).__name__}: {exc}"
    if stage == "MAIL":  # dropped or silent before the recipient was named: the relay's state
        return DeliveryFailed(Failure.RELAY, detail)
    # (asyncio.TimeoutError covers aiosmtplib's timeouts and the lease's deadline cutting the send.)
    if stage == "DATA" and isinstance(exc, (aiosmtplib.SMTPServerDisconnected, asyncio.TimeoutError)):
        # No reply after we handed over the message: it may have been stored. aiosmtplib's data()
        # does not say whether the body had gone out, so a drop right after the DATA command
        # counts as uncertain too; that costs only the retry budget, never a lost mail.
        return DeliveryFailed(Failure.UNCERTAIN, detail)
    return DeliveryFailed(Failure.TRANSIENT, detail)

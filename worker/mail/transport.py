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

from worker.config import Settings


class Failure(StrEnum):
    TRANSIENT = "transient"  # 4xx, timeout, connection error: retry with backoff
    PERMANENT = "permanent"  # 5xx for this recipient or message: never retry, suppress the address
    UNCERTAIN = "uncertain"  # the connection dropped after DATA: the mail may have arrived


class DeliveryFailed(Exception):
    def __init__(self, failure: Failure, detail: str, *, stop_batch: bool = False):
        super().__init__(detail)
        self.failure = failure
        self.detail = detail
        # The server cannot be reached or refuses our sender: trying the rest of the batch now
        # would fail the same way and only spend their attempts.
        self.stop_batch = stop_batch


class Transport(Protocol):
    connections: int

    async def send(self, message: EmailMessage, *, sender: str, recipient: str) -> None: ...

    async def close(self) -> None: ...


def transport_for(settings: Settings) -> Transport:
    return FileTransport(settings.outbox_dir) if settings.uses_file_outbox else SmtpTransport(settings)


class FileTransport:
    """Writes each message to ``<outbox_dir>/<Message-ID>.eml``. The same mail written twice
    lands in the same file, as a repeated SMTP send would carry the same Message-ID."""

    connections = 0

    def __init__(self, directory: Path):
        self.directory = directory

    async def send(self, message: EmailMessage, *, sender: str, recipient: str) -> None:
        path = self.directory / eml_file_name(message["Message-ID"])
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            partial = path.with_suffix(".eml.partial")
            # Owner-only from the first byte: the file holds an address and maybe a 認証キー.
            with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out:
                out.write(message.as_bytes())
            os.replace(partial, path)  # a reader never sees half a mail
        except OSError as exc:
            raise DeliveryFailed(Failure.TRANSIENT, f"writing the .eml file: {exc.strerror}", stop_batch=True) from exc

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
            raise DeliveryFailed(Failure.TRANSIENT, f"connect: {exc.code} {exc.message}", stop_batch=True) from exc
        except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError) as exc:
            smtp.close()
            raise DeliveryFailed(Failure.TRANSIENT, f"connect: {type(exc).__name__}: {exc}", stop_batch=True) from exc
        self.connections += 1
        self._smtp = smtp
        return smtp

    async def send(self, message: EmailMessage, *, sender: str, recipient: str) -> None:
        smtp = await self._connection()
        stage = "MAIL"
        try:
            await smtp.mail(sender)
            stage = "RCPT"
            await smtp.rcpt(recipient)
            stage = "DATA"
            await smtp.data(message.as_bytes())
        except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError) as exc:
            self._drop()
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
        if 500 <= exc.code < 600:
            if stage == "MAIL":  # the server refuses our sender: our configuration, not the seeker's address
                return DeliveryFailed(Failure.TRANSIENT, detail, stop_batch=True)
            return DeliveryFailed(Failure.PERMANENT, detail)
        return DeliveryFailed(Failure.TRANSIENT, detail)
    detail = f"{stage}: {type(exc).__name__}: {exc}"
    if stage == "DATA" and isinstance(exc, (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError)):
        # No reply after we handed over the message: it may have been stored. aiosmtplib's data()
        # does not say whether the body had gone out, so a drop right after the DATA command
        # counts as uncertain too; that costs only the retry budget, never a lost mail.
        return DeliveryFailed(Failure.UNCERTAIN, detail)
    return DeliveryFailed(Failure.TRANSIENT, detail)

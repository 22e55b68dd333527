"""Turning a rendered mail into the MIME message a seeker's mail client shows.

multipart/alternative with a text and an HTML part, UTF-8, RFC 2047 encoded subject and sender
name (``email.policy.SMTP`` does the encoding and CRLF line ends). The Message-ID derives from
the outbox row's dedupe key, so a mail sent twice (the rare uncertain case) carries the same id
and a client or a person can tell it is the same mail.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from worker.mail.render import RenderedMail

# C0 controls (CR and LF among them), DEL, C1 controls and the Unicode line/paragraph
# separators: none belongs in a header, and CR/LF would let a value add headers of its own.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class UnsafeHeaderValue(ValueError):
    """A header value contains a control character (CR, LF, …) and is refused."""

    def __init__(self, header: str):
        super().__init__(f"the {header} header value contains a control character (CR, LF or similar) and was refused")
        self.header = header


def check_header_value(header: str, value: str) -> str:
    if _CONTROL.search(value):
        raise UnsafeHeaderValue(header)
    return value


def message_id_for(dedupe_key: str, mail_from: str) -> str:
    """``<sha256(dedupe key)[:32]@sender's domain>``: the same outbox mail always gets the same id."""
    digest = hashlib.sha256(dedupe_key.encode()).hexdigest()[:32]
    domain = mail_from.rpartition("@")[2] or "localhost"
    return f"<{digest}@{domain}>"


def build_message(
    rendered: RenderedMail,
    *,
    to: str,
    mail_from: str,
    from_name: str,
    message_id: str,
    date: datetime,
) -> EmailMessage:
    """The message for one recipient. Every header value is checked before it is set."""
    for header, value in (("Subject", rendered.subject), ("To", to), ("From", mail_from),
                          ("From", from_name), ("Message-ID", message_id)):
        check_header_value(header, value)
    msg = EmailMessage(policy=SMTP)
    msg["Subject"] = rendered.subject
    msg["From"] = Address(display_name=from_name, addr_spec=mail_from)
    msg["To"] = to
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id
    msg.set_content(rendered.text, charset="utf-8")
    msg.add_alternative(rendered.html, subtype="html", charset="utf-8")
    return msg

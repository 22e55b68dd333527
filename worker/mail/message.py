"""Turning a rendered mail into the MIME message a seeker's mail client shows.

multipart/alternative with a text and an HTML part, UTF-8 and base64 (safe through any relay),
RFC 2047 encoded-words for the Japanese subject and sender name, CRLF line ends
(``email.policy.SMTP``). The Message-ID derives from the outbox row's dedupe key, so a mail sent
twice (the rare uncertain case) carries the same id and can be recognised as the same mail.

The headers are encoded here and stored with ``set_raw`` (pre-folded strings, or header objects
parsed once): the ``email`` package's own folding, and its re-parsing of Content-Type each time
the generator reads it, cost milliseconds per message, enough alone to hold delivery under the
200 mails/s target. The result is an ordinary ``EmailMessage`` that ``email`` parses back
exactly (the tests check it).
"""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import datetime
from email.message import EmailMessage, MIMEPart
from email.policy import SMTP
from email.utils import format_datetime, formataddr

from worker.mail.render import RenderedMail

# C0 controls (CR and LF among them), DEL, C1 controls and the Unicode line/paragraph
# separators: none belongs in a header, and CR/LF would let a value add headers of its own.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_LINE = 78  # RFC 5322's recommended line length
_WORD = 75  # RFC 2047's longest encoded-word
_FOLD = "\r\n "
_header = SMTP.header_factory
_PART_TYPE = {subtype: _header("Content-Type", f'text/{subtype}; charset="utf-8"') for subtype in ("plain", "html")}
_BASE64 = _header("Content-Transfer-Encoding", "base64")
_MIME_1_0 = _header("MIME-Version", "1.0")
# Both parts are base64, whose alphabet has no "_": a boundary starting "=_" cannot occur inside
# them (RFC 2045's advice), so one fixed boundary serves every message.
_BOUNDARY = "=_mypage-worker-alternative"
_ALTERNATIVE = _header("Content-Type", f'multipart/alternative; boundary="{_BOUNDARY}"')


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
    msg = OutgoingMessage(policy=SMTP)
    msg.set_raw("Subject", _text_header("Subject", rendered.subject))
    msg.set_raw("From", _address_header("From", from_name, mail_from))
    msg.set_raw("To", _address_header("To", "", to))
    msg.set_raw("Date", format_datetime(date))
    msg.set_raw("Message-ID", message_id)
    msg.set_raw("MIME-Version", _MIME_1_0)
    msg.set_raw("Content-Type", _ALTERNATIVE)
    msg.set_payload([_part(rendered.text, "plain"), _part(rendered.html, "html")])
    return msg


class OutgoingMessage(EmailMessage):
    """The message ``build_message`` makes, which also writes itself out.

    Its shape is fixed (headers already encoded and folded here, two base64 parts under one
    boundary), so its bytes are a join; the ``email`` generator's walk over it (re-reading each
    part's Content-Type, folding each header again) cost a third of delivery's CPU per mail. Any
    message that strays from that shape (a header set some other way, a line too long, other
    options) is written by the generator, and the tests check both give the same bytes."""

    def as_bytes(self, unixfrom: bool = False, policy=None) -> bytes:
        wire = None if unixfrom or policy not in (None, SMTP) else _wire(self)
        return wire if wire is not None else super().as_bytes(unixfrom, policy)


def _wire(msg: EmailMessage) -> bytes | None:
    parts = msg.get_payload()
    if not isinstance(parts, list) or len(parts) != 2 or msg.preamble is not None or msg.epilogue is not None:
        return None
    head = _header_lines(msg)
    bodies = [(_header_lines(part), part.get_payload()) for part in parts]
    if head is None or any(h is None or not isinstance(body, str) or not body.endswith("\r\n")
                           for h, body in bodies):
        return None
    delimiter = f"--{_BOUNDARY}\r\n"
    out = [head, "\r\n", delimiter]
    for number, (headers, body) in enumerate(bodies):
        out += [headers, "\r\n", body]
        out.append(f"\r\n{delimiter}" if number == 0 else f"\r\n--{_BOUNDARY}--\r\n")
    try:
        return "".join(out).encode("ascii")
    except UnicodeEncodeError:
        return None


def _header_lines(msg: EmailMessage) -> str | None:
    """The headers as the generator writes them under ``SMTP`` when nothing needs refolding."""
    lines = []
    for name, value in msg._headers:  # the raw (name, value) pairs set_raw stored
        text = value if isinstance(value, str) else str(value)
        if not isinstance(value, str) and (value.defects or len(name) + 2 + len(text) > _LINE):
            return None  # a header object the generator would refold: let it
        folded = text.splitlines()
        if folded and (len(name) + 2 + len(folded[0]) > _LINE or any(len(line) > _LINE for line in folded[1:])):
            return None
        lines.append(f"{name}: " + "\r\n".join(folded))
    return "".join(line + "\r\n" for line in lines)


def _part(text: str, subtype: str) -> MIMEPart:
    part = MIMEPart(policy=SMTP)
    part.set_raw("Content-Type", _PART_TYPE[subtype])
    part.set_raw("Content-Transfer-Encoding", _BASE64)
    canonical = text.replace("\r\n", "\n").replace("\n", "\r\n").encode()  # MIME text ends lines with CRLF
    part.set_payload(base64.encodebytes(canonical).decode().replace("\n", "\r\n"))
    return part


def _text_header(name: str, value: str) -> str:
    if value.isascii() and len(name) + 2 + len(value) <= _LINE:
        return value
    return _encoded_words(value, first_line=_LINE - len(name) - 2)


def _address_header(name: str, display_name: str, address: str) -> str:
    if not address.isascii():
        raise ValueError(f"the {name} address must be ASCII (this mailer does not use SMTPUTF8)")
    if display_name.isascii():
        return formataddr((display_name, address))
    phrase = _encoded_words(display_name, first_line=_LINE - len(name) - 2)
    last_line = phrase.rpartition("\r\n")[2]
    separator = " " if len(last_line) + 3 + len(address) <= _LINE else _FOLD
    return f"{phrase}{separator}<{address}>"


def _encoded_words(value: str, *, first_line: int) -> str:
    """RFC 2047 B-encoded UTF-8 words, split between characters (never inside one), each at most
    75 characters and each on its own folded line."""
    words: list[bytes] = []
    current = b""
    room = min(first_line, _WORD)
    for char in value:
        encoded = char.encode()
        if current and 12 + 4 * -(-(len(current) + len(encoded)) // 3) > room:
            words.append(current)
            current, room = b"", _WORD
        current += encoded
    words.append(current)
    return _FOLD.join(f"=?utf-8?b?{base64.b64encode(word).decode()}?=" for word in words)

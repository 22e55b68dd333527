"""MIME messages: multipart/alternative, UTF-8, encoded Japanese headers that decode back,
a Message-ID derived from the dedupe key, and no header value with a control character."""

from __future__ import annotations

import email
import re
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.policy import compat32
from email.policy import default as default_policy

import pytest
from hypothesis import given
from hypothesis import strategies as st

from worker.config import load_settings
from worker.mail.message import UnsafeHeaderValue, build_message, check_header_value, message_id_for
from worker.mail.preview import preview_settings
from worker.mail.registry import MAILS
from worker.mail.render import RenderedMail, render_mail
from worker.mail.samples import SAMPLE_MAILS, sample_rows

SENDER = "system@mail.hellowork.mhlw.go.jp"
SENDER_NAME = "ハローワークインターネットサービス"
MAIL = RenderedMail(
    name="restricted",
    subject="【ハローワークインターネットサービス】求職者マイページの一部機能の利用制限について",
    text="佐藤 健一 様\n\n制限を解除するには、ハローワークへのご来所が必要です。\n",
    html="<p>佐藤 健一 様</p><p>制限を解除するには、ハローワークへのご来所が必要です。</p>",
)


def build(mail: RenderedMail = MAIL, *, to: str = "kenichi.sato@example.jp", from_name: str = SENDER_NAME,
          message_id: str | None = None):
    return build_message(mail, to=to, mail_from=SENDER, from_name=from_name,
                         message_id=message_id or message_id_for("restricted:2", SENDER),
                         date=datetime(2025, 11, 5, 1, 0, tzinfo=UTC))


def test_a_message_is_text_and_html_alternatives_that_parse_back_to_the_same_japanese():
    raw = build().as_bytes()
    assert max(len(line) for line in raw.split(b"\r\n")) <= 78  # folded and 7-bit safe
    raw.decode("ascii")  # nothing raw on the wire: encoded words and base64 only

    parsed = email.message_from_bytes(raw, policy=default_policy)
    assert parsed.get_content_type() == "multipart/alternative"
    assert parsed["Subject"] == MAIL.subject
    # The sender's name needs two encoded words; RFC 2047 says the space between them is not
    # text. Python's modern address parser keeps it, so read the raw header the RFC's way.
    raw_from = email.message_from_bytes(raw, policy=compat32)["From"]
    assert str(make_header(decode_header(raw_from))) == f"{SENDER_NAME} <{SENDER}>"
    assert parsed["To"] == "kenichi.sato@example.jp"
    assert email.utils.parsedate_to_datetime(parsed["Date"]) == datetime(2025, 11, 5, 1, 0, tzinfo=UTC)
    text, html = parsed.get_body(("plain",)), parsed.get_body(("html",))
    assert text.get_content_charset() == html.get_content_charset() == "utf-8"
    assert text.get_content().replace("\r\n", "\n") == MAIL.text
    assert html.get_content().replace("\r\n", "\n").rstrip("\n") == MAIL.html


def test_the_message_id_is_derived_from_the_dedupe_key_and_the_senders_domain():
    first = message_id_for("password-registration:7", SENDER)
    assert first == message_id_for("password-registration:7", SENDER)
    assert first != message_id_for("password-registration:8", SENDER)
    assert first.startswith("<") and first.endswith("@mail.hellowork.mhlw.go.jp>") and len(first) == 34 + 26
    assert build(message_id=first)["Message-ID"] == first


@pytest.mark.parametrize("header", ["subject", "to", "from_name"])
@pytest.mark.parametrize("bad", ["\r\nBcc: everyone@example.jp", "\n", "\r", "\x00", "\x1b[0m", "\x7f", "\u2028"])
def test_a_header_value_with_a_control_character_is_refused(header, bad):
    with pytest.raises(UnsafeHeaderValue, match="control character"):
        if header == "subject":
            build(RenderedMail("x", f"お知らせ{bad}", "本文", "<p>本文</p>"))
        elif header == "to":
            build(to=f"kenichi.sato@example.jp{bad}")
        else:
            build(from_name=f"ハローワーク{bad}")


@given(st.text(min_size=1, max_size=60))
def test_any_header_value_is_either_refused_or_free_of_control_characters(value):
    try:
        check_header_value("Subject", value)
    except UnsafeHeaderValue:
        assert any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or c in "\u2028\u2029" for c in value)
    else:
        assert "\r" not in value and "\n" not in value and all(ord(c) >= 0x20 for c in value)


@given(st.text(alphabet=st.characters(min_codepoint=0x20, blacklist_categories=("Cc", "Cs", "Zl", "Zp")),
               min_size=1, max_size=80).filter(str.strip))
def test_any_printable_subject_survives_encoding_and_parsing(subject):
    raw = build(RenderedMail("x", subject.strip(), "本文", "<p>本文</p>")).as_bytes()
    parsed = email.message_from_bytes(raw, policy=default_policy)
    assert " ".join(parsed["Subject"].split()) == " ".join(subject.split())
    assert all(len(line) <= 78 for line in raw.split(b"\r\n"))
    assert all(len(word) <= 75 for word in re.findall(rb"=\?utf-8\?b\?[^?]*\?=", raw))


def generator_bytes(message) -> bytes:
    """What the ``email`` package's own generator writes for ``message``."""
    return EmailMessage.as_bytes(message)


def test_every_declared_mail_writes_itself_byte_for_byte_as_the_email_package_would():
    settings = preview_settings(load_settings())
    for name in MAILS:
        context = MAILS[name].context(sample_rows(settings), settings, SAMPLE_MAILS[name].outbox_context)
        message = build_message(render_mail(name, context), to=SAMPLE_MAILS[name].recipient,
                                mail_from=settings.mail_from, from_name=settings.mail_from_name,
                                message_id=message_id_for(f"{name}:1", settings.mail_from),
                                date=datetime(2025, 11, 5, 1, 0, tzinfo=UTC))
        assert message.as_bytes() == generator_bytes(message), name


@given(subject=st.text(alphabet=st.characters(min_codepoint=0x20, blacklist_categories=("Cc", "Cs", "Zl", "Zp")),
                       min_size=1, max_size=200).filter(str.strip),
       name=st.text(alphabet=st.characters(min_codepoint=0x20, blacklist_categories=("Cc", "Cs", "Zl", "Zp")),
                    max_size=60),
       body=st.text(max_size=300))
def test_any_subject_sender_name_and_body_write_the_same_bytes_as_the_email_package(subject, name, body):
    message = build(RenderedMail("x", subject.strip(), body, f"<p>{body}</p>"), from_name=name)
    assert message.as_bytes() == generator_bytes(message)


def test_a_message_changed_after_it_was_built_is_written_by_the_email_package():
    message = build()
    message["X-Campaign"] = "a header set the ordinary way"
    assert message.as_bytes() == generator_bytes(message)
    assert b"X-Campaign: a header set the ordinary way\r\n" in message.as_bytes()

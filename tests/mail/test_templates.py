"""The template test (issue 4): every declared mail renders from realistic data into a one-line
subject and text and HTML parts that carry the same facts, with no template markup left over;
every template folder belongs to a declared mail and every mail has its three templates."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest
from jinja2 import UndefinedError

from worker.domain.models import InboxItem
from worker.mail.registry import MAILS
from worker.mail.render import render_mail
from worker.mail.samples import SAMPLE_MAILS, sample_rows
from worker.mail.templates import mail_template_dir, template_root

TEMPLATE_FILES = {"subject.txt", "body.txt", "body.html"}


class _VisibleHtml(HTMLParser):
    """What a reader of the HTML part sees or can follow: text nodes and link targets (not
    styles, whose numbers are pixels and colours, not facts)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self._skip += 1
        self.parts.extend(value for name, value in attrs if name == "href" and value)

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible(html_part: str) -> str:
    parser = _VisibleHtml()
    parser.feed(html_part)
    return "\n".join(parser.parts)


def facts(context) -> set[str]:
    """Every string a mail's context holds (nested lists and dicts included)."""
    if isinstance(context, str):
        return {context} if context.strip() else set()
    if isinstance(context, dict):
        return set().union(*(facts(value) for value in context.values())) if context else set()
    if isinstance(context, list):
        return set().union(*(facts(value) for value in context)) if context else set()
    return set()


def numbers(text: str) -> set[str]:
    return set(re.findall(r"\d[\d,]*", text))


def rendered_sample(name, settings):
    declaration = MAILS[name]
    own_facts = declaration.build(sample_rows(settings), settings, SAMPLE_MAILS[name].outbox_context)
    context = declaration.context(sample_rows(settings), settings, SAMPLE_MAILS[name].outbox_context)
    return own_facts, render_mail(name, context)


@pytest.mark.parametrize("name", list(MAILS))
def test_every_declared_mail_renders_a_one_line_subject_and_two_parts_with_the_same_facts(name, settings):
    own_facts, mail = rendered_sample(name, settings)
    html_visible = visible(mail.html)

    assert mail.subject and "\n" not in mail.subject and "\r" not in mail.subject
    assert mail.subject.startswith("【ハローワークインターネットサービス】")
    for part in (mail.subject, mail.text, mail.html):
        assert "{{" not in part and "{%" not in part and "}}" not in part and "%}" not in part
    for fact in facts(own_facts):
        assert fact in mail.text, f"{name}: the text part lacks {fact!r}"
        assert fact in html_visible, f"{name}: the HTML part lacks {fact!r}"
    # Numbers written into the templates themselves (50分, 3ヶ月で5件, 0570-077450…) too.
    assert numbers(mail.text) == numbers(html_visible)
    for part in (mail.text, html_visible):
        assert "様" in part and "0570-077450" in part and "ハローワークインターネットサービス" in part
        assert "お送りしています" in part  # why the seeker gets this mail
        assert "system@mail.hellowork.mhlw.go.jp" in part


def test_every_template_folder_belongs_to_a_declared_mail_and_every_mail_has_its_templates():
    folders = {path.name: {f.name for f in path.iterdir()} for path in mail_template_dir().iterdir() if path.is_dir()}
    assert set(folders) == set(MAILS)
    for name, files in folders.items():
        assert files == TEMPLATE_FILES, name
    assert set(SAMPLE_MAILS) == set(MAILS)


def test_the_templates_are_found_in_the_source_tree():
    assert (template_root() / "mail" / "base.html").is_file()


def test_what_staff_wrote_is_escaped_in_html_and_kept_as_written_in_text(settings):
    rows = sample_rows(settings)
    notice = rows.get(InboxItem, 3)
    notice.title = '<script>alert("x")</script> & 持ち物'
    notice.body = "1行目 <b>太字ではない</b>\n2行目"
    context = MAILS["notice"].context(rows, settings, SAMPLE_MAILS["notice"].outbox_context)
    mail = render_mail("notice", context)

    assert "<script>" not in mail.html and "<b>太字" not in mail.html
    assert html.escape(notice.title, quote=False) in mail.html.replace("&#34;", '"')
    assert notice.title in mail.text and "1行目 <b>太字ではない</b>\n2行目" in mail.text


def test_a_fact_missing_from_the_context_is_an_error_not_a_blank(settings):
    context = MAILS["restricted"].context(sample_rows(settings), settings, SAMPLE_MAILS["restricted"].outbox_context)
    del context["seeker_name"]
    with pytest.raises(UndefinedError):
        render_mail("restricted", context)

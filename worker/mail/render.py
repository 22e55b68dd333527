"""Rendering a declared mail's three templates from its context."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from worker.mail.templates import environment


class SubjectNotOneLine(ValueError):
    """A subject template produced more than one line (a header cannot hold a line break)."""


@dataclass(frozen=True)
class RenderedMail:
    name: str
    subject: str
    text: str
    html: str


def render_mail(name: str, context: Mapping[str, Any]) -> RenderedMail:
    """Render ``templates/mail/<name>/`` (subject.txt, body.txt, body.html) with ``context``.

    ``context`` is what the mail's declaration built (facts already formatted for reading);
    a missing fact raises ``jinja2.UndefinedError``."""
    env = environment()
    subject = env.get_template(f"mail/{name}/subject.txt").render(context).strip()
    if "\n" in subject or "\r" in subject:
        raise SubjectNotOneLine(f"the subject of mail {name!r} spans more than one line")
    text = env.get_template(f"mail/{name}/body.txt").render(context)
    html = env.get_template(f"mail/{name}/body.html").render(context)
    return RenderedMail(name=name, subject=subject, text=text, html=html)

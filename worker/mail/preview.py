"""Previews: a declared mail rendered from sample data, as the ``.eml`` a seeker's client would
receive and as the HTML part alone, for staff to look at."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

from worker.config import Settings
from worker.domain.models import InboxItem, InboxKind, Seeker
from worker.mail.message import build_message, message_id_for
from worker.mail.registry import declaration_of
from worker.mail.render import RenderedMail, render_mail
from worker.mail.samples import SAMPLE_MAILS, SAMPLE_NOW, SampleRows, sample_rows

# Samples are fiction: their 認証キー comes from this key, never from the installation's secret.
PREVIEW_SECRET_KEY = "preview-only: not the installation's secret"


def preview_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"secret_key": PREVIEW_SECRET_KEY})


def render_sample(name: str, settings: Settings) -> RenderedMail:
    settings = preview_settings(settings)
    context = declaration_of(name).context(sample_rows(settings), settings, SAMPLE_MAILS[name].outbox_context)
    return render_mail(name, context)


def sample_message(name: str, settings: Settings) -> EmailMessage:
    """Dated at the sample world's "now", so the Date header agrees with the times in the body."""
    return build_message(
        render_sample(name, settings), to=SAMPLE_MAILS[name].recipient, mail_from=settings.mail_from,
        from_name=settings.mail_from_name, message_id=message_id_for(f"preview:{name}", settings.mail_from),
        date=SAMPLE_NOW.astimezone(settings.tz),
    )


def write_preview(name: str, out_dir: Path, settings: Settings) -> tuple[Path, Path]:
    """Write ``<out_dir>/<name>.eml`` and ``<out_dir>/<name>.html``; returns both paths."""
    message = sample_message(name, settings)
    out_dir.mkdir(parents=True, exist_ok=True)
    eml, html = out_dir / f"{name}.eml", out_dir / f"{name}.html"
    eml.write_bytes(message.as_bytes())
    html.write_text(message.get_body(("html",)).get_content(), encoding="utf-8")
    return eml, html


def render_notice_preview(title: str, body: str, settings: Settings) -> RenderedMail:
    """A お知らせ as its ``notice`` mail would look, addressed to the sample world's first seeker:
    staff see the mail before they send it."""
    rows = sample_rows(preview_settings(settings))
    seeker = next(row for row in rows.rows if isinstance(row, Seeker))
    item = InboxItem(id=0, seeker_id=seeker.id, kind=InboxKind.NOTICE, dedupe_key="notice:preview", title=title, body=body)
    context = declaration_of("notice").context(SampleRows([seeker, item]), settings,
                                               {"seeker_id": seeker.id, "inbox_item_id": 0})
    return render_mail("notice", context)

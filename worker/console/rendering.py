"""The console's Jinja2 environment (autoescaped: every value from the database is text) and
the filters pages share: JST times, counts, and SMTP answers with any address masked."""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from worker.console.auth import CSRF_FIELD, csrf_token
from worker.mail.templates import template_root

_ADDRESS = re.compile(r"[^\s<>()\"',;:]+@[^\s<>()\"',;:]+")
NAV = [("/", "ダッシュボード", "viewer"), ("/batches", "推薦バッチ", "viewer"), ("/notices", "お知らせ", "viewer"),
       ("/seekers", "ヘルプデスク", "viewer"), ("/mails", "メール", "viewer"), ("/audit", "監査ログ", "viewer"),
       ("/staff", "職員", "admin")]


def console_template_dir() -> Path:
    return template_root() / "console"


def masked(text: str | None) -> str:
    """An SMTP answer may quote the recipient: staff see the answer, not the address."""
    return _ADDRESS.sub("（アドレス）", text or "")


@cache
def environment(timezone: str) -> Environment:
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(timezone)
    env = Environment(loader=FileSystemLoader(console_template_dir()), autoescape=select_autoescape(default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)

    def jst(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
        return moment.astimezone(tz).strftime(fmt) if moment else "—"

    env.filters.update(jst=jst, n=lambda v: f"{v:,}" if isinstance(v, int) else v, masked=masked)
    env.globals.update(nav=NAV, csrf_field=CSRF_FIELD)
    return env


def render(request: Request, template_name: str, status_code: int = 200, **context) -> HTMLResponse:
    settings = request.app.state.settings
    template = environment(settings.timezone).get_template(template_name)
    staff = getattr(request.state, "staff", None)
    html = template.render(request=request, staff=staff, csrf_token=csrf_token(request), path=request.url.path,
                           timezone=settings.timezone, **context)
    return HTMLResponse(html, status_code=status_code)

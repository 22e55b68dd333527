"""Where the mail templates are and the one Jinja2 environment that renders them.

The templates live at the top of the repository (``templates/mail/<name>/``). An installed
wheel carries them as ``worker/_templates`` (see ``pyproject.toml``), so the package copy wins
when it exists and the source tree is the fallback.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

_PACKAGE_DIR = Path(__file__).resolve().parent.parent  # .../worker


def template_root() -> Path:
    """The folder holding ``mail/``: the wheel's ``worker/_templates`` or the repository's ``templates``."""
    for candidate in (_PACKAGE_DIR / "_templates", _PACKAGE_DIR.parent / "templates"):
        if (candidate / "mail").is_dir():
            return candidate
    raise FileNotFoundError(
        f"no mail templates: neither {_PACKAGE_DIR / '_templates'} nor {_PACKAGE_DIR.parent / 'templates'} exists"
    )


def mail_template_dir() -> Path:
    return template_root() / "mail"


@cache
def environment() -> Environment:
    """HTML templates are autoescaped, text templates are not; an undefined name is an error,
    so a context that lacks a fact fails loudly instead of mailing a blank."""
    return Environment(
        loader=FileSystemLoader(template_root()),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )

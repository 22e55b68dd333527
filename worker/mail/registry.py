"""``MAILS``: every declared mail by name."""

from __future__ import annotations

from worker.mail.declaration import MailDeclaration
from worker.mail.kinds import DECLARED

MAILS: dict[str, MailDeclaration] = {declaration.name: declaration for declaration in DECLARED}


class UnknownMail(LookupError):
    def __init__(self, name: str):
        super().__init__(f"no mail is declared as {name!r}; declared: {', '.join(MAILS)}")


def declaration_of(name: str) -> MailDeclaration:
    try:
        return MAILS[name]
    except KeyError:
        raise UnknownMail(name) from None

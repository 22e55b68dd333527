"""``mypage-worker staff add NAME --role viewer|operator|admin``, ``staff list``, ``staff
disable NAME``: the console's staff accounts. The password is read from a prompt (or from
standard input when it is not a terminal), never from an argument, so it stays out of the
shell history and the process list."""

from __future__ import annotations

import getpass
import sys

from worker.config import load_settings

ROLE_CHOICES = ("viewer", "operator", "admin")


def register(sub) -> None:
    parser = sub.add_parser("staff", help="staff accounts of the console (add, list, disable)")
    actions = parser.add_subparsers(dest="staff_action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="add a staff account; the password is asked for (or read from stdin)")
    add.add_argument("name", metavar="NAME", help="login name: half-width letters, digits and . _ -")
    add.add_argument("--role", required=True, choices=ROLE_CHOICES,
                     help="viewer sees; operator also runs batches and notices; admin also manages staff and suppressions")
    add.set_defaults(func=_add)
    listing = actions.add_parser("list", help="the staff accounts with their roles and state")
    listing.set_defaults(func=_list)
    disable = actions.add_parser("disable", help="disable a staff account (its sessions end at once)")
    disable.add_argument("name", metavar="NAME", help="the staff account to disable")
    disable.set_defaults(func=_disable)


def _read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("パスワード: ")
        if getpass.getpass("パスワード（確認）: ") != first:
            raise ValueError("確認のパスワードが一致しません。")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def _engine():
    from worker.console.database import open_database

    return open_database(load_settings())


def _run(action) -> int:
    """Run ``action(session, now)`` in one transaction; rule violations become one line on stderr."""
    from worker.console.database import DatabaseNotReady
    from worker.db import session_scope
    from worker.domain.errors import MyPageError
    from worker.domain.models import utcnow

    try:
        engine = _engine()
    except DatabaseNotReady as exc:
        print(exc, file=sys.stderr)
        return 1
    try:
        with session_scope(engine) as session:
            return action(session, utcnow())
    except MyPageError as exc:
        print(f"{exc.field}: {exc.message}" if exc.field else exc.message, file=sys.stderr)
        return 1
    finally:
        engine.dispose()


def _add(args) -> int:
    from worker.domain.errors import MyPageError
    from worker.services.audit import record
    from worker.services.staff import add_staff, validate_name

    try:
        validate_name(args.name)  # before asking for a password that would be thrown away
        password = _read_password()
    except MyPageError as exc:
        print(f"{exc.field}: {exc.message}", file=sys.stderr)
        return 1
    except (ValueError, EOFError) as exc:
        print(f"password: {exc or 'パスワードが入力されませんでした。'}", file=sys.stderr)
        return 1

    def add(session, now) -> int:
        account = add_staff(session, name=args.name, role=args.role, password=password, now=now)
        record(session, staff_id=None, action="staff.add", summary=f"{account.name} ({account.role}) をコマンドで追加",
               details={"staff_id": account.id, "role": account.role, "via": "cli"}, now=now)
        print(f"staff account {account.name} added ({account.role})")
        return 0

    return _run(add)


def _list(args) -> int:
    from rich.console import Console
    from rich.table import Table

    from worker.services.staff import list_staff

    def show(session, now) -> int:
        table = Table(title="staff accounts")
        for column in ("name", "role", "state", "last login (UTC)", "created (UTC)"):
            table.add_column(column)
        for account in list_staff(session):
            table.add_row(account.name, account.role, "disabled" if account.disabled_at else "active",
                          f"{account.last_login_at:%Y-%m-%d %H:%M}" if account.last_login_at else "—",
                          f"{account.created_at:%Y-%m-%d %H:%M}")
        Console().print(table)
        return 0

    return _run(show)


def _disable(args) -> int:
    from worker.services.audit import record
    from worker.services.staff import disable_staff

    def disable(session, now) -> int:
        account = disable_staff(session, name=args.name, now=now)
        record(session, staff_id=None, action="staff.disable", summary=f"{account.name} をコマンドで無効化",
               details={"staff_id": account.id, "via": "cli"}, now=now)
        print(f"staff account {account.name} disabled")
        return 0

    return _run(disable)

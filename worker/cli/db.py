"""``mypage-worker db upgrade``: apply the Alembic migrations to the configured database."""

from __future__ import annotations

from worker.config import load_settings


def register(sub) -> None:
    parser = sub.add_parser("db", help="database migrations")
    actions = parser.add_subparsers(dest="db_action", required=True)
    up = actions.add_parser("upgrade", help="apply migrations up to REVISION (default head)")
    up.add_argument("revision", nargs="?", default="head", help="the Alembic revision to reach (default: head)")
    up.set_defaults(func=_upgrade)


def _upgrade(args) -> int:
    from worker.migrate import upgrade

    settings = load_settings()
    settings.make_var_dir()
    upgrade(settings.effective_database_url, args.revision)
    print(f"database at revision {args.revision}")
    return 0

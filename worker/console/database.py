"""The console's database: the worker's own. On embedded defaults it is migrated on start, as
``mypage-worker run`` does; a configured database must have been upgraded by the operator."""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from worker.config import Settings
from worker.db import make_engine
from worker.migrate import upgrade

NEEDED_TABLES = ("staff_account", "audit_log", "notice_draft")


class DatabaseNotReady(RuntimeError):
    """The configured database is unreachable or lacks the console's tables; the message says
    what to do."""


def open_database(settings: Settings) -> Engine:
    if not settings.database_url:  # embedded: keep the SQLite file at the current schema
        settings.var_dir.mkdir(parents=True, exist_ok=True)
        upgrade(settings.effective_database_url)
    # hide_parameters: a failed statement's message (logged) would otherwise quote its values,
    # such as the e-mail address a helpdesk look-up searched for.
    engine = make_engine(settings.effective_database_url, hide_parameters=True)
    try:
        missing = [name for name in NEEDED_TABLES if not inspect(engine).has_table(name)]
    except OperationalError as exc:
        engine.dispose()
        raise DatabaseNotReady(
            f"データベース（{engine.url.render_as_string(hide_password=True)}）に接続できません"
            f"（{type(exc.orig).__name__}）。起動しているか、MYPAGE_DATABASE_URL を確認してください。") from None
    if missing:
        engine.dispose()
        raise DatabaseNotReady(
            f"データベースに職員コンソールのテーブル（{', '.join(missing)}）がありません。"
            "先に `mypage-worker db upgrade` を実行してください。")
    return engine

"""The console's database: the worker's own. On embedded defaults it is migrated on start, as
``mypage-worker run`` does; a configured database must have been upgraded by the operator."""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.engine import Engine

from worker.config import Settings
from worker.db import make_engine
from worker.migrate import upgrade

NEEDED_TABLES = ("staff_account", "audit_log", "notice_draft")


class DatabaseNotReady(RuntimeError):
    """The configured database lacks the console's tables; the message says what to run."""


def open_database(settings: Settings) -> Engine:
    if not settings.database_url:  # embedded: keep the SQLite file at the current schema
        settings.var_dir.mkdir(parents=True, exist_ok=True)
        upgrade(settings.effective_database_url)
    engine = make_engine(settings.effective_database_url)
    missing = [name for name in NEEDED_TABLES if not inspect(engine).has_table(name)]
    if missing:
        engine.dispose()
        raise DatabaseNotReady(
            f"データベースに職員コンソールのテーブル（{', '.join(missing)}）がありません。"
            "先に `mypage-worker db upgrade` を実行してください。")
    return engine

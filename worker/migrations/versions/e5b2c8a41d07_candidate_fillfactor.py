"""recommendation_candidate: fillfactor 70 on PostgreSQL, so a round's chosen_at is a HOT update

A round marks about one candidate in five chosen. On full pages each new row version went to
another page with a new primary-key entry; with 30 % of each page free it stays on its page
(heap-only tuple), and the round's UPDATE took less than half the time. Only pages written
after the change keep the room; candidates live a week, so the table turns over by itself.

Revision ID: e5b2c8a41d07
Revises: d4a9e7c31f58
Create Date: 2026-12-01 23:20:00.000000
"""
from collections.abc import Sequence

from alembic import op

revision: str = 'e5b2c8a41d07'
down_revision: str | None = 'd4a9e7c31f58'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute('ALTER TABLE recommendation_candidate SET (fillfactor = 70)')


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute('ALTER TABLE recommendation_candidate RESET (fillfactor)')

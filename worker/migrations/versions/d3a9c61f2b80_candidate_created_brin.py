"""recommendation_candidate.created_at: a BRIN index on PostgreSQL instead of a B-tree

Candidates are written by the million in the order they are created, and the index on
created_at only serves the upkeep's "older than candidate_days" and the round's age filter:
a BRIN index (one summary per block range) costs next to nothing per row where the B-tree
cost about a quarter of each row's insert. SQLite keeps its B-tree.

Revision ID: d3a9c61f2b80
Revises: b7e41c2a9d10
Create Date: 2026-12-01 20:15:00.000000
"""
from collections.abc import Sequence

from alembic import op

revision: str = 'd3a9c61f2b80'
down_revision: str | None = 'b7e41c2a9d10'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.drop_index('ix_recommendation_candidate_created', table_name='recommendation_candidate')
    op.create_index('ix_recommendation_candidate_created', 'recommendation_candidate', ['created_at'],
                    postgresql_using='brin')


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.drop_index('ix_recommendation_candidate_created', table_name='recommendation_candidate')
    op.create_index('ix_recommendation_candidate_created', 'recommendation_candidate', ['created_at'])

"""offer_shard_match: which shards of the condition index have matched an offer

Revision ID: d4a9e7c31f58
Revises: d3a9c61f2b80
Create Date: 2026-12-01 20:40:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'd4a9e7c31f58'
down_revision: str | None = 'd3a9c61f2b80'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('offer_shard_match',
    sa.Column('job_offer_id', sa.Integer(), nullable=False),
    sa.Column('shard', sa.Integer(), nullable=False),
    sa.Column('matched_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('job_offer_id', 'shard')
    )


def downgrade() -> None:
    op.drop_table('offer_shard_match')

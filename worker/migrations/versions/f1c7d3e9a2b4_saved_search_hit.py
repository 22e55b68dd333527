"""saved_search_hit: a saved search's new offers, appended by the matching batches

Before, each batch rewrote the JSON offer list of every saved-search mail it hit, under the
mail's row lock: the list grew all day and batches waited on each other. Now a batch COPYs
(search, offer) rows here and the mail reads them when it is sent. Mails queued before this
revision keep their list (``job_offer_ids``) and are sent from it.

Revision ID: f1c7d3e9a2b4
Revises: e5b2c8a41d07
Create Date: 2026-12-02 02:40:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'f1c7d3e9a2b4'
down_revision: str | None = 'e5b2c8a41d07'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('saved_search_hit',
    sa.Column('condition_id', sa.Integer(), nullable=False),
    sa.Column('job_offer_id', sa.Integer(), nullable=False),
    sa.Column('seeker_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('condition_id', 'job_offer_id')
    )
    op.create_index('ix_saved_search_hit_day', 'saved_search_hit', ['day'], postgresql_using='brin')


def downgrade() -> None:
    op.drop_index('ix_saved_search_hit_day', table_name='saved_search_hit')
    op.drop_table('saved_search_hit')

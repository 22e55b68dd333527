"""outbox_mail.send_started_at: an attempt that reached the server without a recorded outcome

Revision ID: b7e41c2a9d10
Revises: f856a03b1fc6
Create Date: 2026-12-01 15:45:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'b7e41c2a9d10'
down_revision: str | None = 'f856a03b1fc6'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('outbox_mail', schema=None) as batch_op:
        batch_op.add_column(sa.Column('send_started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox_mail', schema=None) as batch_op:
        batch_op.drop_column('send_started_at')

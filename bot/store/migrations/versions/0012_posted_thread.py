"""posted messages remember their thread, so a reaction's answer goes to that thread

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 06:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "posted_message",
        sa.Column("thread_ts", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    )


def downgrade() -> None:
    with op.batch_alter_table("posted_message") as batch:
        batch.drop_column("thread_ts")

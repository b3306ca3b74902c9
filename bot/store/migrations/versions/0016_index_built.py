"""topic tags and words say whether the contribution created files there (who built an area)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table -> (its index by word and time, the word's column)
TABLES = {
    "contribution_topic": ("ix_contribution_topic_topic_time", "topic"),
    "contribution_term": ("ix_contribution_term_term_time", "term"),
}


def upgrade() -> None:
    # Work ingested before this revision reads as not built until it is ingested again.
    for table, (index, column) in TABLES.items():
        op.add_column(
            table, sa.Column("built", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        # The index carries `built`, so `who` reads a topic's window from the index alone.
        op.drop_index(index, table_name=table)
        op.create_index(index, table, [column, "occurred_at", "built"], unique=False)


def downgrade() -> None:
    for table, (index, column) in TABLES.items():
        op.drop_index(index, table_name=table)
        op.create_index(index, table, [column, "occurred_at"], unique=False)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("built")

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

TABLES = ("contribution_topic", "contribution_term")


def upgrade() -> None:
    # Work ingested before this revision reads as not built until it is ingested again.
    for table in TABLES:
        op.add_column(
            table, sa.Column("built", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("built")

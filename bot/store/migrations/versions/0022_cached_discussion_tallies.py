"""each cached person-topic score keeps its tallied issues and comments (count, first, last)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 08:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa

import bot.store.models
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("discussion_first", "discussion_last", "discussion_first_plain")


def upgrade() -> None:
    # Derived data: scores summed before this revision lack the tallies, so they are dropped
    # and answers are summed live until the next refresh (after the next sync or ingest).
    op.execute("DELETE FROM score_cache")
    op.execute("DELETE FROM topic_score")
    with op.batch_alter_table("topic_score") as batch:
        batch.add_column(sa.Column("discussion", sa.Integer(), server_default="0", nullable=False))
        for name in COLUMNS:
            batch.add_column(
                sa.Column(name, bot.store.models.UTCDateTime(timezone=True), nullable=True)
            )


def downgrade() -> None:
    with op.batch_alter_table("topic_score") as batch:
        for name in ("discussion", *COLUMNS):
            batch.drop_column(name)

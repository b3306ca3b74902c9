"""person window: each person's activity in the score cache's window

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 19:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "person_window",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("contributions", sa.Integer(), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("person_id"),
    )
    # A cache refreshed before this table existed has no window activity to answer with.
    op.execute("DELETE FROM topic_score")
    op.execute("DELETE FROM score_cache")


def downgrade() -> None:
    op.drop_table("person_window")

"""monthly sums of big topics, kept with the score cache, for live answers

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 17:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa

import bot.store.models
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Empty until the next refresh: live answers sum rows as before until then.
    op.create_table(
        "topic_month",
        sa.Column("topic", sa.String(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("founder", sa.Boolean(), nullable=False),
        sa.Column("contributions", sa.Integer(), nullable=False),
        sa.Column("expertise", sa.Float(), nullable=False),
        sa.Column("activity", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("topic", "person_id", "kind", "month", "founder"),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("score_cache") as batch:
        batch.add_column(
            sa.Column("months_before", bot.store.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("month_topics", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("months_fingerprint", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("score_cache") as batch:
        batch.drop_column("months_fingerprint")
        batch.drop_column("month_topics")
        batch.drop_column("months_before")
    op.drop_table("topic_month")

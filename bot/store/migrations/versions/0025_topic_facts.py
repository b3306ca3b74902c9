"""a cached answer's facts of each topic's first page are worked out once after a refresh

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 23:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa

import bot.store.models
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Empty until the next refresh: answers work out their facts as before until then.
    op.create_table(
        "topic_facts",
        sa.Column("topic", sa.String(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("cache_id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("merged_prs", sa.Integer(), nullable=False),
        sa.Column("reviews", sa.Integer(), nullable=False),
        sa.Column("commits", sa.Integer(), nullable=False),
        sa.Column("discussion", sa.Integer(), nullable=False),
        sa.Column("authors_reviewed", sa.Integer(), nullable=False),
        sa.Column("first", bot.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last", bot.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("founder", sa.Boolean(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["cache_id"], ["score_cache.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("topic", "person_id"),
    )
    op.create_index("ix_topic_facts_cache_id", "topic_facts", ["cache_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_topic_facts_cache_id", table_name="topic_facts")
    op.drop_table("topic_facts")

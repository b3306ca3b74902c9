"""a partial index of open PRs by sender and title, for patches a later version supersedes

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 05:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_PR = sa.text("kind = 'pr' AND state = 'open'")


def upgrade() -> None:
    op.create_index(
        "ix_contribution_open_pr",
        "contribution",
        ["person_id", "title"],
        sqlite_where=OPEN_PR,
        postgresql_where=OPEN_PR,
    )


def downgrade() -> None:
    op.drop_index("ix_contribution_open_pr", table_name="contribution")

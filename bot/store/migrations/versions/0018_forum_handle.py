"""forum usernames maintainer files give beside GitHub logins (one person, by the project's word)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 19:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "forum_handle",
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("source_path", sa.String(), nullable=False),
        sa.Column("handle", sa.String(), nullable=False),
        sa.Column("login", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["repo_id"], ["repo.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("repo_id", "source_path", "handle", "login"),
    )
    op.create_index("ix_forum_handle_handle", "forum_handle", ["handle"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_forum_handle_handle", table_name="forum_handle")
    op.drop_table("forum_handle")

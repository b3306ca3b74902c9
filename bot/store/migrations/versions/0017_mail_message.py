"""mailing-list messages work was read from, by a one-way key of their Message-ID

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 18:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mail_message",
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("message", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("contribution_id", sa.Integer(), nullable=True),
        sa.Column("series", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["repo_id"], ["repo.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["contribution_id"], ["contribution.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("repo_id", "message"),
    )
    op.create_index("ix_mail_message_series", "mail_message", ["repo_id", "series"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_mail_message_series", table_name="mail_message")
    op.drop_table("mail_message")

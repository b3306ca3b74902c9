"""identities keep the profile of the person they came with, so a split restores it

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 12:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("identity", sa.Column("profile", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("identity") as batch:
        batch.drop_column("profile")

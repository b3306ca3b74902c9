"""identity hints: keyed local-part hashes and noreply account ids, for duplicate suggestions

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

import bot.store.models
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "identity", sa.Column("local_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
    )
    op.add_column("identity", sa.Column("github_id", sa.BigInteger(), nullable=True))
    op.create_index("ix_identity_local_hash", "identity", ["local_hash"], unique=False)
    op.create_index("ix_identity_github_id", "identity", ["github_id"], unique=False)
    op.create_table(
        "store_key",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", bot.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("store_key")
    op.drop_index("ix_identity_github_id", table_name="identity")
    op.drop_index("ix_identity_local_hash", table_name="identity")
    with op.batch_alter_table("identity") as batch:
        batch.drop_column("github_id")
        batch.drop_column("local_hash")

"""where people are, with a level: commits keep their author's clock, people their region's level

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 12:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("contribution", sa.Column("utc_offset", sa.SmallInteger(), nullable=True))
    op.add_column(
        "person", sa.Column("region_level", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
    )
    op.add_column(
        "person", sa.Column("region_why", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
    )
    # Regions known so far all came from profiles.
    op.execute(
        "UPDATE person SET region_level = 'stated', region_why = 'profile: ' || location "
        "WHERE region IS NOT NULL AND location IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("person") as batch:
        batch.drop_column("region_why")
        batch.drop_column("region_level")
    with op.batch_alter_table("contribution") as batch:
        batch.drop_column("utc_offset")

"""work nature and hand marks: upkeep changes weigh little; not-people marks can be undone

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 21:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contribution") as batch:
        batch.add_column(sa.Column("nature", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("marked", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    # Cached scores were summed without the nature of each change.
    op.execute("DELETE FROM topic_score")
    op.execute("DELETE FROM score_cache")


def downgrade() -> None:
    with op.batch_alter_table("person") as batch:
        batch.drop_column("marked")
    with op.batch_alter_table("contribution") as batch:
        batch.drop_column("nature")

"""topic tags' and words' indexes carry the person, so a shortlist's rows in an area are found
in the index without reading every row of the area

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 10:40:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table -> (its index by word and time, the word's column). The person costs the words' index
# most: 88 bytes per contribution on ExecuTorch's history (+4.8% of the store), against free-word
# answers at 5M contributions in 0.6 s instead of 1.1 s (median, bench/scale.py).
TABLES = {
    "contribution_topic": ("ix_contribution_topic_topic_time", "topic"),
    "contribution_term": ("ix_contribution_term_term_time", "term"),
}


def upgrade() -> None:
    for table, (index, column) in TABLES.items():
        op.drop_index(index, table_name=table)
        op.create_index(index, table, [column, "occurred_at", "built", "person_id"], unique=False)


def downgrade() -> None:
    for table, (index, column) in TABLES.items():
        op.drop_index(index, table_name=table)
        op.create_index(index, table, [column, "occurred_at", "built"], unique=False)

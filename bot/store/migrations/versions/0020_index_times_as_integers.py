"""the index tables' times as whole microseconds since 1970 on SQLite (models.IndexTime)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 02:45:00.000000

SQLite stored each tag and word row's time as 26 characters of text ('YYYY-MM-DD
HH:MM:SS.ffffff', naive UTC, as SQLAlchemy writes it); the rows become integers in place. The
columns stay DATETIME, so PostgreSQL (timestamptz) has nothing to do. A large store takes a
while: every tag and word row is rewritten once (VACUUM afterwards gives the space back).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("contribution_topic", "contribution_term")

# Text -> microseconds: seconds from strftime('%s') (which reads the text as UTC), plus the
# fraction's digits padded to six (absent when SQLAlchemy wrote none).
TO_MICROSECONDS = (
    "CAST(strftime('%s', substr(occurred_at, 1, 19)) AS INTEGER) * 1000000 + "
    "CASE WHEN length(occurred_at) > 20 "
    "THEN CAST(substr(substr(occurred_at, 21) || '000000', 1, 6) AS INTEGER) ELSE 0 END"
)
TO_TEXT = (
    "strftime('%Y-%m-%d %H:%M:%S', occurred_at / 1000000, 'unixepoch') || '.' || "
    "printf('%06d', occurred_at % 1000000)"
)


def _rewrite(value: str, stored_as: str) -> None:
    """Every index row's time stored as `stored_as` becomes `value` (SQLite only)."""
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        op.execute(
            f"UPDATE {table} SET occurred_at = {value} WHERE typeof(occurred_at) = '{stored_as}'"
        )


def upgrade() -> None:
    _rewrite(TO_MICROSECONDS, "text")


def downgrade() -> None:
    _rewrite(TO_TEXT, "integer")

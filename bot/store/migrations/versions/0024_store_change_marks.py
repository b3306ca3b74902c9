"""the database marks what changes the score cache's sums, so a refresh with nothing new is
skipped after one lookup instead of a comparison of every row

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 12:45:00.000000

Triggers write a mark (`store_change`) when a contribution, a topic tag, an owner line or a
person (added, removed, or turned into a bot or back) changes. On SQLite they run per row and
insert one constant mark, which costs a key lookup once the mark is there (writers take turns,
so one mark says enough). On PostgreSQL inserts and deletes mark per statement, seeing the
statement's rows (transition tables: a statement that touched no row marks nothing), and
updates per row; the mark is the writing transaction's id, which stays invisible, and so is
not deleted by a refresh, until its transaction commits. On both, an update that rewrites a row
as it was marks nothing. SQLite's batch mode rebuilds a table and drops its triggers: a later
migration that rebuilds one of these tables must create them again (a test checks they exist).
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every column as of this revision, compared by SQLite's update triggers (PostgreSQL compares
# whole rows, as text: `json` has no equality).
COLUMNS = {
    "contribution": [
        *("repo_id", "person_id", "kind", "external_id", "url", "title", "state"),
        *("parent_number", "created_at", "occurred_at", "merged_at", "closed_at"),
        *("files_changed", "additions", "deletions", "paths", "labels", "identity_key"),
        *("nature", "utc_offset"),
    ],
    "contribution_topic": ["topic", "person_id", "occurred_at", "built"],
    "code_owner": [
        *("repo_id", "source_path", "line", "pattern", "area", "owner_kind", "owner_value"),
    ],
}
# Not `INSERT OR IGNORE`: SQLite runs a trigger's statements under the conflict policy of the
# statement that fired it, so an upsert's would turn the ignored duplicate into an error.
MARK_SQLITE = (
    "INSERT INTO store_change (tx) SELECT 'sqlite'"
    " WHERE NOT EXISTS (SELECT 1 FROM store_change WHERE tx = 'sqlite');"
)


def upgrade() -> None:
    op.create_table("store_change", sa.Column("tx", sa.String(), primary_key=True))
    op.create_table(
        "store_state",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("generation", sa.Integer(), nullable=False),
    )
    # A store upgraded with a cache in it sums again once: its cache has no generation.
    op.execute("INSERT INTO store_state (id, generation) VALUES (1, 0)")
    op.execute("INSERT INTO store_change (tx) VALUES ('upgraded')")
    with op.batch_alter_table("score_cache") as batch:
        batch.drop_column("signature")
        batch.add_column(sa.Column("generation", sa.Integer(), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_triggers()
    else:
        _postgresql_triggers()


def _sqlite_triggers() -> None:
    for table, columns in COLUMNS.items():
        changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)
        for event, when in (("INSERT", ""), ("DELETE", ""), ("UPDATE", f" WHEN {changed}")):
            op.execute(
                f"CREATE TRIGGER csf_mark_{table}_{event.lower()} AFTER {event} ON {table}"
                f" FOR EACH ROW{when} BEGIN {MARK_SQLITE} END"
            )
    for event, when in (("INSERT", ""), ("DELETE", "")):
        op.execute(
            f"CREATE TRIGGER csf_mark_person_{event.lower()} AFTER {event} ON person"
            f" FOR EACH ROW{when} BEGIN {MARK_SQLITE} END"
        )
    op.execute(
        "CREATE TRIGGER csf_mark_person_update AFTER UPDATE OF is_bot ON person FOR EACH ROW"
        f" WHEN OLD.is_bot IS NOT NEW.is_bot BEGIN {MARK_SQLITE} END"
    )


def _postgresql_triggers() -> None:
    mark = "INSERT INTO store_change (tx) VALUES (txid_current()::text) ON CONFLICT DO NOTHING;"
    op.execute(
        "CREATE FUNCTION csf_mark_rows() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF EXISTS (SELECT 1 FROM changed_rows) THEN {mark} END IF; RETURN NULL; END $$"
    )
    op.execute(
        "CREATE FUNCTION csf_mark_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"{mark} RETURN NULL; END $$"
    )
    for table in (*COLUMNS, "person"):
        for event, rows in (("INSERT", "NEW"), ("DELETE", "OLD")):
            op.execute(
                f"CREATE TRIGGER csf_mark_{table}_{event.lower()} AFTER {event} ON {table}"
                f" REFERENCING {rows} TABLE AS changed_rows FOR EACH STATEMENT"
                " EXECUTE FUNCTION csf_mark_rows()"
            )
    # Updates are few and often rewrite a row as it was (an upsert of unchanged work): per
    # row, and only where something differs.
    for table in COLUMNS:
        op.execute(
            f"CREATE TRIGGER csf_mark_{table}_update AFTER UPDATE ON {table} FOR EACH ROW"
            " WHEN (OLD::text IS DISTINCT FROM NEW::text) EXECUTE FUNCTION csf_mark_row()"
        )
    op.execute(
        "CREATE TRIGGER csf_mark_person_update AFTER UPDATE OF is_bot ON person FOR EACH ROW"
        " WHEN (OLD.is_bot IS DISTINCT FROM NEW.is_bot) EXECUTE FUNCTION csf_mark_row()"
    )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in (*COLUMNS, "person"):
        for event in ("insert", "delete", "update"):
            name = f"csf_mark_{table}_{event}"
            op.execute(f"DROP TRIGGER {name}" if sqlite else f"DROP TRIGGER {name} ON {table}")
    if not sqlite:
        op.execute("DROP FUNCTION csf_mark_rows()")
        op.execute("DROP FUNCTION csf_mark_row()")
    with op.batch_alter_table("score_cache") as batch:
        batch.drop_column("generation")
        batch.add_column(sa.Column("signature", sa.String(), nullable=True))
    op.drop_table("store_state")
    op.drop_table("store_change")

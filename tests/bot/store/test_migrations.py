"""Migrations build, from nothing, exactly the schema the models describe; the app checks it."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

import bot.store.models  # noqa: F401  (tables on the metadata)
from bot.errors import StoreNotMigratedError
from bot.store.engine import (
    alembic_config,
    current_revision,
    head_revision,
    make_engine,
    require_migrated,
    upgrade,
)

EXPECTED_TABLES = {
    "person",
    "identity",
    "repo",
    "sync_cursor",
    "contribution",
    "contribution_topic",
    "candidate",
    "candidate_note",
    "digest_run",
    "digest_entry",
    "suppression",
    "audit_event",
    "http_cache",
    "code_owner",
    "contribution_term",
    "posted_message",
    "slack_event",
    "score_cache",
    "topic_score",
    "job_lock",
    "store_key",
}


def test_upgrade_from_empty_creates_every_table(blank_engine: Engine) -> None:
    assert current_revision(blank_engine) is None
    before, after = upgrade(blank_engine)
    assert before is None
    assert after == head_revision()
    tables = set(sa.inspect(blank_engine).get_table_names())
    assert EXPECTED_TABLES <= tables


def test_the_cheap_schema_check_agrees_with_alembic(engine: Engine) -> None:
    """`csf who` checks the schema without importing Alembic: by the migration files' names
    and one query. Both must say what Alembic itself says."""
    from alembic.script import ScriptDirectory

    from bot.store.engine import _known_revisions

    script = ScriptDirectory.from_config(alembic_config(engine))
    assert head_revision() == script.get_current_head()
    assert _known_revisions() == {rev.revision for rev in script.walk_revisions()}
    with engine.connect() as connection:
        assert (
            current_revision(engine)
            == MigrationContext.configure(connection).get_current_revision()
        )


def test_migrations_match_the_models(engine: Engine) -> None:
    """A model change without a migration shows up here as a non-empty diff."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


def test_upgrade_twice_changes_nothing(engine: Engine) -> None:
    before, after = upgrade(engine)
    assert before == after == head_revision()


def test_downgrade_to_nothing_and_back(engine: Engine) -> None:
    command.downgrade(alembic_config(engine), "base")
    assert current_revision(engine) is None
    assert not EXPECTED_TABLES & set(sa.inspect(engine).get_table_names())
    upgrade(engine)
    assert EXPECTED_TABLES <= set(sa.inspect(engine).get_table_names())


def test_app_refuses_an_unmigrated_store(blank_engine: Engine) -> None:
    with pytest.raises(StoreNotMigratedError, match=r"run `csf migrate`"):
        require_migrated(blank_engine)
    upgrade(blank_engine)
    require_migrated(blank_engine)


def test_app_refuses_a_store_from_a_newer_csf(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '9999_future'"))
    with pytest.raises(StoreNotMigratedError, match="newer than this csf knows"):
        require_migrated(engine)


def test_a_store_recording_several_schema_revisions_is_refused_in_one_line(
    engine: Engine,
) -> None:
    """Alembic refuses an alembic_version with several rows; so does csf's cheap check, instead
    of reading one of them at random, and `csf migrate` changes nothing."""
    head = head_revision()
    with engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO alembic_version VALUES ('0001')"))
    with engine.connect() as connection, pytest.raises(Exception, match="more than one head"):
        MigrationContext.configure(connection).get_current_revision()
    refused = f"records 2 schema revisions \\(0001, {head}\\) in alembic_version"
    for check in (current_revision, require_migrated, upgrade):
        with pytest.raises(StoreNotMigratedError, match=refused) as caught:
            check(engine)
        assert "\n" not in str(caught.value)
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT version_num FROM alembic_version"))
        assert sorted(v for (v,) in rows) == ["0001", head]


def test_identity_uniqueness_skips_names_on_both_backends(engine: Engine) -> None:
    indexes = {ix["name"]: ix for ix in sa.inspect(engine).get_indexes("identity")}
    assert indexes["uq_identity_kind_value"]["unique"]


def test_index_times_become_integers_exactly_and_come_back(tmp_path: Path) -> None:
    """0020 rewrites the tag and word rows' times (text as SQLAlchemy wrote them) as whole
    microseconds on SQLite: read back through the models they are the same aware times, a
    window compares as before, and a downgrade writes the very same text again."""
    from bot.store.models import ContributionTerm, ContributionTopic

    engine = make_engine(f"sqlite:///{tmp_path / 'csf.db'}")
    command.upgrade(alembic_config(engine), "0019")
    written = [
        (1, "2019-03-04 05:06:07.000000"),
        (2, "2024-02-29 23:59:59.999999"),
        (3, "1999-12-31 00:00:00"),  # no fraction: an older SQLAlchemy's text
    ]
    raw = sqlite3.connect(tmp_path / "csf.db")  # foreign keys off: index rows alone suffice
    raw.executemany(
        "INSERT INTO contribution_topic (contribution_id, topic, person_id, occurred_at, built) "
        "VALUES (?, 'toy.parser', 1, ?, 0)",
        written,
    )
    raw.executemany(
        "INSERT INTO contribution_term (contribution_id, term, person_id, occurred_at, built) "
        "VALUES (?, 'lexer', 1, ?, 0)",
        written,
    )
    raw.commit()
    upgrade(engine)
    expected = {
        1: datetime(2019, 3, 4, 5, 6, 7, tzinfo=UTC),
        2: datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=UTC),
        3: datetime(1999, 12, 31, tzinfo=UTC),
    }
    for model in (ContributionTopic, ContributionTerm):
        assert {
            r[0]: r[1]
            for r in raw.execute(
                f"SELECT contribution_id, typeof(occurred_at) FROM {model.__tablename__}"
            )
        } == dict.fromkeys(expected, "integer")
        with Session(engine) as session:
            rows = session.exec(select(model.contribution_id, model.occurred_at)).all()
            assert dict(rows) == expected
            inside = select(model.contribution_id).where(
                model.occurred_at >= datetime(2019, 3, 4, 5, 6, 7, tzinfo=UTC),
                model.occurred_at < datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=UTC),
            )
            assert session.exec(inside).all() == [1]
    command.downgrade(alembic_config(engine), "0019")
    back = raw.execute("SELECT contribution_id, occurred_at FROM contribution_term").fetchall()
    assert dict(back) == {1: written[0][1], 2: written[1][1], 3: "1999-12-31 00:00:00.000000"}


def _change_triggers(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        else:
            query = (
                "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
                " WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace"
            )
        return {name for (name,) in connection.execute(sa.text(query)) if name.startswith("csf_")}


def test_the_change_marks_are_made_by_triggers_on_every_table_the_cache_sums(
    engine: Engine,
) -> None:
    """The score cache is kept only while no change is marked (migration 0024). A later
    migration that rebuilds one of these tables (SQLite's batch mode drops triggers), or a
    column the triggers do not compare, would let a changed store keep a stale cache."""
    import importlib.util

    from bot.store.engine import MIGRATIONS_DIR

    path = MIGRATIONS_DIR / "versions" / "0024_store_change_marks.py"
    spec = importlib.util.spec_from_file_location("marks", path)
    assert spec is not None
    assert spec.loader is not None
    marks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(marks)
    tables = [*marks.COLUMNS, "person"]
    assert _change_triggers(engine) == {
        f"csf_mark_{table}_{event}" for table in tables for event in ("insert", "delete", "update")
    }
    for table, columns in marks.COLUMNS.items():
        model = SQLModel.metadata.tables[table]
        assert set(columns) == {c.name for c in model.columns} - {"id", "contribution_id"}, table


def test_a_store_upgraded_with_a_cache_sums_again_once(tmp_path: Path) -> None:
    """A cache written before the marks existed cannot say what it summed: the first refresh
    after the upgrade sums, the next one with nothing new keeps it."""
    from bot.ranking.scores import keep_if_unchanged
    from bot.ranking.who import load_ranking_config
    from bot.store.models import ScoreCache
    from bot.taxonomy.model import default_taxonomy

    engine = make_engine(f"sqlite:///{tmp_path / 'csf.db'}")
    command.upgrade(alembic_config(engine), "0023")
    when = datetime(2026, 6, 1, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO score_cache (as_of, window_days, fingerprint, signature, "
                "refreshed_at, seconds) VALUES (:when, 3650, 'f', 's', :when, 1.0)"
            ),
            {"when": when.strftime("%Y-%m-%d %H:%M:%S.%f")},
        )
    upgrade(engine)
    taxonomy, config = default_taxonomy(), load_ranking_config()
    with Session(engine) as session:
        assert session.exec(select(ScoreCache)).one().generation is None
        assert not keep_if_unchanged(session, taxonomy, config, as_of=when).kept
        session.commit()
        assert keep_if_unchanged(session, taxonomy, config, as_of=when).kept
    engine.dispose()

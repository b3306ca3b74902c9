"""SQLite is configured for a web process and a worker sharing one file."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.errors import StoreUnavailableError
from bot.store.engine import SQLITE_BUSY_TIMEOUT_MS, make_engine, require_migrated, upgrade


def test_wal_busy_timeout_and_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'csf.db'}")
    with engine.connect() as connection:
        assert connection.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(sa.text("PRAGMA busy_timeout")).scalar() == SQLITE_BUSY_TIMEOUT_MS
        assert connection.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1


@pytest.mark.parametrize("timeout", ["abc", "1e400", "-1", "nan", "86401"])
def test_a_timeout_that_is_not_a_number_of_seconds_is_one_line(
    tmp_path: Path, timeout: str
) -> None:
    with pytest.raises(StoreUnavailableError) as caught:
        make_engine(f"sqlite:///{tmp_path / 'csf.db'}?timeout={timeout}")
    assert str(caught.value) == (
        f"timeout={timeout!r} in CSF_DATABASE_URL is not a number of seconds from 0 to 86400"
    )


def test_a_file_that_is_not_a_database_is_named(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("shopping list\n" * 200)
    engine = make_engine(f"sqlite:///{notes}")
    with pytest.raises(StoreUnavailableError, match=r"notes\.txt: file is not a database"):
        require_migrated(engine)
    with pytest.raises(StoreUnavailableError, match="file is not a database"):
        upgrade(engine)
    engine.dispose()
    assert notes.read_text() == "shopping list\n" * 200  # left as it was


def test_folder_of_the_database_file_is_created(tmp_path: Path) -> None:
    target = tmp_path / "nested" / "state" / "csf.db"
    engine = make_engine(f"sqlite:///{target}")
    upgrade(engine)
    assert target.exists()


def test_a_reader_is_not_blocked_by_an_open_write(tmp_path: Path) -> None:
    """WAL: the bot keeps answering `who` while the worker is inside a long sync transaction."""
    url = f"sqlite:///{tmp_path / 'csf.db'}"
    writer_engine = make_engine(url)
    upgrade(writer_engine)
    reader_engine = make_engine(url)
    inside = threading.Event()
    release = threading.Event()

    def write() -> None:
        with writer_engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO repo (full_name, ecosystem, tracked, added_at) "
                    "VALUES ('apache/tvm', 'tvm', 1, '2026-01-01 00:00:00')"
                )
            )
            inside.set()
            release.wait(10)

    thread = threading.Thread(target=write)
    thread.start()
    try:
        assert inside.wait(10)
        with reader_engine.connect() as connection:
            # The uncommitted row is invisible, and the read does not wait for the writer.
            assert connection.execute(sa.text("SELECT count(*) FROM repo")).scalar() == 0
    finally:
        release.set()
        thread.join()
    with reader_engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM repo")).scalar() == 1

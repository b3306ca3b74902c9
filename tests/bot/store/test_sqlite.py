"""SQLite is configured for a web process and a worker sharing one file."""

from __future__ import annotations

import threading
from pathlib import Path

import sqlalchemy as sa

from bot.store.engine import SQLITE_BUSY_TIMEOUT_MS, make_engine, upgrade


def test_wal_busy_timeout_and_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'csf.db'}")
    with engine.connect() as connection:
        assert connection.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(sa.text("PRAGMA busy_timeout")).scalar() == SQLITE_BUSY_TIMEOUT_MS
        assert connection.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1


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

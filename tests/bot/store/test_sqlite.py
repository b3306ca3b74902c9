"""SQLite is configured for a web process and a worker sharing one file."""

from __future__ import annotations

import math
import sqlite3
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.errors import StoreUnavailableError
from bot.ranking.who import recency_weight
from bot.store.engine import (
    SQLITE_BUSY_TIMEOUT_MS,
    SQLITE_MMAP_BYTES,
    _ensure_pow,
    make_engine,
    require_migrated,
    upgrade,
)


def test_wal_busy_timeout_and_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'csf.db'}")
    with engine.connect() as connection:
        assert connection.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(sa.text("PRAGMA busy_timeout")).scalar() == SQLITE_BUSY_TIMEOUT_MS
        assert connection.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(sa.text("PRAGMA mmap_size")).scalar() == SQLITE_MMAP_BYTES


class _NoMathFunctions:
    """A connection to a SQLite built without math functions: `pow` is unknown until added."""

    def __init__(self) -> None:
        self.connection = sqlite3.connect(":memory:")
        self.added: set[str] = set()

    def execute(self, sql: str) -> sqlite3.Cursor:
        if "pow(" in sql and "pow" not in self.added:
            raise sqlite3.OperationalError("no such function: pow")
        return self.connection.execute(sql)

    def create_function(self, name: str, arity: int, function: object, **kw: object) -> None:
        self.added.add(name)
        self.connection.create_function(name, arity, function, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("age", [0.0, 1.0, 90.5, 180.0, 3650.0])
def test_recency_in_sql_is_the_python_weight_with_or_without_math_functions(age: float) -> None:
    """Live sums weigh rows with SQL `pow`; where SQLite lacks it, Python's is added, and the
    weight is the same number either way as the one the explanations compute."""
    built_in = sqlite3.connect(":memory:")
    _ensure_pow(built_in)
    lacking = _NoMathFunctions()
    _ensure_pow(lacking)
    assert lacking.added == {"pow"}
    query = f"SELECT pow(0.5, max({age}, 0.0) / 180.0)"
    expected = recency_weight(age, 180.0)
    assert built_in.execute(query).fetchone()[0] == expected
    assert lacking.execute(query).fetchone()[0] == expected
    assert math.isclose(expected, 0.5 ** (age / 180.0))


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

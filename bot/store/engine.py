"""The engine, and the schema's migration state.

One code path for SQLite and PostgreSQL. SQLite gets what a bot with a web process and a worker
needs to share one file: WAL (readers never block the writer), a busy timeout (writers wait for
each other instead of failing), and foreign keys switched on (SQLite leaves them off, and the
erasure cascade depends on them).
"""

from __future__ import annotations

import math
import re
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DatabaseError
from sqlmodel import create_engine

from bot.errors import StoreNotMigratedError, StoreUnavailableError

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic (and the migration scripts it loads) is imported only where the schema changes: every
# other command checks the schema with one query and the migration files' names (a quarter of
# a second less for each `csf who`).

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000
MAX_BUSY_TIMEOUT_S = 86_400


def make_engine(url: str, *, create: bool = True, **kwargs: Any) -> Engine:
    """Create an engine for `url`, configured the same way in the bot, the worker and tests.

    Only `csf migrate` (and the demo) may bring a SQLite file into being: with `create=False` a
    path that holds no file is refused, so a mistyped CSF_DATABASE_URL for `who` or `profile`
    says so instead of leaving new folders and an empty store behind.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            path = Path(database).expanduser()
            if not create and not path.exists():
                raise StoreNotMigratedError(
                    f"there is no store at {path}: check CSF_DATABASE_URL, or create one there "
                    "with `csf migrate`"
                )
            folder = path.parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise StoreUnavailableError(
                    f"cannot create the folder {folder} for the SQLite store: {error.strerror} "
                    "(check CSF_DATABASE_URL)"
                ) from None
        busy_ms = _busy_timeout_ms(parsed.query.get("timeout"))
        engine = create_engine(url, **kwargs)  # reads ?timeout= too: checked first

        def pragmas(dbapi_connection: Any, record: Any) -> None:
            _sqlite_pragmas(dbapi_connection, record, busy_ms)

        event.listen(engine, "connect", pragmas)
        return engine
    # PostgreSQL's JIT compiles every `who` sum it deems costly: 270 ms of a 640 ms answer on
    # the 1M benchmark, far more than the compiled expressions save. Off for csf's sessions.
    # psycopg prepares a statement run five times, and PostgreSQL then plans it once for any
    # values: a plan for "some topic, some months" that suits no topic (the 1M benchmark's
    # biggest topic took 1.0-1.3 s from its third asking on, against 0.5 s planned for its
    # values). Each execution is planned for its own values; planning costs under a ms.
    # An `options` connect argument replaces the URL's `?options=`: both are kept, then ours.
    connect_args = dict(kwargs.pop("connect_args", None) or {})
    given = parsed.query.get("options")
    in_url = given if isinstance(given, str) else " ".join(given or ())
    ours = "-c jit=off -c plan_cache_mode=force_custom_plan"
    options = [in_url, connect_args.get("options"), ours]
    connect_args["options"] = " ".join(part for part in options if part)
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args, **kwargs)


def _busy_timeout_ms(timeout: str | tuple[str, ...] | None) -> int:
    """`?timeout=SECONDS` in the URL (sqlite3's own connect argument) in milliseconds.

    It sets how long a writer waits for another (without it, SQLITE_BUSY_TIMEOUT_MS). Anything
    but a number of seconds up to a day is refused here, before SQLAlchemy converts it with a
    traceback.
    """
    if timeout is None:
        return SQLITE_BUSY_TIMEOUT_MS
    text = timeout if isinstance(timeout, str) else ",".join(timeout)
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not 0 <= seconds <= MAX_BUSY_TIMEOUT_S:
        raise StoreUnavailableError(
            f"timeout={text!r} in CSF_DATABASE_URL is not a number of seconds "
            f"from 0 to {MAX_BUSY_TIMEOUT_S}"
        )
    return int(seconds * 1000)


SQLITE_MMAP_BYTES = 1 << 30  # address space only: pages are the OS's file cache, shared


def _ensure_pow(dbapi_connection: Any) -> None:
    """Ranking sums recency weights (`pow(0.5, age / half-life)`) in SQL. SQLite's own `pow`
    is C, four times faster than any function Python adds, which a biggest topic's live sum
    calls twice per row; a SQLite built without math functions gets Python's (the same C
    `pow`, so the same sums, only slower)."""
    try:
        dbapi_connection.execute("SELECT pow(0.5, 1.0)").fetchone()
    except sqlite3.OperationalError:
        dbapi_connection.create_function("pow", 2, math.pow, deterministic=True)


def _sqlite_pragmas(
    dbapi_connection: Any, _record: Any, busy_ms: int = SQLITE_BUSY_TIMEOUT_MS
) -> None:
    _ensure_pow(dbapi_connection)
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA cache_size=-16384")  # 16 MiB: bulk ingests, bounded memory
        cursor.execute("PRAGMA temp_store=MEMORY")
        # Reads through the OS page cache without a copy per page: a big topic's live sum
        # looks up each of its contributions by id, all over the file (a third faster at 1M).
        cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
    finally:
        cursor.close()


def alembic_config(engine: Engine) -> Config:
    """An Alembic config that runs on `engine`; no alembic.ini is needed at run time."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


_REVISION_FILE = re.compile(r"^([0-9]{4})_[a-z0-9_]+\.py$")


def head_revision() -> str:
    """The newest migration: revisions are numbered `NNNN` and their files named after them
    (a test holds this equal to Alembic's own head)."""
    numbers = [
        m.group(1)
        for f in (MIGRATIONS_DIR / "versions").iterdir()
        if (m := _REVISION_FILE.match(f.name))
    ]
    assert numbers, "the migrations folder has no revisions"
    return max(numbers)


def current_revision(engine: Engine) -> str | None:
    """The store's schema revision, read from Alembic's table with one query (None if none;
    refused if the table holds several, as Alembic refuses them)."""
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table("alembic_version"):
                return None
            rows = connection.execute(sa.text("SELECT version_num FROM alembic_version"))
            versions = sorted(str(v) for (v,) in rows)
    except DatabaseError as error:  # unreachable, refused, or a file that is not a database
        reason = str(error.orig).strip().splitlines()[0] if error.orig else "no answer"
        raise StoreUnavailableError(
            f"cannot open the store at {_describe(engine)}: {reason} (check CSF_DATABASE_URL)"
        ) from None
    if len(versions) > 1:
        # csf's migrations are one line: several rows mean the table was edited or two
        # histories were mixed, and which schema the store has cannot be known (Alembic refuses).
        raise StoreNotMigratedError(
            f"the store at {_describe(engine)} records {len(versions)} schema revisions "
            f"({', '.join(versions)}) in alembic_version, where csf keeps one: delete the rows "
            "of the revisions it is not at, then run `csf migrate`"
        )
    return versions[0] if versions else None


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str]:
    """Create or upgrade the schema; returns (revision before, revision after)."""
    before = current_revision(engine)
    if before is not None and before not in _known_revisions():
        raise StoreNotMigratedError(
            f"the store at {_describe(engine)} is at schema {before}, newer than this csf knows "
            f"(head {head_revision()}): upgrade csf; the store was not changed"
        )
    from alembic import command

    command.upgrade(alembic_config(engine), revision)
    after = current_revision(engine)
    assert after is not None
    return before, after


def require_migrated(engine: Engine) -> None:
    """Refuse to run on a store that `csf migrate` has not brought up to this version's schema."""
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return
    where = _describe(engine)
    if current is None:
        raise StoreNotMigratedError(f"the store at {where} has no schema yet: run `csf migrate`")
    if current not in _known_revisions():
        raise StoreNotMigratedError(
            f"the store at {where} is at schema {current}, newer than this csf knows "
            f"(head {head}): upgrade csf"
        )
    raise StoreNotMigratedError(
        f"the store at {where} is at schema {current}, older than {head}: run `csf migrate`"
    )


def _known_revisions() -> set[str]:
    """Every revision this csf ships (by file name, as `head_revision`)."""
    return {
        m.group(1)
        for f in (MIGRATIONS_DIR / "versions").iterdir()
        if (m := _REVISION_FILE.match(f.name))
    }


def _describe(engine: Engine) -> str:
    """The database's URL without its password, fit for an error message."""
    return engine.url.render_as_string(hide_password=True)

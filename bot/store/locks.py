"""Locks in the database: one process per job, and one writer of people at a time.

`job_lock`: one process at a time runs a job (the worker's scheduled jobs, an ingest or a sync of
one repository), whatever runs by mistake. PostgreSQL: a session-level advisory lock, keyed by
the schema and the job's name, held on a connection of its own for the job's length; the server
drops it if the process dies. SQLite has no such thing, so a `job_lock` row with an expiry
stands in: taken when free or expired, kept fresh by a small thread while the job runs, removed
at the end. A process of the same machine that died holding it (kill -9) has its lock taken
over at once; one of another machine blocks the job only until the expiry.

`write_lock`: the transactions that write about people (source writes, forget, merge, split,
pruning, the score refresh) run one at a time, so what one of them checks (is this identity
suppressed, does this person still exist) still holds when it writes. SQLite serialises writers
anyway, once a transaction has begun writing; PostgreSQL needs a transaction-level advisory
lock.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from bot.store.models import JobLock, utcnow

log = logging.getLogger("csf.store")
DEFAULT_TTL = timedelta(minutes=10)  # as the digest's lease: a dead worker holds it no longer
WRITERS = "writers"


def holder_id() -> str:
    """Who holds a lock: host, process and a random part (two schedulers in one process)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@contextmanager
def job_lock(engine: Engine, name: str, *, ttl: timedelta = DEFAULT_TTL) -> Iterator[bool]:
    """Yields True when this worker holds the job's lock, False when another one does."""
    if engine.dialect.name == "postgresql":
        with _advisory(engine, name) as held:
            yield held
    else:
        with _lock_row(engine, name, ttl) as held:
            yield held


@contextmanager
def session_job_lock(session: Session, name: str) -> Iterator[bool]:
    """`job_lock` around work done through `session`.

    The lock is taken on a connection of its own, which on SQLite would wait for the session's
    own open write: what the session did so far is committed first. On failure the session is
    rolled back before the lock is let go, so the next holder never meets a half-written run.
    """
    session.commit()
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    with job_lock(engine, name) as held:
        try:
            yield held
        except BaseException:
            session.rollback()
            raise


@contextmanager
def _advisory(engine: Engine, name: str) -> Iterator[bool]:
    connection = engine.connect()
    try:
        key = _key(connection, name)
        held = bool(
            connection.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
        )
        connection.commit()
        try:
            yield held
        finally:
            if held:
                connection.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                connection.commit()
    except BaseException:
        connection.invalidate()  # never hand a connection that may hold the lock back to the pool
        raise
    finally:
        connection.close()


def _key(connection: Connection, name: str) -> int:
    """A signed 64-bit key from the schema and name: deployments sharing a server stay apart."""
    schema = connection.execute(sa.text("SELECT current_schema()")).scalar()
    digest = hashlib.sha256(f"csf:{schema}:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def _lock_row(engine: Engine, name: str, ttl: timedelta) -> Iterator[bool]:
    me = holder_id()
    table = JobLock.__table__  # type: ignore[attr-defined]
    now = utcnow()
    statement = sqlite_insert(table).values(
        name=name, holder=me, acquired_at=now, expires_at=now + ttl
    )
    with engine.begin() as connection:
        current = connection.execute(sa.select(table.c.holder).where(table.c.name == name))
        gone = [holder for holder in current.scalars() if _died_here(holder)]
        free = table.c.expires_at < now
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=["name"],
                set_={"holder": me, "acquired_at": now, "expires_at": now + ttl},
                where=sa.or_(free, table.c.holder.in_(gone)) if gone else free,
            )
        )
        holder = connection.execute(sa.select(table.c.holder).where(table.c.name == name)).scalar()
    if holder != me:
        yield False
        return
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(ttl.total_seconds() / 3):
            try:
                with engine.begin() as connection:
                    connection.execute(
                        sa.update(table)
                        .where(table.c.name == name, table.c.holder == me)
                        .values(expires_at=utcnow() + ttl)
                    )
            except sa.exc.OperationalError as error:  # a busy database: try again next time
                log.warning("could not renew the %s lock: %s", name, error)

    keeper = threading.Thread(target=renew, name=f"csf-lock-{name}", daemon=True)
    keeper.start()
    try:
        yield True
    finally:
        stop.set()
        keeper.join()
        with engine.begin() as connection:
            connection.execute(sa.delete(table).where(table.c.name == name, table.c.holder == me))


def _died_here(holder: str) -> bool:
    """Whether a lock's holder was a process of this machine that no longer runs (killed -9,
    out of memory): its lock is free at once, not at its expiry."""
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # it runs, as another user
        return False
    return False


def write_lock(session: Session) -> None:
    """Make the session's transaction the store's only writer of people and their work.

    Held until the transaction ends. A source reads suppressions and checks the people it
    cached after this call, in the same transaction as its writes, so a `forget` (which takes
    it too) lands either wholly before those checks or wholly after the commit.
    """
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        key = _key(connection, WRITERS)
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})
        return
    # pysqlite opens a transaction only at the first write, and reads before it see whatever
    # was committed last; BEGIN IMMEDIATE takes the write lock up front (waiting for another
    # writer as long as the busy timeout allows).
    if not connection.connection.driver_connection.in_transaction:  # type: ignore[union-attr]
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class Writer:
    """Takes `write_lock` once per transaction of a session, and says when that is new.

    Sources cache who is who across transactions (pages, batches); whatever they cached may be
    stale in a new transaction (a person forgotten, merged or pruned in between).
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self._held: object | None = None

    def begin(self) -> bool:
        """Hold the lock for the current transaction; True when it is one not seen before."""
        current = self.session.get_transaction()
        if current is not None and current is self._held:
            return False
        write_lock(self.session)
        self._held = self.session.get_transaction()
        return True

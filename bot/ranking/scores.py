"""The score cache: every person's points in every topic, summed once after each sync.

A known-topic `who` for "now" would otherwise sum a topic's whole window of history on every
call (hundreds of milliseconds for a big topic on a million contributions). The refresh runs
the very same sums `who` runs, for every topic at once, as of one moment, and keeps them in
`topic_score`; `who` answers from them while they are fresh (see bot/ranking/who.py), exactly as it
would have answered live at that moment. It is derived data: rebuilt whole, never edited.
"""

from __future__ import annotations

import queue
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from bot.ranking.months import (
    half_lives,
    month_of,
    month_sql,
    month_start,
    months_fingerprint,
    weighed_sql,
)
from bot.ranking.who import (
    PREPARED,
    TALLIED,
    Scope,
    built_factor,
    component_of,
    founder_sql,
    founding_cut,
    founding_factor,
    latest_score_cache,
    points_sql,
    score_cache_for,
    scoring_fingerprint,
    topic_owners,
    unchanged_since,
    who,
    window_activity,
)
from bot.store.locks import write_lock
from bot.store.models import (
    CodeOwner,
    Contribution,
    ContributionTopic,
    Person,
    PersonWindow,
    Repo,
    ScoreCache,
    StoreChange,
    StoreState,
    TopicFacts,
    TopicMonth,
    TopicScore,
)
from bot.store.writes import bulk_write, counted_once
from bot.taxonomy.model import Taxonomy
from bot.taxonomy.question import Reading

BATCH = 20_000
READERS = 2  # connections summing topics side by side on SQLite: two cores halve the sums
FACTS_KEY = ("topic", "person_id")  # of `TopicFacts`
HANDOVER = 0.001  # seconds between handovers of the interpreter's lock while they do


@dataclass(frozen=True)
class ScoreRefresh:
    as_of: datetime
    topics: int
    scores: int
    seconds: float
    kept: bool = False  # nothing had changed: the last refresh stands
    locked: float = 0.0  # seconds of `seconds` spent holding the write lock (the swap)

    def summary(self) -> str:
        if self.kept:
            return (
                f"scores kept as of {self.as_of:%Y-%m-%d %H:%M} UTC: nothing new to sum since "
                f"that refresh ({self.seconds:.1f} s)"
            )
        return (
            f"scores refreshed as of {self.as_of:%Y-%m-%d %H:%M} UTC: {self.scores:,} "
            f"person-topic scores in {self.topics:,} topics ({self.seconds:.1f} s)"
        )


def claim(session: Session) -> int:
    """Take a new store generation and delete the change marks the database shows (in a
    transaction of its own, committed): the refresh that follows sums at least what they marked.

    A mark its writer has not committed yet is not shown, so it stays and brings the next refresh
    back; a write after this one marks again. What the session held before is committed first.
    """
    session.commit()
    session.execute(sa.delete(StoreChange))
    state = StoreState.__table__  # type: ignore[attr-defined]
    session.execute(sa.update(state).values(generation=state.c.generation + 1))
    generation = int(session.scalar(sa.select(state.c.generation)) or 0)
    session.commit()
    return generation


def keep_if_unchanged(
    session: Session,
    taxonomy: Taxonomy,
    config: Mapping[str, Any],
    *,
    as_of: datetime | None = None,
) -> ScoreRefresh:
    """The refresh after an ingest or a sync: none at all (0 s) when the store holds exactly
    what the last refresh summed, under the same settings and taxonomy, and that refresh is
    still less than half `score_cache.max_age_hours` old; else `refresh_scores`."""
    started = time.perf_counter()
    when = as_of or datetime.now(UTC)
    last = latest_score_cache(session)
    half_life = timedelta(hours=float(config["score_cache"]["max_age_hours"]) / 2)
    if (
        last is not None
        and unchanged_since(session, last.generation)
        and last.fingerprint == scoring_fingerprint(config, taxonomy)
        and last.window_days == int(config["window_days"])
        and last.as_of <= when < last.as_of + half_life
    ):
        return ScoreRefresh(last.as_of, 0, 0, time.perf_counter() - started, kept=True)
    return refresh_scores(session, taxonomy, config, as_of=when)


def refresh_scores(
    session: Session,
    taxonomy: Taxonomy,
    config: Mapping[str, Any],
    *,
    as_of: datetime | None = None,
) -> ScoreRefresh:
    """Rebuild the score cache as of `as_of` (default now); what the session held before is
    committed first, and the new cache is the caller's to commit.

    The sums are the long part (half a minute at a million contributions). They go into this
    connection's temporary tables while no write lock is held, reading one snapshot of the
    store on SQLite (where two more connections on the same snapshot sum topics side by side),
    so answers (which write an audit row), syncs and ingests go on meanwhile.
    Only the swap into `topic_score` takes `write_lock` (one rebuild at a time, none while a
    person is forgotten or merged), held until the caller commits. A person forgotten or
    merged away during the sums is left out at the swap, and the cache records the store as
    the sums read it, so whatever landed meanwhile brings the next refresh back.
    """
    started = time.perf_counter()
    generation = claim(session)
    with _snapshot(session) as readers, _quick_handovers(readers):
        return _refresh(session, taxonomy, config, as_of, readers, started, generation)


@contextmanager
def _quick_handovers(readers: Sequence[sa.Connection]) -> Iterator[None]:
    """While readers sum beside the session, the interpreter's lock changes hands every
    `HANDOVER` seconds instead of every 5 ms.

    sqlite3 lets go of that lock for each step of a statement; with the readers busy, the
    thread that let go waits out a whole switch interval to have it back (the convoy effect).
    At 5M contributions the staged writes took 32 s of an 83 s refresh that way, 5 s alone;
    at 1 ms the refresh took 62.9 s (0.5 ms: 62.7 s, 2 ms: 67.0 s). The same rows either way.
    """
    if not readers:
        yield
        return
    with _handing.lock:
        if not _handing.running:
            _handing.before = sys.getswitchinterval()
            sys.setswitchinterval(min(_handing.before, HANDOVER))
        _handing.running += 1
    try:
        yield
    finally:
        with _handing.lock:  # refreshes side by side in one process: the last one puts it back
            _handing.running -= 1
            if not _handing.running:
                sys.setswitchinterval(_handing.before)


@dataclass
class _Handing:
    """The refreshes under way in this process with readers, and the switch interval from
    before the first of them."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    running: int = 0
    before: float = 0.0


_handing = _Handing()


def _refresh(
    session: Session,
    taxonomy: Taxonomy,
    config: Mapping[str, Any],
    as_of: datetime | None,
    readers: list[sa.Connection],
    started: float,
    generation: int,
) -> ScoreRefresh:
    connection = session.connection()
    sqlite = connection.dialect.name == "sqlite"
    when = as_of or datetime.now(UTC)
    days = int(config["window_days"])
    start = when - timedelta(days=days)
    scores = _staging(TopicScore.__table__)  # type: ignore[attr-defined]
    windows = _staging(PersonWindow.__table__)  # type: ignore[attr-defined]
    months = _staging(TopicMonth.__table__)  # type: ignore[attr-defined]
    for table in (scores, windows, months):
        table.drop(connection, checkfirst=True)
        table.create(connection)
    owners = _all_owners(session, taxonomy, start, when)
    batch: list[dict[str, Any]] = []
    topics: set[str] = set()
    count = 0
    for row in _summed(session, config, start, when, readers):
        key = (row["topic"], row["person_id"])
        owned = owners.pop(key, None)
        if owned:
            row.update(owned=owned, owner=True)
        batch.append(row)
        topics.add(row["topic"])
        if len(batch) >= BATCH:
            bulk_write(session, scores, batch)
            count += len(batch)
            batch = []
    # Owners with no activity in the window still rank (ownership alone).
    for (topic, person_id), owned in owners.items():
        batch.append(_row(topic, person_id) | {"owned": owned, "owner": True})
        topics.add(topic)
    bulk_write(session, scores, batch)
    count += len(batch)
    _write_activity(session, windows, start, when)
    month_topics = _write_months(session, months, config, when)
    if sqlite:
        _raw(connection).commit()  # the snapshot ends; the staged rows stay
    write_lock(session)
    swapping = time.perf_counter()
    gone = count - _swap(session, scores, TopicScore.__table__)  # type: ignore[attr-defined]
    _swap(session, windows, PersonWindow.__table__)  # type: ignore[attr-defined]
    _swap(session, months, TopicMonth.__table__)  # type: ignore[attr-defined]
    session.execute(sa.delete(ScoreCache))
    for table in (scores, windows, months):
        table.drop(connection)
    ended = time.perf_counter()
    seconds, locked = ended - started, ended - swapping
    session.add(
        ScoreCache(
            as_of=when,
            window_days=days,
            fingerprint=scoring_fingerprint(config, taxonomy),
            generation=generation,
            seconds=round(seconds, 3),
            months_before=month_start(month_of(when)),
            month_topics=month_topics,
            months_fingerprint=months_fingerprint(config),
        )
    )
    session.flush()
    return ScoreRefresh(when, len(topics), count - gone, seconds, locked=locked)


@dataclass(frozen=True)
class Prepared:
    """What `prepare_answers` did: topics and people whose facts it kept, and whether it
    stopped before the end (the store changed, a stop was asked, the database refused)."""

    topics: int
    people: int
    seconds: float
    stopped: str | None = None

    def summary(self) -> str:
        """One line, or nothing when there was nothing to prepare (small topics, a kept
        refresh whose answers were prepared already)."""
        if not self.topics and not self.stopped:
            return ""
        ended = f", stopped: {self.stopped}" if self.stopped else ""
        return (
            f"answers prepared for {self.topics:,} topics ({self.people:,} people's facts, "
            f"{self.seconds:.1f} s{ended})"
        )


def prepare_answers(
    session: Session,
    taxonomy: Taxonomy,
    config: Mapping[str, Any],
    *,
    limit: int = PREPARED,
    should_stop: Callable[[], bool] | None = None,
) -> Prepared:
    """After a refresh: answer each big cached topic once and keep what the answer read of its
    first `limit` people (`TopicFacts`), so that the answers asked next read those by key.

    The refresh's sums say who ranks; what an answer shows of them (counts, first and last
    work, evidence) is read from every row of their work in the topic, which for a big topic's
    top ten is a hundred thousand rows and most of a cached answer's time. Only topics whose
    leaders have `score_cache.prepare_rows` rows or more are asked (0: none). What the session
    held is committed first (the refresh's cache), and each topic's facts are committed on
    their own, so answers go on meanwhile. It is only a speed-up: it stops, keeping what it
    wrote, as soon as the cache no longer stands for the store (a write, another refresh),
    when `should_stop` says so, or when the database refuses a write (a person forgotten
    meanwhile, a lock held too long); answers then read their people's rows as before.
    """
    started = time.perf_counter()
    session.commit()
    least = int(config["score_cache"]["prepare_rows"])
    last = latest_score_cache(session)
    days = int(config["window_days"])
    cache = score_cache_for(session, taxonomy, config, last.as_of, days) if last else None
    if least <= 0 or cache is None or not unchanged_since(session, cache.generation):
        return Prepared(0, 0, time.perf_counter() - started)
    # Plain values: the cache's row may be gone (another refresh) by the time they are read.
    cache_id, generation, as_of = cache.id, cache.generation, cache.as_of
    s = TopicScore.__table__  # type: ignore[attr-defined]
    f = TopicFacts.__table__  # type: ignore[attr-defined]
    tags = session.scalars(sa.select(s.c.topic).distinct().order_by(s.c.topic)).all()
    # Topics prepared already (a refresh that was kept, a run that was stopped) are not asked
    # again: each topic's facts are committed whole.
    mine = sa.and_(f.c.cache_id == cache_id, f.c.generation == generation)
    done = set(session.scalars(sa.select(f.c.topic).where(mine).distinct()))
    topics = people = 0
    stopped: str | None = None
    for tag in tags:
        reading = _reading_of(taxonomy, tag)
        if reading is None or tag in done:
            continue
        rows: list[dict[str, Any]] = []
        try:
            if _leaders_rows(session, tag, limit) < least:
                continue
            if should_stop is not None and should_stop():
                stopped = "asked to stop"
                break
            if not _stands(session, cache_id, generation):
                stopped = "the store or its cache changed"
                break
            who(session, taxonomy, reading, config=config, as_of=as_of, limit=limit, keep=rows)
            if rows:
                # Over any row another run left (its topic cut short, or an older cache's).
                kept = [name for name in rows[0] if name not in FACTS_KEY]
                bulk_write(session, f, rows, conflict=FACTS_KEY, update=kept)
                session.commit()
        except (DBAPIError, sqlite3.Error) as error:  # bulk_write's SQLite rows go to sqlite3
            session.rollback()
            cause = error.orig if isinstance(error, DBAPIError) else error
            stopped = f"the database refused ({type(cause).__name__})"
            break
        topics += bool(rows)
        people += len(rows)
    session.commit()
    return Prepared(topics, people, time.perf_counter() - started, stopped)


def _stands(session: Session, cache_id: int | None, generation: int | None) -> bool:
    """Whether that cache is still the store's, and the store still the one it summed."""
    last = latest_score_cache(session)
    return last is not None and last.id == cache_id and unchanged_since(session, generation)


def _leaders_rows(session: Session, tag: str, limit: int) -> int:
    """How many rows an answer reads for the facts of the topic's `limit` best-scored people:
    their work here but the issues and comments the cache tallies, bots left out."""
    s = TopicScore.__table__  # type: ignore[attr-defined]
    p = Person.__table__  # type: ignore[attr-defined]
    best = (
        sa.select((s.c.contributions - s.c.discussion).label("read"))
        .join(p, p.c.id == s.c.person_id)
        .where(s.c.topic == tag, p.c.is_bot.is_(False))
        .order_by(s.c.score.desc(), s.c.person_id)
        .limit(limit)
        .subquery()
    )
    return int(session.scalar(sa.select(sa.func.sum(best.c.read))) or 0)


def _reading_of(taxonomy: Taxonomy, tag: str) -> Reading | None:
    """The question that asks about one tag alone (a topic, or an ecosystem as a whole), read
    as a user's question of it is: the same scope, so the same facts. None for a tag the
    taxonomy no longer names (its answers are never read from the cache)."""
    topic = taxonomy.topic(tag) if "." in tag else None
    if topic is not None:
        return Reading(taxonomy.ecosystem(topic.ecosystem), (topic,), ())
    ecosystem = None if "." in tag else taxonomy.ecosystem(tag)
    if ecosystem is None or ecosystem.key != tag:
        return None
    return Reading(ecosystem, (), ())


@contextmanager
def _snapshot(session: Session) -> Iterator[list[sa.Connection]]:
    """Start the session's read snapshot of the store and, on a SQLite file, `READERS` more
    connections' on the very same one, which sum topics side by side (yielded; [] elsewhere).

    SQLite starts a snapshot at a connection's first read; while one connection holds the
    write lock no writer can commit, so every snapshot started then is the same. The lock is
    let go before the sums, which take no lock at all.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield []
        return
    engine = connection.engine
    database = engine.url.database
    count = READERS if database and database != ":memory:" else 0
    readers: list[sa.Connection] = []
    try:
        lock = engine.connect()
        try:
            _raw(lock).execute("BEGIN IMMEDIATE")
            try:
                readers += [engine.connect() for _ in range(count)]
                for held in (connection, *readers):
                    raw = _raw(held)
                    raw.execute("BEGIN")
                    raw.execute("SELECT count(*) FROM store_state").fetchall()
            finally:
                _raw(lock).rollback()
        finally:
            lock.close()
        yield readers
    finally:
        for reader in readers:
            _raw(reader).rollback()
            reader.close()


def _raw(connection: sa.Connection) -> Any:
    """The driver's own connection (sqlite3's), for the transaction control SQLAlchemy leaves
    to it."""
    return connection.connection.driver_connection


def _staging(table: sa.Table) -> sa.Table:
    """A temporary table (this connection's alone) with `table`'s columns, no constraints:
    where a refresh sums before it takes the write lock."""
    return sa.Table(
        f"staged_{table.name}",
        sa.MetaData(),
        *(sa.Column(column.name, column.type) for column in table.columns),
        prefixes=["TEMPORARY"],
    )


def _swap(session: Session, staged: sa.Table, table: sa.Table) -> int:
    """Replace `table`'s rows with the staged ones of people who still exist; how many."""
    p = Person.__table__  # type: ignore[attr-defined]
    session.execute(sa.delete(table))
    names = [column.name for column in table.columns]
    kept = sa.select(*(staged.c[name] for name in names)).where(
        staged.c.person_id.in_(sa.select(p.c.id))
    )
    session.execute(sa.insert(table).from_select(names, kept))
    return int(session.scalar(sa.select(sa.func.count()).select_from(table)) or 0)


def _write_activity(session: Session, table: sa.Table, start: datetime, end: datetime) -> None:
    """Everyone's window activity, for focus and breadth (`PersonWindow`'s rows, into `table`)."""
    totals, topics = window_activity(session, start, end)
    people = sorted(set(totals) | set(topics))
    for begin in range(0, len(people), BATCH):
        rows = [
            {"person_id": p, "contributions": totals[p], "topics": sorted(topics[p])}
            for p in people[begin : begin + BATCH]
        ]
        bulk_write(session, table, rows)


def _write_months(
    session: Session, table: sa.Table, config: Mapping[str, Any], when: datetime
) -> list[str]:
    """The monthly sums of every topic with at least `score_cache.month_rows` rows, for the
    months before `when`'s, weighed as of `when` (`TopicMonth`, into `table`); the topics.

    One statement per refresh over those topics' rows, each looked up once as the sums of the
    score cache look it up; small topics are left out: their live sums read few rows anyway.
    So are ecosystems' own tags (every row of the ecosystem: at 1M contributions their sums
    were two thirds of the monthly rows, and so of the time the refresh holds the write lock
    to swap them in); a live question about a whole ecosystem sums its rows.
    """
    least = int(config["score_cache"]["month_rows"])
    if least <= 0:
        return []
    before = month_start(month_of(when))
    dialect = session.get_bind().dialect.name
    c = Contribution.__table__  # type: ignore[attr-defined]
    t = ContributionTopic.__table__  # type: ignore[attr-defined]
    rows = sa.func.count()
    topical = sa.and_(t.c.topic.contains("."), t.c.occurred_at < before)  # not ecosystems
    big = sa.select(t.c.topic).where(topical).group_by(t.c.topic)
    topics = sorted(session.scalars(big.having(rows >= least)))
    if not topics:
        return []
    value = points_sql(c, config, when, dialect, recency=False)
    if float(config["built"]):
        value = value * built_factor(t.c.built, config)
    expertise, activity = (
        weighed_sql(t.c.occurred_at, when, h, dialect) for h in half_lives(config)
    )
    month = month_sql(t.c.occurred_at, dialect)
    founder = founder_sql(c, config)
    keys = [t.c.topic, c.c.person_id, c.c.kind, month, founder]
    summed = (
        sa.select(*keys, rows, sa.func.sum(value * expertise), sa.func.sum(value * activity))
        .select_from(t.join(c, c.c.id == t.c.contribution_id))
        .where(t.c.topic.in_(topics), t.c.occurred_at < before, counted_once(c))
        .group_by(*keys)
    )
    names = ["topic", "person_id", "kind", "month", "founder", "contributions"]
    session.execute(sa.insert(table).from_select([*names, "expertise", "activity"], summed))
    return topics


def _row(topic: str, person_id: int) -> dict[str, Any]:
    return {
        "topic": topic,
        "person_id": person_id,
        "score": 0.0,
        "contributions": 0,
        "components": {},
        "owned": [],
        "owner": False,
        "discussion": 0,
        "discussion_first": None,
        "discussion_last": None,
        "discussion_first_plain": None,
    }


def _summed(
    session: Session,
    config: Mapping[str, Any],
    start: datetime,
    end: datetime,
    readers: Sequence[sa.Connection] = (),
) -> Iterator[dict[str, Any]]:
    """One row per (topic, person) with activity, summed as `who` sums it (same SQL, same order).

    One topic at a time, each along its own stretch of the (topic, time) index: its founding
    cut is then a plain value (`who` binds it the same way), and each grouping sorts one
    topic's rows, not the whole store's (a fifth less time at 5M contributions than one
    statement over every tag). Each topic's rows come out together, in person order; alone,
    the topics come in topic order. With `readers` (connections on the session's snapshot,
    `_snapshot`) topics are summed side by side, the ecosystems' first, and each comes out as
    soon as it is summed. Memory stays flat in the store's size (a few topics' rows at a
    time), and components add up kind by kind exactly as in `who`.
    """
    c = Contribution.__table__  # type: ignore[attr-defined]
    t = ContributionTopic.__table__  # type: ignore[attr-defined]
    base = points_sql(c, config, end, session.get_bind().dialect.name)  # the same for every topic
    topics = session.scalars(
        sa.select(t.c.topic).where(t.c.occurred_at < end).distinct().order_by(t.c.topic)
    ).all()
    if not readers:
        for topic in topics:
            yield from _topic_sums(session.connection(), config, base, topic, start, end)
        return
    free: queue.Queue[sa.Connection] = queue.Queue()
    for reader in readers:
        free.put(reader)

    def summed(topic: str) -> list[dict[str, Any]]:
        reader = free.get()
        try:
            return list(_topic_sums(reader, config, base, topic, start, end))
        finally:
            free.put(reader)

    # The ecosystems' own tags first: each holds the rows of all its topics and more (the
    # biggest took a third of the 5M benchmark's sums), so the readers end together.
    order = sorted(topics, key=lambda topic: ("." in topic, topic))
    with ThreadPoolExecutor(len(readers)) as pool:
        running: dict[Future[list[dict[str, Any]]], str] = {}
        for topic in order:
            running[pool.submit(summed, topic)] = topic
            if len(running) > 2 * len(readers):
                yield from _first_done(running)
        while running:
            yield from _first_done(running)


def _first_done(running: dict[Future[list[dict[str, Any]]], str]) -> Iterator[dict[str, Any]]:
    """The rows of the topics summed by now (waiting for one at least), taken out of
    `running`: the readers go on with the next topics meanwhile, where taking the topics in
    order left one reader idle while the other summed a long one."""
    done, _ = wait(running, return_when=FIRST_COMPLETED)
    for future in sorted(done, key=running.__getitem__):
        del running[future]
        yield from future.result()


def _topic_sums(
    connection: sa.Connection,
    config: Mapping[str, Any],
    base: Any,
    topic: str,
    start: datetime,
    end: datetime,
) -> Iterator[dict[str, Any]]:
    """`_summed`'s rows of one topic, read on `connection`; `base` is each row's points
    (`points_sql`), which the topic's founding and built factors multiply."""
    c = Contribution.__table__  # type: ignore[attr-defined]
    t = ContributionTopic.__table__  # type: ignore[attr-defined]
    value = base
    cut = founding_cut(connection, Scope((topic,), (), end, end), config)
    # The factors in `who`'s order (founding, then built): floats multiply the same way.
    if cut is not None:
        value = value * founding_factor(c, cut, config)
    if float(config["built"]):
        value = value * built_factor(t.c.built, config)  # as `who` weighs built work
    # A `Tally` of the kinds answers tally (issues, comments), as `_answer_facts` counts it; the
    # times from the tag row's copy of the contribution's (an integer on SQLite: cheaper to
    # compare than the contribution's text, the same instant). Other kinds' groups give none:
    # nothing reads them, and turning them into times held the interpreter's lock for a sixth
    # of a big topic's sums, while the other topics' readers waited for it.
    plain = sa.case((c.c.nature.is_(None), t.c.occurred_at), else_=sa.null())
    tallied = c.c.kind.in_(TALLIED)  # per group: `kind` is grouped on

    def when(aggregate: Any) -> Any:
        return sa.type_coerce(sa.case((tallied, aggregate), else_=sa.null()), t.c.occurred_at.type)

    statement = (
        sa.select(
            c.c.person_id,
            c.c.kind,
            sa.func.sum(value),
            sa.func.count(),
            when(sa.func.min(t.c.occurred_at)),
            when(sa.func.max(t.c.occurred_at)),
            when(sa.func.min(sa.type_coerce(plain, t.c.occurred_at.type))),
        )
        .select_from(t.join(c, c.c.id == t.c.contribution_id))
        .where(
            t.c.topic == topic,
            t.c.occurred_at >= start,
            t.c.occurred_at < end,
            counted_once(c),
        )
        .group_by(c.c.person_id, c.c.kind)
        .order_by(c.c.person_id, c.c.kind)
    )
    # PostgreSQL reads a topic's groups whole: `yield_per` opens a server-side cursor there,
    # which is planned for its first rows and never in parallel (the biggest topic of the 1M
    # benchmark took 6 s through one, 0.6 s without).
    if connection.dialect.name == "sqlite":
        statement = statement.execution_options(yield_per=BATCH)
    current: dict[str, Any] | None = None
    for person_id, kind, points, count, first, last, first_plain in connection.execute(statement):
        if current is None or current["person_id"] != person_id:
            if current is not None:
                yield _finished(current)
            current = _row(topic, person_id)
        components: dict[str, float] = current["components"]
        component = component_of(kind)
        components[component] = components.get(component, 0.0) + float(points or 0.0)
        current["contributions"] += count
        if kind in TALLIED:
            _tally(current, count, first, last, first_plain)
    if current is not None:
        yield _finished(current)


def _tally(
    row: dict[str, Any],
    count: int,
    first: datetime,
    last: datetime,
    first_plain: datetime | None,
) -> None:
    """Add one tallied kind's group to a row's discussion tally."""
    row["discussion"] += count
    earliest = row["discussion_first"]
    row["discussion_first"] = first if earliest is None else min(earliest, first)
    latest = row["discussion_last"]
    row["discussion_last"] = last if latest is None else max(latest, last)
    if first_plain is not None:
        plain = row["discussion_first_plain"]
        row["discussion_first_plain"] = first_plain if plain is None else min(plain, first_plain)


def _finished(row: dict[str, Any]) -> dict[str, Any]:
    row["score"] = sum(row["components"].values())
    return row


def _all_owners(
    session: Session, taxonomy: Taxonomy, start: datetime, end: datetime
) -> dict[tuple[str, int], list[str]]:
    """Owners of every topic and ecosystem, found as `who` finds them for one topic."""
    r = Repo.__table__  # type: ignore[attr-defined]
    o = CodeOwner.__table__  # type: ignore[attr-defined]
    owned_repos = sa.select(r.c.ecosystem, r.c.full_name).where(
        sa.exists().where(o.c.repo_id == r.c.id)
    )
    with_owners: set[str] = set()
    for ecosystem_key, full_name in session.execute(owned_repos):
        with_owners.add(ecosystem_key)
        # A repository listed under an ecosystem counts for it whatever it was tracked as.
        with_owners.update(e.key for e in taxonomy.ecosystems_for_repo(full_name))
    found: dict[tuple[str, int], list[str]] = {}
    for ecosystem in taxonomy.ecosystems:
        if ecosystem.key not in with_owners:
            continue  # no owner files in its repositories: nothing to find
        for tag in (ecosystem.key, *(topic.id for topic in ecosystem.topics)):
            owners = topic_owners(session, taxonomy, Scope((tag,), (), start, end))
            for person_id, owned in owners.items():
                found[(tag, person_id)] = sorted(owned)
    return found

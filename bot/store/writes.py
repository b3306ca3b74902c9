"""Writes that every source shares: idempotent upserts keyed on the schema's unique constraints.

Sources (GitHub, git history) hand over plain records; these functions turn them into rows with
`INSERT ... ON CONFLICT`, so storing the same record twice, or resuming after a crash half-way
through a page, leaves one row. The same statements run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import functools
import json
import math
import secrets
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel, col, select

from bot.store.identity import IdentityKey, map_text, redact_addresses
from bot.store.links import allowed_link
from bot.store.models import (
    UNIQUE_IDENTITY_WHERE,
    AuditEvent,
    Contribution,
    ContributionKind,
    ContributionTerm,
    ContributionTopic,
    HttpCache,
    Identity,
    IdentityKind,
    IndexTime,
    MailMessage,
    Person,
    Repo,
    StoreKey,
    Suppression,
    SyncCursor,
    UTCDateTime,
    as_microseconds,
    in_utc,
    utcnow,
)
from bot.store.threads import names_thread


@dataclass(frozen=True)
class ContributionRecord:
    """A contribution as a source reports it, before it has a row."""

    repo_id: int
    person_id: int
    kind: ContributionKind
    external_id: str
    created_at: datetime
    occurred_at: datetime
    url: str | None = None
    title: str | None = None
    state: str | None = None
    parent_number: int | None = None
    merged_at: datetime | None = None
    closed_at: datetime | None = None
    files_changed: int = 0
    additions: int = 0
    deletions: int = 0
    paths: Sequence[str] = field(default_factory=tuple)
    labels: Sequence[str] = field(default_factory=tuple)
    identity_key: str | None = None
    utc_offset: int | None = None  # minutes east of UTC on the author's clock (git's %aI)
    # Those of `paths` the change created (git's `create mode`): not stored as such, but their
    # topic tags and words are marked `built` in the indexes, for the people who built an area.
    created_paths: Sequence[str] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        """Every source's work passes here on its way to the store: the one place its text
        (title, paths, labels) loses the addresses in it, before it is stored or indexed, and
        its link is rebuilt from allowed parts or dropped (`bot.store.links`)."""
        object.__setattr__(self, "title", redact_addresses(self.title))
        object.__setattr__(self, "url", allowed_link(self.url))
        for name in ("paths", "labels", "created_paths"):
            values: Sequence[str] = getattr(self, name)
            if any("@" in value for value in values):
                object.__setattr__(self, name, tuple(redact_addresses(v) for v in values))


# Columns a later sync may legitimately change (a PR gets merged, relabelled, retitled).
_CONTRIBUTION_MUTABLE = (
    "person_id",
    "identity_key",
    "utc_offset",
    "url",
    "title",
    "state",
    "parent_number",
    "occurred_at",
    "merged_at",
    "closed_at",
    "files_changed",
    "additions",
    "deletions",
    "paths",
    "labels",
)


def _insert(session: Session, model: type[SQLModel]) -> Any:
    """The dialect's INSERT, which is where ON CONFLICT lives; both spell it the same way."""
    table = model.__table__  # type: ignore[attr-defined]
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _kind(kind: ContributionKind | str) -> str:
    """The stored value of a kind; validates plain strings (the enum call is the slow part)."""
    return kind.value if isinstance(kind, ContributionKind) else ContributionKind(kind).value


def _contribution_values(record: ContributionRecord) -> dict[str, Any]:
    return {
        "repo_id": record.repo_id,
        "person_id": record.person_id,
        "kind": _kind(record.kind),
        "external_id": record.external_id,
        "url": record.url,
        "title": record.title,
        "state": record.state,
        "parent_number": record.parent_number,
        "created_at": record.created_at,
        "occurred_at": record.occurred_at,
        "merged_at": record.merged_at,
        "closed_at": record.closed_at,
        "files_changed": record.files_changed,
        "additions": record.additions,
        "deletions": record.deletions,
        "paths": list(record.paths),
        "labels": list(record.labels),
        "identity_key": record.identity_key,
        "utc_offset": record.utc_offset,
    }


def _sqlite_encoder(column_type: sa.types.TypeEngine[Any]) -> Callable[[Any], Any] | None:
    """How a value is stored on SQLite, as SQLAlchemy's own types store it; None: as it is."""
    if isinstance(column_type, IndexTime):
        stamps: dict[datetime, int | None] = {}  # index rows repeat their contribution's time

        def stamp(value: datetime | None) -> int | None:
            if value is None:
                return None
            found = stamps.get(value)
            if found is None:
                found = stamps[value] = as_microseconds(value)
            return found

        return stamp
    if isinstance(column_type, UTCDateTime):
        seen: dict[datetime, str] = {}  # tag rows repeat their contribution's time

        def when(value: datetime | None) -> str | None:
            if value is None:
                return None
            text = seen.get(value)
            if text is None:
                naive = in_utc(value).replace(tzinfo=None)
                text = seen[value] = naive.isoformat(sep=" ", timespec="microseconds")
            return text

        return when
    if isinstance(column_type, sa.JSON):
        return json_text
    return None


_KEY_TEXT: dict[str, str] = {}  # a JSON object's keys as json.dumps writes them, with ": "


def json_text(value: Any) -> str:
    """`json.dumps(value)`, character for character, faster for the shapes bulk writes repeat
    a million times (a refresh's score rows): an empty list, and an object of finite floats.

    json.dumps builds a new encoder per call, which costs more than encoding such small values;
    a float is written as its `repr` there too. Anything else is left to json.dumps.
    """
    kind = type(value)
    if kind is list and not value:
        return "[]"
    if kind is not dict:
        return json.dumps(value)
    parts = []
    for key, number in value.items():
        if type(number) is not float or not math.isfinite(number) or type(key) is not str:
            return json.dumps(value)
        text = _KEY_TEXT.get(key)
        if text is None:
            text = json.dumps(key) + ": "
            if len(_KEY_TEXT) < 1024:  # a few score parts, not every key ever written
                _KEY_TEXT[key] = text
        parts.append(text + repr(number))
    return "{" + ", ".join(parts) + "}"


def bulk_write(
    session: Session,
    table: sa.Table,
    rows: list[dict[str, Any]],
    *,
    conflict: Sequence[str] = (),
    update: Sequence[str] = (),
) -> None:
    """INSERT many rows (upserting on `conflict` when given) in one executemany.

    Bulk ingests write hundreds of thousands of rows; SQLAlchemy's per-value bind processing
    costs more than SQLite's own work. On SQLite the rows therefore go to the driver directly,
    encoded as SQLAlchemy's types encode them (so reads through the ORM see identical values);
    On PostgreSQL plain inserts go through COPY, each value bound as SQLAlchemy binds it for an
    INSERT (JSON as json.dumps writes it): executemany spent about 40 µs a row binding, 45 s
    of the 5M benchmark's score refresh. Upserts, and rows that leave out a column SQLAlchemy
    would fill in itself (a Python-side default), use its executemany as is. Tests run both
    paths on both backends.
    """
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        if not conflict and _copyable(table, rows[0]):
            _copy(connection, table, rows)
            return
        statement = postgresql.insert(table)
        if conflict:
            statement = statement.on_conflict_do_update(
                index_elements=list(conflict), set_={c: statement.excluded[c] for c in update}
            )
        connection.execute(statement, rows)
        return
    columns = list(rows[0])
    sql = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) "
        f"VALUES ({', '.join('?' for _ in columns)})"
    )
    if conflict:
        sets = ", ".join(f"{column} = excluded.{column}" for column in update)
        sql += f" ON CONFLICT ({', '.join(conflict)}) DO UPDATE SET {sets}"
    getter = itemgetter(*columns)
    encoders = [
        (index, encode)
        for index, column in enumerate(columns)
        if (encode := _sqlite_encoder(table.c[column].type)) is not None
    ]
    data: list[Sequence[Any]] = []
    for row in rows:
        values = list(getter(row)) if len(columns) > 1 else [getter(row)]
        for index, encode in encoders:
            values[index] = encode(values[index])
        data.append(values)
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.executemany(sql, data)


def _copyable(table: sa.Table, row: Mapping[str, Any]) -> bool:
    """Whether COPY stores these rows as an INSERT would: no column left out that SQLAlchemy
    fills in on the Python side (COPY knows the database's own defaults only)."""
    return all(column.name in row or column.default is None for column in table.columns)


def _copy(connection: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """`bulk_write`'s PostgreSQL path for plain inserts."""
    columns = list(rows[0])
    binders = [
        # JSON as the engine writes it (json.dumps); psycopg's own binding takes the dict.
        json_text if isinstance(kind, sa.JSON) else kind.bind_processor(connection.dialect)
        for kind in (table.c[name].type for name in columns)
    ]
    quote = connection.dialect.identifier_preparer
    name, listed = quote.format_table(table), ", ".join(quote.quote(c) for c in columns)
    driver = connection.connection.driver_connection
    assert driver is not None
    with (
        driver.cursor() as cursor,
        cursor.copy(f"COPY {name} ({listed}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(
                [
                    value if bind is None else bind(value)
                    for value, bind in zip((row[c] for c in columns), binders, strict=True)
                ]
            )


def upsert_contributions(session: Session, records: Sequence[ContributionRecord]) -> list[int]:
    """Insert or update contributions in bulk; returns their ids in the given order.

    Unique per (repo, kind, external id). Within one batch the last record for a key wins, as
    PostgreSQL refuses to touch one row twice in a single INSERT. The upsert runs as one
    executemany and the ids are read back per repository in chunks: RETURNING would make the
    drivers send one statement per row.
    """
    if not records:
        return []
    latest: dict[tuple[int, str, str], ContributionRecord] = {}
    for record in records:
        latest[(record.repo_id, _kind(record.kind), record.external_id)] = record
    table = Contribution.__table__  # type: ignore[attr-defined]
    bulk_write(
        session,
        table,
        [_contribution_values(r) for r in latest.values()],
        conflict=("repo_id", "kind", "external_id"),
        update=_CONTRIBUTION_MUTABLE,
    )
    ids: dict[tuple[int, str, str], int] = {}
    # Read back by the whole unique key: without the kind, the index narrows only to the
    # repository, and each chunk scanned all of its rows (an ingest grew quadratic).
    by_key: dict[tuple[int, str], list[str]] = {}
    for repo_id, kind, external_id in latest:
        by_key.setdefault((repo_id, kind), []).append(external_id)
    for (repo_id, kind), external_ids in by_key.items():
        unique_ids = sorted(set(external_ids))
        for start in range(0, len(unique_ids), 500):
            rows = session.execute(
                sa.select(table.c.id, table.c.external_id).where(
                    table.c.repo_id == repo_id,
                    table.c.kind == kind,
                    table.c.external_id.in_(unique_ids[start : start + 500]),
                )
            ).all()
            for row in rows:
                ids[(repo_id, kind, row.external_id)] = row.id
    return [ids[(r.repo_id, _kind(r.kind), r.external_id)] for r in records]


def delete_contributions(session: Session, ids: Sequence[int]) -> None:
    """Delete contributions and their index rows (which also cascade; this does not rely on it)."""
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        for model in (ContributionTopic, ContributionTerm):
            session.execute(sa.delete(model).where(col(model.contribution_id).in_(chunk)))
        session.execute(
            sa.update(MailMessage)
            .where(col(MailMessage.contribution_id).in_(chunk))
            .values(contribution_id=None)
        )
        session.execute(sa.delete(Contribution).where(col(Contribution.id).in_(chunk)))


def set_natures(session: Session, natures: Mapping[int, str | None]) -> None:
    """Record the nature of each classified change (bot.taxonomy.nature; None is real work).

    Upkeep is written row by row; real work only clears a nature stored before (a PR retitled
    from "Revert ...", a rule that no longer holds after `--full`), which new rows never have,
    but not `reverted`: a revert elsewhere says that, and `mark_reverted` keeps it right.
    """
    table = Contribution.__table__  # type: ignore[attr-defined]
    upkeep = sorted((key, value) for key, value in natures.items() if value is not None)
    if upkeep:
        session.execute(
            sa.update(table)
            .where(table.c.id == sa.bindparam("row_id"))
            .values(nature=sa.bindparam("row_nature")),
            [{"row_id": key, "row_nature": value} for key, value in upkeep],
        )
    plain = sorted(key for key, value in natures.items() if value is None)
    for start in range(0, len(plain), 500):
        session.execute(
            sa.update(table)
            .where(
                table.c.id.in_(plain[start : start + 500]),
                table.c.nature.is_not(None),
                table.c.nature != "reverted",
            )
            .values(nature=None)
        )


# A mailed patch whose commit, by the same person, is in the store (that commit counts it), or
# a mailed review line the commit carries as a trailer (that trailer counts it).
LANDED = "landed"


def counted_as_pr(contribution: sa.FromClause) -> sa.ColumnElement[bool]:
    """True for work counted under another row: a git commit that landed through a PR also
    ingested from GitHub, or a mailed patch that landed as a commit also ingested from git.

    A change seen both as a GitHub PR and as a git commit referencing it (`... (#1234)`) is one
    change: rankings and profiles count the PR and leave such commits out. A patch seen both on
    a mailing list and in git history is one change too: the commit counts (it says what
    landed), and the patch stays only as what its thread's reviews answer; so is a review line
    sent by mail and carried by the commit as a trailer. Queries keep the rest with
    `counted_once`.
    """
    return sa.not_(counted_once(contribution))


def counted_once(contribution: sa.FromClause) -> sa.ColumnElement[bool]:
    """The work `counted_as_pr` leaves in: what every sum, profile and digest counts.

    Written as a `NOT EXISTS` that holds the commit's own tests (kind, PR number) inside it, so
    that PostgreSQL plans it as an anti-join. Inside an OR (`NOT (a commit AND EXISTS … OR …)`)
    it could only be a subquery, charged to every row of the store and never run in parallel:
    the sum of the 1M benchmark's biggest topic took 0.58 s that way, 0.31 s as an anti-join.
    SQLite answers the same in the same time either way.

    The PR's number is looked up only for a commit (NULL otherwise): PostgreSQL's anti-join
    tests the commit's kind after its index probe, and reviews and comments name their PR too,
    so every row of a topic was a probe that found it (762,649 for `mlir bufferization` at 5M
    contributions). A NULL key searches no index: that topic's sum took 3.4-3.7 s instead of
    5.0-5.6 s (the same rows; a busy machine), and its whole live answer 4.2-4.8 s instead of
    4.5-4.9 s. SQLite tests the kind before it looks, as before, in the same time.
    """
    c = contribution.c
    pr = Contribution.__table__.alias("linked_pr")  # type: ignore[attr-defined]
    commit = c.kind == ContributionKind.COMMIT.value
    return sa.and_(
        ~sa.exists().where(
            commit,
            c.parent_number.is_not(None),
            names_thread(pr, contribution, ContributionKind.PR.value, when=commit),
        ),
        sa.or_(
            c.kind.not_in([ContributionKind.PR.value, ContributionKind.REVIEW.value]),
            c.state.is_distinct_from(LANDED),  # a PR with no state yet counts (not NULL)
        ),
    )


def upsert_contribution(session: Session, record: ContributionRecord) -> int:
    """Insert or update one contribution; returns its id. Unique per (repo, kind, external id)."""
    return upsert_contributions(session, [record])[0]


# (contribution id, person id, occurred at, tags or terms, those of them it built)
Indexed = tuple[int, int, datetime, Iterable[str], Collection[str]]


def replace_topics(session: Session, tagged: Sequence[Indexed]) -> None:
    """Make each contribution's topic tags exactly the given ones, for a batch at once.

    Re-tagging after a taxonomy change or an updated PR replaces what was there. A tag is
    `built` where the contribution created files in the topic. Tags that stay as they were are
    not written again: a sync re-reads open PRs, and a tag deleted and inserted is a change the
    database marks for the score cache (`StoreChange`), which would then be summed again.
    """
    _replace_index(session, ContributionTopic, "topic", tagged, keep_same=True)


def replace_terms(session: Session, termed: Sequence[Indexed]) -> None:
    """Make each contribution's free-word terms exactly these (see `bot.taxonomy.terms`)."""
    _replace_index(session, ContributionTerm, "term", termed)


def _replace_index(
    session: Session,
    model: type[ContributionTopic] | type[ContributionTerm],
    key: str,
    indexed: Sequence[Indexed],
    *,
    keep_same: bool = False,
) -> None:
    """Delete the contributions' rows, then insert the given ones; with `keep_same`, only the
    rows that differ are deleted and inserted (one read of what is there first)."""
    if not indexed:
        return
    rows: dict[tuple[int, str], dict[str, Any]] = {}
    for contribution_id, person_id, occurred_at, values, built in indexed:
        for value in values:
            rows[(contribution_id, value)] = {
                "contribution_id": contribution_id,
                key: value,
                "person_id": person_id,
                "occurred_at": occurred_at,
                "built": value in built,
            }
    ids = sorted({contribution_id for contribution_id, *_ in indexed})
    table: sa.Table = model.__table__  # type: ignore[union-attr]
    column = table.c[key]
    for start in range(0, len(ids), 500):
        chunk = table.c.contribution_id.in_(ids[start : start + 500])
        if not keep_same:
            session.execute(sa.delete(table).where(chunk))
            continue
        stale = []
        for row in session.execute(sa.select(table).where(chunk)).mappings():
            wanted = rows.get((row["contribution_id"], row[key]))
            if wanted is not None and all(row[name] == wanted[name] for name in wanted):
                del rows[(row["contribution_id"], row[key])]  # already there as it should be
            else:
                stale.append({"gone_id": row["contribution_id"], "gone_value": row[key]})
        if stale:
            session.execute(
                sa.delete(table).where(
                    table.c.contribution_id == sa.bindparam("gone_id"),
                    column == sa.bindparam("gone_value"),
                ),
                stale,
            )
    bulk_write(session, table, list(rows.values()))


def set_topics(
    session: Session,
    contribution_id: int,
    person_id: int,
    occurred_at: datetime,
    topics: Iterable[str],
) -> None:
    """Make one contribution's topic tags exactly `topics`."""
    replace_topics(session, [(contribution_id, person_id, occurred_at, list(topics), ())])


def suppressed_hashes(session: Session) -> set[str]:
    """The suppression list as it stands in this transaction (see `bot.people.privacy`)."""
    return set(session.exec(select(Suppression.identity_hash)))


def existing_people(session: Session, ids: Iterable[int]) -> set[int]:
    """Those of `ids` that are still people in this transaction (not forgotten, merged or
    pruned since they were looked up)."""
    wanted = sorted(set(ids))
    found: set[int] = set()
    for start in range(0, len(wanted), 500):
        found.update(
            session.exec(
                select(Person.id).where(col(Person.id).in_(wanted[start : start + 500]))
            ).all()  # type: ignore[arg-type]
        )
    return found


def find_person(session: Session, keys: Iterable[IdentityKey]) -> Person | None:
    """The person who holds any of these identities (names are hints and are not looked up)."""
    for key in keys:
        if key.kind is IdentityKind.NAME:
            continue
        person = session.exec(
            select(Person)
            .join(Identity, col(Identity.person_id) == col(Person.id))
            .where(Identity.kind == key.kind.value, Identity.value == key.value)
        ).first()
        if person is not None:
            return person
    return None


def _core(session: Session) -> sa.Connection:
    """The session's connection for a Core statement, with the session's pending ORM changes
    written first (as `session.execute` would): an ingest resolves thousands of people, and
    the ORM's execution path costs several times the statement's own work."""
    if session.autoflush and (session.new or session.dirty or session.deleted):
        session.flush()
    return session.connection()


_IDENTITY = Identity.__table__  # type: ignore[attr-defined]
_PERSON = Person.__table__  # type: ignore[attr-defined]


@functools.cache
def _owners_of(count: int) -> sa.Select[Any]:
    """The owners of `count` identity values, with a fixed shape so it is compiled once (an
    expanding IN is compiled again for every call)."""
    values: list[sa.BindParameter[str]] = [sa.bindparam(f"v{i}") for i in range(count)]
    return sa.select(_IDENTITY.c.kind, _IDENTITY.c.value, _IDENTITY.c.person_id).where(
        _IDENTITY.c.value.in_(values)
    )


def find_person_id(session: Session, keys: Iterable[IdentityKey]) -> int | None:
    """Like `find_person`, in one query and without loading the person (for bulk ingests)."""
    wanted = list(
        dict.fromkeys((k.kind.value, k.value) for k in keys if k.kind is not IdentityKind.NAME)
    )
    if not wanted:
        return None
    rows = _core(session).execute(
        _owners_of(len(wanted)), {f"v{i}": value for i, (_, value) in enumerate(wanted)}
    )
    owners = {(row.kind, row.value): row.person_id for row in rows}
    for key in wanted:
        if key in owners:
            return int(owners[key])
    return None


_NEW_PERSON = sa.insert(_PERSON).returning(_PERSON.c.id)
_NEW_IDENTITY = sa.insert(_IDENTITY)


def create_person(
    session: Session,
    keys: Sequence[IdentityKey],
    *,
    login: str | None = None,
    name: str | None = None,
    is_bot: bool = False,
) -> int:
    """A new person holding `keys`, which the caller found free (see `find_person_id`)."""
    now = utcnow()
    connection = _core(session)
    person_id: int = connection.execute(
        _NEW_PERSON,
        {"login": login, "name": name, "is_bot": is_bot, "created_at": now, "updated_at": now},
    ).scalar_one()
    connection.execute(
        _NEW_IDENTITY,
        [
            {
                "person_id": person_id,
                "kind": k.kind.value,
                "value": k.value,
                "domain": k.domain,
                "local_hash": k.local_hash,
                "github_id": k.github_id,
                "seen_at": now,
            }
            for k in dict.fromkeys(keys)
        ],
    )
    return person_id


def _fill_hints(session: Session, key: IdentityKey) -> None:
    """Record a key's hints on an identity stored before csf kept them; never overwrite one.

    Stores that predate the hints get them as history is read again (`--full`), whoever owns
    the identity by then.
    """
    for column, value in (("local_hash", key.local_hash), ("github_id", key.github_id)):
        if value is None:
            continue
        table = Identity.__table__  # type: ignore[attr-defined]
        session.execute(
            sa.update(table)
            .where(
                table.c.kind == key.kind.value,
                table.c.value == key.value,
                table.c[column].is_(None),
            )
            .values({column: value})
        )


def store_secret(session: Session, name: str = "identity-hints") -> bytes:
    """This store's secret called `name`, made on first use (see `StoreKey`).

    Two processes making it at once both end up with the one that was stored first.
    """
    table = StoreKey.__table__  # type: ignore[attr-defined]
    found = stored_secret(session, name)
    if found is None:
        session.execute(
            _insert(session, StoreKey)
            .values(name=name, value=secrets.token_hex(32), created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["name"])
        )
        found = session.execute(sa.select(table.c.value).where(table.c.name == name)).scalar_one()
        return bytes.fromhex(found)
    return found


def stored_secret(session: Session, name: str = "identity-hints") -> bytes | None:
    """This store's secret called `name`, or None if none was made yet (a reader never makes
    one: nothing was hashed with a secret that does not exist)."""
    table = StoreKey.__table__  # type: ignore[attr-defined]
    found = session.execute(sa.select(table.c.value).where(table.c.name == name)).scalar()
    return bytes.fromhex(found) if found is not None else None


def add_identity(session: Session, person_id: int, key: IdentityKey) -> bool:
    """Attach an identity to a person; returns False if it already belongs to someone.

    A login or address hash that already names another person is never moved silently: merging
    two people is a decision for identity resolution, not a side effect of a write.
    """
    if key.kind is IdentityKind.NAME:
        exists = session.exec(
            select(Identity.id).where(
                Identity.person_id == person_id,
                Identity.kind == key.kind.value,
                Identity.value == key.value,
            )
        ).first()
        if exists is None:
            session.add(Identity(person_id=person_id, kind=key.kind.value, value=key.value))
            session.flush()
        return True
    statement = (
        _insert(session, Identity)
        .values(
            person_id=person_id,
            kind=key.kind.value,
            value=key.value,
            domain=key.domain,
            local_hash=key.local_hash,
            github_id=key.github_id,
            seen_at=utcnow(),
        )
        .on_conflict_do_nothing(
            index_elements=["kind", "value"], index_where=sa.text(UNIQUE_IDENTITY_WHERE)
        )
    )
    session.execute(statement)
    _fill_hints(session, key)
    owner = session.exec(
        select(Identity.person_id).where(
            Identity.kind == key.kind.value, Identity.value == key.value
        )
    ).one()
    return owner == person_id


def resolve_person(
    session: Session, keys: Sequence[IdentityKey], *, login: str | None = None
) -> Person:
    """The person these identities belong to, created if none does; missing identities added."""
    person = find_person(session, keys)
    if person is None:
        person = Person(login=login)
        session.add(person)
        session.flush()
        assert person.id is not None
        # find_person saw none of these identities, so they are all free: add them in one go.
        session.add_all(
            Identity(person_id=person.id, kind=k.kind.value, value=k.value, domain=k.domain)
            for k in dict.fromkeys(keys)
        )
        session.flush()
        return person
    # A record found by another of its identities keeps its own login: an account merged into
    # it by hand (`csf people merge`) must not rename it at every sync.
    if (
        login is not None
        and person.login != login
        and (person.login is None or person.login.lower() == login.lower())
    ):
        person.login = login
        person.updated_at = utcnow()
    assert person.id is not None
    for key in keys:
        add_identity(session, person.id, key)
    return person


def find_repo(session: Session, full_name: str) -> Repo | None:
    """GitHub repository names are case-insensitive, so lookups are too."""
    return session.exec(
        select(Repo).where(sa.func.lower(Repo.full_name) == full_name.lower())
    ).first()


def upsert_repo(
    session: Session,
    full_name: str,
    ecosystem: str,
    *,
    added_by: str | None = None,
    tracked: bool = True,
) -> Repo:
    """Record a repository (again); re-adding one keeps its history and cursors.

    `tracked` says whether `csf sync` follows it on GitHub; history ingested from a local
    mirror alone need not be. Two processes adding the same repository at once end up with the
    one row the first of them stored.
    """
    repo = find_repo(session, full_name)
    if repo is None:
        session.execute(
            _insert(session, Repo)
            .values(
                full_name=full_name,
                ecosystem=ecosystem,
                added_by=added_by,
                tracked=tracked,
                added_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["full_name"])
        )
        repo = find_repo(session, full_name)
        assert repo is not None
    repo.ecosystem = ecosystem
    repo.tracked = tracked
    session.flush()
    return repo


def get_cursor(session: Session, repo_id: int, source: str) -> str | None:
    return session.exec(
        select(SyncCursor.value).where(SyncCursor.repo_id == repo_id, SyncCursor.source == source)
    ).first()


def set_cursor(session: Session, repo_id: int, source: str, value: str) -> None:
    statement = _insert(session, SyncCursor).values(
        repo_id=repo_id, source=source, value=value, updated_at=utcnow()
    )
    statement = statement.on_conflict_do_update(
        index_elements=["repo_id", "source"],
        set_={"value": value, "updated_at": utcnow()},
    )
    session.execute(statement)


def record_audit(
    session: Session,
    actor: str,
    action: str,
    target: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Log an action; addresses in what it names (a search typed with one) are not kept."""
    session.add(
        AuditEvent(
            actor=actor,
            action=action,
            target=redact_addresses(target),
            detail=map_text(detail or {}, redact_addresses),
        )
    )


def record_search(
    session: Session, actor: str, query: str, detail: dict[str, Any] | None = None
) -> None:
    """Who looked up people, and with what words: every face records searches the same way."""
    record_audit(session, actor, "search", " ".join(query.split())[:200], detail)


def get_etag(session: Session, slot: str, url: str) -> str | None:
    """The ETag saved for `slot`, if it was saved for this same `url`.

    Slots and urls may name a repository's paths, which are redacted like every stored text.
    """
    slot, url = redact_addresses(slot), redact_addresses(url)
    row = session.exec(select(HttpCache).where(HttpCache.slot == slot)).first()
    return row.etag if row is not None and row.url == url else None


def set_etag(session: Session, slot: str, url: str, etag: str | None) -> None:
    if not etag:
        return
    slot, url = redact_addresses(slot), redact_addresses(url)
    statement = _insert(session, HttpCache).values(
        slot=slot, url=url, etag=etag, updated_at=utcnow()
    )
    statement = statement.on_conflict_do_update(
        index_elements=["slot"], set_={"url": url, "etag": etag, "updated_at": utcnow()}
    )
    session.execute(statement)

"""Writes that every source shares: idempotent upserts keyed on the schema's unique constraints.

Sources (GitHub, git history) hand over plain records; these functions turn them into rows with
`INSERT ... ON CONFLICT`, so storing the same record twice, or resuming after a crash half-way
through a page, leaves one row. The same statements run on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel, col, select

from bot.identity import IdentityKey
from bot.models import (
    UNIQUE_IDENTITY_WHERE,
    AuditEvent,
    Contribution,
    ContributionKind,
    ContributionTopic,
    HttpCache,
    Identity,
    IdentityKind,
    Person,
    Repo,
    SyncCursor,
    utcnow,
)


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


# Columns a later sync may legitimately change (a PR gets merged, relabelled, retitled).
_CONTRIBUTION_MUTABLE = (
    "person_id",
    "identity_key",
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


def _contribution_values(record: ContributionRecord) -> dict[str, Any]:
    return {
        "repo_id": record.repo_id,
        "person_id": record.person_id,
        "kind": ContributionKind(record.kind).value,
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
    }


def upsert_contributions(session: Session, records: Sequence[ContributionRecord]) -> list[int]:
    """Insert or update contributions in one statement; returns their ids in the given order.

    Unique per (repo, kind, external id). Within one batch the last record for a key wins, as
    PostgreSQL refuses to touch one row twice in a single INSERT.
    """
    if not records:
        return []
    latest: dict[tuple[int, str, str], ContributionRecord] = {}
    for record in records:
        latest[(record.repo_id, str(record.kind), record.external_id)] = record
    unique = list(latest.values())
    table = Contribution.__table__  # type: ignore[attr-defined]
    statement = _insert(session, Contribution)
    statement = statement.on_conflict_do_update(
        index_elements=["repo_id", "kind", "external_id"],
        set_={name: statement.excluded[name] for name in _CONTRIBUTION_MUTABLE},
    ).returning(
        table.c.id, table.c.repo_id, table.c.kind, table.c.external_id, sort_by_parameter_order=True
    )
    rows = session.execute(statement, [_contribution_values(r) for r in unique]).all()
    ids = {(row.repo_id, row.kind, row.external_id): row.id for row in rows}
    return [ids[(r.repo_id, ContributionKind(r.kind).value, r.external_id)] for r in records]


def upsert_contribution(session: Session, record: ContributionRecord) -> int:
    """Insert or update one contribution; returns its id. Unique per (repo, kind, external id)."""
    return upsert_contributions(session, [record])[0]


def replace_topics(
    session: Session, tagged: Sequence[tuple[int, int, datetime, Iterable[str]]]
) -> None:
    """Make each contribution's topic tags exactly the given ones, for a batch at once.

    `tagged` holds (contribution id, person id, occurred at, tags); re-tagging after a taxonomy
    change or an updated PR replaces what was there.
    """
    if not tagged:
        return
    ids = sorted({contribution_id for contribution_id, *_ in tagged})
    for start in range(0, len(ids), 500):
        session.execute(
            sa.delete(ContributionTopic).where(
                col(ContributionTopic.contribution_id).in_(ids[start : start + 500])
            )
        )
    rows: dict[tuple[int, str], dict[str, Any]] = {}
    for contribution_id, person_id, occurred_at, tags in tagged:
        for topic in tags:
            rows[(contribution_id, topic)] = {
                "contribution_id": contribution_id,
                "topic": topic,
                "person_id": person_id,
                "occurred_at": occurred_at,
            }
    if rows:
        session.execute(sa.insert(ContributionTopic), list(rows.values()))


def set_topics(
    session: Session,
    contribution_id: int,
    person_id: int,
    occurred_at: datetime,
    topics: Iterable[str],
) -> None:
    """Make one contribution's topic tags exactly `topics`."""
    replace_topics(session, [(contribution_id, person_id, occurred_at, list(topics))])


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
            seen_at=utcnow(),
        )
        .on_conflict_do_nothing(
            index_elements=["kind", "value"], index_where=sa.text(UNIQUE_IDENTITY_WHERE)
        )
    )
    session.execute(statement)
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
    elif login is not None and person.login != login:
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
    mirror alone need not be.
    """
    repo = find_repo(session, full_name)
    if repo is None:
        repo = Repo(full_name=full_name, ecosystem=ecosystem, added_by=added_by, tracked=tracked)
        session.add(repo)
    else:
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
    session.add(AuditEvent(actor=actor, action=action, target=target, detail=detail or {}))


def get_etag(session: Session, slot: str, url: str) -> str | None:
    """The ETag saved for `slot`, if it was saved for this same `url`."""
    row = session.exec(select(HttpCache).where(HttpCache.slot == slot)).first()
    return row.etag if row is not None and row.url == url else None


def set_etag(session: Session, slot: str, url: str, etag: str | None) -> None:
    if not etag:
        return
    statement = _insert(session, HttpCache).values(
        slot=slot, url=url, etag=etag, updated_at=utcnow()
    )
    statement = statement.on_conflict_do_update(
        index_elements=["slot"], set_={"url": url, "etag": etag, "updated_at": utcnow()}
    )
    session.execute(statement)

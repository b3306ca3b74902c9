"""Fixing who is who by hand: find, merge and split people.

Automatic identity resolution never merges on names (see `bot.ingest.git`), so two records of
one person can stay apart, and a shared address can wrongly join two people. These are the
corrections. They move identities, and resolution always follows identities, so a correction
survives every later sync and ingest.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.errors import CsfError
from bot.store.identity import email_key, login_key, typed_login
from bot.store.locks import write_lock
from bot.store.models import (
    Candidate,
    CandidateNote,
    Contribution,
    ContributionTerm,
    ContributionTopic,
    DigestEntry,
    HttpCache,
    Identity,
    Person,
    utcnow,
)
from bot.store.writes import record_audit

# Shortlist statuses from least to furthest along, for merging two entries into one.
_PIPELINE = ["saved", "not_a_fit", "not_now", "contacted", "replied", "interviewing"]
_PROFILE_FIELDS = (
    "login",
    "name",
    "location",
    "country_code",
    "region",
    "region_level",
    "region_why",
    "company",
    "blog",
    "bio",
    "public_email",
    "github_created_at",
    "profile_fetched_at",
)


def find(session: Session, spec: str) -> Person:
    """A person by `#id`, `kind:value` identity, email address, GitHub login, `@login` or
    GitHub profile link."""
    text = typed_login(spec)
    person: Person | None = None
    if text.startswith("#") and text[1:].isdigit():
        person = session.get(Person, int(text[1:]))
    else:
        kind, value = _identity(text)
        owner = session.exec(
            select(Identity.person_id).where(Identity.kind == kind, Identity.value == value)
        ).first()
        person = session.get(Person, owner) if owner is not None else None
    if person is None:
        raise CsfError(f"no one known as {spec!r} (try a GitHub login, an address or #ID)")
    return person


def _identity(text: str) -> tuple[str, str]:
    kind, sep, value = text.partition(":")
    if sep and kind in ("github", "email", "name") and value:
        if kind == "email" and "@" in value:  # an address typed out: look it up by its hash
            return kind, email_key(value).value
        return kind, value.lower() if kind == "github" else value
    try:
        if "@" in text:
            return "email", email_key(text).value
        return "github", login_key(text).value
    except ValueError as error:
        raise CsfError(f"{text!r} is neither a GitHub login nor an address: {error}") from None


def identities(session: Session, person: Person) -> list[Identity]:
    return list(
        session.exec(
            select(Identity)
            .where(Identity.person_id == person.id)
            .order_by(col(Identity.kind), col(Identity.value))
        )
    )


def merge(session: Session, keep: Person, drop: Person, *, actor: str) -> Person:
    """Make `drop` part of `keep`: identities, work, shortlist entries; then remove `drop`."""
    if keep.id == drop.id:
        raise CsfError("those are the same person already")
    write_lock(session)  # no source writes for `drop` half-way through
    moved = {"keep": keep.id, "drop": drop.id}
    # Both featured in one digest for one topic: the kept person's entry stays.
    entries = DigestEntry.__table__  # type: ignore[attr-defined]
    kept_entry = entries.alias("kept")
    session.execute(
        sa.delete(entries).where(
            entries.c.person_id == drop.id,
            sa.exists().where(
                kept_entry.c.person_id == keep.id,
                kept_entry.c.run_id == entries.c.run_id,
                kept_entry.c.topic == entries.c.topic,
            ),
        )
    )
    drop_identities = list(session.exec(select(Identity.id).where(Identity.person_id == drop.id)))
    for model in (Identity, Contribution, ContributionTopic, ContributionTerm, DigestEntry):
        session.execute(
            sa.update(model).where(col(model.person_id) == drop.id).values(person_id=keep.id)
        )
    kept = {
        c.team_id: c for c in session.exec(select(Candidate).where(Candidate.person_id == keep.id))
    }
    for candidate in session.exec(select(Candidate).where(Candidate.person_id == drop.id)):
        other = kept.get(candidate.team_id)
        if other is None:
            candidate.person_id = keep.id  # type: ignore[assignment]
            continue
        # Both were on this team's shortlist: one entry, the notes of both, the furthest status.
        session.execute(
            sa.update(CandidateNote)
            .where(col(CandidateNote.candidate_id) == candidate.id)
            .values(candidate_id=other.id)
        )
        if _PIPELINE.index(candidate.status) > _PIPELINE.index(other.status):
            other.status = candidate.status
        session.flush()
        session.delete(candidate)
    # Each of `drop`'s identities remembers whose profile it came with, for a later split.
    session.execute(
        sa.update(Identity)
        .where(col(Identity.person_id) == keep.id, col(Identity.id).in_(drop_identities))
        .values(profile=profile_of(drop))
    )
    for name in _PROFILE_FIELDS:
        if getattr(keep, name) is None and getattr(drop, name) is not None:
            setattr(keep, name, getattr(drop, name))
    keep.is_bot = keep.is_bot or drop.is_bot
    keep.updated_at = utcnow()
    session.flush()
    session.delete(drop)
    record_audit(session, actor, "people.merge", f"#{keep.id}", moved)
    session.flush()
    return keep


def split(session: Session, person: Person, specs: list[str], *, actor: str) -> Person:
    """Move the named identities, and the work seen under them, to a new person."""
    write_lock(session)
    owned = {(i.kind, i.value): i for i in identities(session, person)}
    chosen = []
    for spec in specs:
        key = _identity(spec)
        if key not in owned:
            raise CsfError(
                f"{spec!r} is not one of this person's identities (see `csf people show`)"
            )
        chosen.append(owned[key])
    if len({(i.kind, i.value) for i in chosen}) == len(owned):
        raise CsfError("that would move every identity; a split must leave some behind")
    new = Person()
    session.add(new)
    session.flush()
    keys = [f"{i.kind}:{i.value}" for i in chosen]
    for identity in chosen:
        identity.person_id = new.id  # type: ignore[assignment]
    moved_ids = list(
        session.exec(
            select(Contribution.id).where(
                Contribution.person_id == person.id, col(Contribution.identity_key).in_(keys)
            )
        )
    )
    if moved_ids:
        session.execute(
            sa.update(Contribution)
            .where(col(Contribution.id).in_(moved_ids))
            .values(person_id=new.id)
        )
        for index in (ContributionTopic, ContributionTerm):  # their person goes with the work
            session.execute(
                sa.update(index)
                .where(col(index.contribution_id).in_(moved_ids))
                .values(person_id=new.id)
            )
    github = next((i for i in chosen if i.kind == "github"), None)
    own = next((i.profile for i in chosen if i.profile), None)
    if github is not None and person.login and person.login.lower() == github.value:
        # The record's own account leaves: its profile goes with it (location, company,
        # published address), and what stays takes back the profile it came with, if known.
        kept_name = person.name
        for name in _PROFILE_FIELDS:
            setattr(new, name, getattr(person, name))
            setattr(person, name, None)
        left = next((i.profile for i in owned.values() if i not in chosen and i.profile), None)
        _restore(person, left)
        person.name = person.name or kept_name
        person.login = next(
            (i.value for i in owned.values() if i not in chosen and i.kind == "github"), None
        )
    else:
        # The identities came with someone else: theirs is the profile they came with, never
        # the name of the record they were merged into.
        _restore(new, own)
    if github is not None:
        new.login = github.value
        # The next sync fetches the account's profile afresh (and its published address).
        session.execute(sa.delete(HttpCache).where(col(HttpCache.slot) == f"user:{github.value}"))
    for identity in chosen:
        identity.profile = None  # they are that person's own identities again
    record_audit(
        session,
        actor,
        "people.split",
        f"#{person.id}",
        {"new": new.id, "identities": len(keys), "contributions": len(moved_ids)},
    )
    session.flush()
    return new


# What a profile snapshot holds: what csf shows of a person, never an address.
_SNAPSHOT_FIELDS = tuple(
    f for f in _PROFILE_FIELDS if f not in ("login", "public_email", "profile_fetched_at")
)


def profile_of(person: Person) -> dict[str, Any]:
    """The shown profile of `person`, as an identity keeps it (JSON: dates as ISO text)."""
    snapshot: dict[str, Any] = {}
    for name in _SNAPSHOT_FIELDS:
        value = getattr(person, name)
        snapshot[name] = value.isoformat() if isinstance(value, datetime) else value
    return snapshot


def _restore(person: Person, snapshot: dict[str, Any] | None) -> None:
    if not snapshot:
        return
    for name in _SNAPSHOT_FIELDS:
        value = snapshot.get(name)
        if value is not None and name.endswith("_at"):
            value = datetime.fromisoformat(value)
        setattr(person, name, value)


def mark(session: Session, person: Person, *, is_person: bool) -> Person:
    """Say by hand whether a record is a person (ranked) or a tool, bot or pseudo-author.

    The not-people rules (bot/people/not_people.yml) can be wrong both ways; a hand mark is
    kept on the record and every later ingest and sync leaves it alone.
    """
    person.marked = "person" if is_person else "not_person"
    person.is_bot = not is_person
    session.add(person)
    session.flush()
    return person

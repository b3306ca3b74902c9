"""Erasure and subject access: forgetting a person for good, and showing them what csf holds.

Erasure deletes everything csf holds about a person (profile, identities, contributions and
their index rows, ownership rows, shortlist entries and notes, digest entries, their place in
posted-message records) and remembers a *suppression* for each of their identities, so no later
sync or git ingest brings them back (`bot.ingest.pipeline`, `bot.ingest.git` and the owner-file
sync skip
suppressed identities before storing anything).

What is suppressed, and what is not:
- GitHub logins, address hashes, Phabricator handles and forum usernames
  (`discourse:HOST:username`): each names one person.
- Display names are never suppressed. Names are not unique; suppressing "Wei Zhang" would
  silently drop the work of every other Wei Zhang. Git ingest never creates a person from a
  name alone (it needs an address), so the person could come back only under an address csf
  never saw; forget that address too (`csf people forget ADDRESS` works for unseen addresses).

The erasure is audited under a random reference, never under anything derived from the person:
suppression rows carry the same reference, so "did we honour X's request, when, and who did it?"
is answered by hashing X's login or address and looking the suppression up.
"""

from __future__ import annotations

import contextlib
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.errors import CsfError
from bot.store.identity import (
    ADDRESS,
    ADDRESS_PLACEHOLDER,
    DISCOURSE_PREFIX,
    PHABRICATOR_PREFIX,
    IdentityKey,
    email_key,
    login_key,
    map_text,
    suppression_hash,
    typed_login,
)
from bot.store.locks import write_lock
from bot.store.models import (
    AuditEvent,
    Candidate,
    CandidateNote,
    CodeOwner,
    Contribution,
    ContributionTerm,
    ContributionTopic,
    DigestEntry,
    DigestRun,
    ForumHandle,
    HttpCache,
    Identity,
    IdentityKind,
    Person,
    PostedMessage,
    Repo,
    Suppression,
)
from bot.store.writes import record_audit

_HANDLES = (PHABRICATOR_PREFIX, DISCOURSE_PREFIX)
ERASED = "[erased]"
FORGET_ACTION = "people.forget"


@dataclass(frozen=True)
class ForgetPlan:
    """What an erasure would do: shown for confirmation before anything is deleted."""

    spec: str
    person_id: int | None  # None: csf holds no one under that identity (it is suppressed only)
    label: str  # who, as a person confirming would recognise them; never stored
    keys: tuple[IdentityKey, ...]  # the identities that will be suppressed
    counts: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        if self.person_id is None:
            return (
                f"csf holds no one as {self.spec}; it will be suppressed so no later sync or "
                "ingest stores them"
            )
        held = ", ".join(f"{n} {what}" for what, n in self.counts.items() if n)
        return (
            f"{self.label}: {held or 'a profile only'}; {len(self.keys)} identities will be "
            "suppressed"
        )


@dataclass(frozen=True)
class ForgetReport:
    reference: str  # the erasure's audit reference, e.g. "erasure:3f9c2a1b7d4e"
    person_found: bool
    deleted: dict[str, int]
    suppressed: int  # identities newly suppressed (already suppressed ones are not counted)


def _keys_for_spec(spec: str) -> tuple[IdentityKey | None, int | None]:
    """The identity (or `#id`) a person typed; names are refused, they are not unique."""
    text = typed_login(spec)
    if text.startswith("#") and text[1:].isdigit():
        return None, int(text[1:])
    if text.lower().startswith(DISCOURSE_PREFIX) and text.count(":") == 2 and text[-1] != ":":
        return IdentityKey(IdentityKind.NAME, text.lower()), None
    kind, sep, value = text.partition(":")
    if sep and kind == IdentityKind.NAME.value:
        raise CsfError("names are not unique: forget by GitHub login, address or #ID")
    if sep and kind in (IdentityKind.GITHUB.value, IdentityKind.EMAIL.value) and value:
        text = value
        if kind == IdentityKind.EMAIL.value and value.startswith("sha256:"):
            return IdentityKey(IdentityKind.EMAIL, value), None
    try:
        return (email_key(text) if "@" in text else login_key(text)), None
    except ValueError as error:
        raise CsfError(f"{spec!r} is neither a GitHub login nor an address: {error}") from None


def plan_forget(session: Session, spec: str) -> ForgetPlan:
    """Resolve `spec` (login, address, `email:sha256:…` or `#id`) and count what it holds."""
    typed, person_id = _keys_for_spec(spec)
    person: Person | None = None
    if person_id is not None:
        person = session.get(Person, person_id)
        if person is None:
            raise CsfError(f"no one is #{person_id}")
    else:
        assert typed is not None
        owner = session.exec(
            select(Identity.person_id).where(
                Identity.kind == typed.kind.value, Identity.value == typed.value
            )
        ).first()
        person = session.get(Person, owner) if owner is not None else None
    keys: dict[str, IdentityKey] = {}
    if typed is not None:
        keys[str(typed)] = typed
    if person is None:
        return ForgetPlan(spec, None, spec, tuple(keys.values()))
    for key in _suppressible(session, person):
        keys.setdefault(str(key), key)
    assert person.id is not None
    handle = f" (@{person.login})" if person.login else ""
    label = f"{person.name or person.login or 'someone'}{handle} #{person.id}"
    return ForgetPlan(spec, person.id, label, tuple(keys.values()), _counts(session, person.id))


def _suppressible(session: Session, person: Person) -> list[IdentityKey]:
    keys = []
    for identity in session.exec(select(Identity).where(Identity.person_id == person.id)):
        kind = IdentityKind(identity.kind)
        if kind is IdentityKind.NAME and not identity.value.startswith(_HANDLES):
            continue  # display names are not unique (see the module doc)
        keys.append(IdentityKey(kind, identity.value, identity.domain))
    if person.login:
        with contextlib.suppress(ValueError):
            keys.append(login_key(person.login))
    if person.public_email:
        with contextlib.suppress(ValueError):
            keys.append(email_key(person.public_email))
    return keys


def _count(session: Session, statement: Any) -> int:
    counted = sa.select(sa.func.count()).select_from(statement.subquery())
    return int(session.execute(counted).scalar_one())


def _counts(session: Session, person_id: int) -> dict[str, int]:
    candidates = select(Candidate.id).where(Candidate.person_id == person_id)
    return {
        "identities": _count(session, select(Identity).where(Identity.person_id == person_id)),
        "contributions": _count(
            session, select(Contribution).where(Contribution.person_id == person_id)
        ),
        "shortlist entries": _count(
            session, select(Candidate).where(Candidate.person_id == person_id)
        ),
        "notes": _count(
            session,
            select(CandidateNote).where(col(CandidateNote.candidate_id).in_(candidates)),
        ),
        "digest entries": _count(
            session, select(DigestEntry).where(DigestEntry.person_id == person_id)
        ),
    }


def forget(session: Session, spec: str, *, actor: str) -> ForgetReport:
    """Erase the person `spec` names and suppress their identities; flushes, never commits.

    An identity csf never saw (an address given in an erasure request) is suppressed anyway.
    Run it in one transaction with the caller's commit: a failure half-way leaves nothing done.
    Sources write under the same lock (`write_lock`), so none is half-way through writing the
    person when they are erased, and each sees the suppression from its next transaction on.
    """
    write_lock(session)
    plan = plan_forget(session, spec)
    reference = f"erasure:{secrets.token_hex(6)}"
    deleted: dict[str, int] = {}
    if plan.person_id is not None:
        person = session.get(Person, plan.person_id)
        assert person is not None
        deleted = _erase(session, person, plan.keys, reference)
    else:  # no one held; what was typed about them (a search for the address) goes all the same
        _redact_audit(session, _mentions(session, plan.keys, None), reference)
    suppressed = _suppress(session, plan.keys, reference, actor)
    record_audit(
        session,
        actor,
        FORGET_ACTION,
        reference,
        {"person_found": plan.person_id is not None, "suppressed": suppressed, "deleted": deleted},
    )
    session.flush()
    return ForgetReport(reference, plan.person_id is not None, deleted, suppressed)


def _suppress(session: Session, keys: tuple[IdentityKey, ...], reference: str, actor: str) -> int:
    wanted = {suppression_hash(key) for key in keys}
    known = set(
        session.exec(
            select(Suppression.identity_hash).where(col(Suppression.identity_hash).in_(wanted))
        )
    )
    for value in sorted(wanted - known):
        session.add(Suppression(identity_hash=value, reason=reference, created_by=actor))
    return len(wanted - known)


def _erase(
    session: Session, person: Person, keys: tuple[IdentityKey, ...], reference: str
) -> dict[str, int]:
    person_id = person.id
    assert person_id is not None
    counts = _counts(session, person_id)
    contributions = select(Contribution.id).where(Contribution.person_id == person_id)
    # Index rows first, by person and by contribution: they repeat the person id, which a hand
    # merge may have left stale. (They also cascade; explicit deletes do not depend on that.)
    for model in (ContributionTopic, ContributionTerm):
        session.execute(
            sa.delete(model).where(
                sa.or_(
                    col(model.person_id) == person_id,
                    col(model.contribution_id).in_(contributions),
                )
            )
        )
    session.execute(sa.delete(Contribution).where(col(Contribution.person_id) == person_id))
    candidates = select(Candidate.id).where(Candidate.person_id == person_id)
    session.execute(sa.delete(CandidateNote).where(col(CandidateNote.candidate_id).in_(candidates)))
    session.execute(sa.delete(Candidate).where(col(Candidate.person_id) == person_id))
    session.execute(sa.delete(DigestEntry).where(col(DigestEntry.person_id) == person_id))
    counts["ownership rows"] = _delete_owner_rows(session, keys)
    logins = [k.value for k in keys if k.kind is IdentityKind.GITHUB]
    if logins:
        session.execute(
            sa.delete(HttpCache).where(col(HttpCache.slot).in_([f"user:{v}" for v in logins]))
        )
    counts["posted messages"] = _drop_from_posted(session, person_id)
    counts["audit events redacted"] = _redact_audit(
        session, _mentions(session, keys, person), reference
    )
    session.execute(sa.delete(Identity).where(col(Identity.person_id) == person_id))
    session.execute(sa.delete(Person).where(col(Person.id) == person_id))
    session.expunge(person)
    return counts


def _delete_owner_rows(session: Session, keys: tuple[IdentityKey, ...]) -> int:
    named = [
        sa.and_(col(CodeOwner.owner_kind) == k.kind.value, col(CodeOwner.owner_value) == k.value)
        for k in keys
        if k.kind in (IdentityKind.GITHUB, IdentityKind.EMAIL)
    ]
    if not named:
        return 0
    result = session.execute(sa.delete(CodeOwner).where(sa.or_(*named)))
    logins = [k.value for k in keys if k.kind is IdentityKind.GITHUB]
    if logins:  # the forum usernames a maintainer file gives beside their account
        session.execute(sa.delete(ForumHandle).where(col(ForumHandle.login).in_(logins)))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _drop_from_posted(session: Session, person_id: int) -> int:
    """Take the person out of the records of what csf posted (the Slack messages stay Slack's)."""
    like = sa.cast(PostedMessage.person_ids, sa.Text).like(f"%{person_id}%")
    changed = 0
    for message in session.exec(select(PostedMessage).where(like)):
        if person_id in message.person_ids:
            message.person_ids = [p for p in message.person_ids if p != person_id]
            session.add(message)
            changed += 1
    return changed


@dataclass(frozen=True)
class _Mentions:
    """How text written about a person names them: their records' ids (`person:7`, `#7`),
    their logins, handles and names as whole words, and any address whose hash is theirs.

    The audit log holds what people typed (a search for a login, a name, an address); an
    erasure must find those, and a subject access request must show them.
    """

    targets: frozenset[str]
    words: re.Pattern[str] | None
    address_hashes: frozenset[str]

    def scrub(self, value: Any) -> Any:
        """`value` (text, or JSON-like lists and dicts of it) with every mention erased."""
        return map_text(value, self._scrub_text)

    def _scrub_text(self, text: str) -> str:
        if self.words is not None:
            text = self.words.sub(ERASED, text)
        if self.address_hashes and "@" in text:
            text = ADDRESS.sub(self._address, text)
        return text

    def _address(self, match: re.Match[str]) -> str:
        try:
            theirs = email_key(match.group()).value in self.address_hashes
        except ValueError:
            theirs = False
        return ERASED if theirs else match.group()

    def named_in(self, event: AuditEvent) -> bool:
        return (
            event.target in self.targets
            or self.scrub(event.target) != event.target
            or self.scrub(event.detail) != event.detail
        )


def _mentions(session: Session, keys: tuple[IdentityKey, ...], person: Person | None) -> _Mentions:
    """What names the person (`person` may be None: an identity csf never held)."""
    phrases = {k.value for k in keys if k.kind is IdentityKind.GITHUB}
    phrases |= {
        _handle(k.value)
        for k in keys
        if k.kind is IdentityKind.NAME and k.value.startswith(_HANDLES)
    }
    targets: frozenset[str] = frozenset()
    if person is not None and person.id is not None:
        targets = frozenset({f"person:{person.id}", f"#{person.id}"})
        names = session.exec(
            select(Identity.value).where(
                Identity.person_id == person.id, Identity.kind == IdentityKind.NAME.value
            )
        )
        phrases |= {_handle(name) for name in names}
        if person.name:
            phrases.add(person.name)
        if person.login:
            phrases.add(person.login)
    # Whole words, any case and spacing, longest first (so `ada f` loses to `ada fictional`);
    # a redacted name is no name.
    words = sorted(
        {" ".join(p.split()) for p in phrases} - {"", ADDRESS_PLACEHOLDER}, key=len, reverse=True
    )
    pattern = None
    if words:
        spelled = "|".join(r"\s+".join(map(re.escape, w.split(" "))) for w in words)
        pattern = re.compile(rf"(?<![\w-])(?:{spelled})(?![\w-])", re.IGNORECASE)
    hashes = frozenset(k.value for k in keys if k.kind is IdentityKind.EMAIL)
    return _Mentions(targets, pattern, hashes)


def _handle(value: str) -> str:
    """The handle a person typed: `phabricator:ada` -> `ada`, `discourse:HOST:ada` -> `ada`."""
    if value.startswith(DISCOURSE_PREFIX):
        return value.rsplit(":", 1)[-1]
    return value.removeprefix(PHABRICATOR_PREFIX)


def _redact_audit(session: Session, mentions: _Mentions, reference: str) -> int:
    """Point past events about the person at the erasure, and take what names them out.

    The log keeps who did what and when (saved, changed status, searched); it stops saying whom
    about. Ids are replaced too, as a later person may be given the same id. Every event is
    read: names and addresses are matched in Python, as JSON text may hold them escaped.
    """
    changed = 0
    for event in session.exec(select(AuditEvent)):
        if not mentions.named_in(event):
            continue
        target = reference if event.target in mentions.targets else mentions.scrub(event.target)
        event.target, event.detail = target, mentions.scrub(event.detail)
        session.add(event)
        changed += 1
    return changed


# -- subject access ------------------------------------------------------------------------------


def export(session: Session, person: Person, *, actor: str) -> dict[str, Any]:
    """Everything csf holds about `person`, as JSON-ready data; the export is audited."""
    person_id = person.id
    assert person_id is not None
    repos = {r.id: r.full_name for r in session.exec(select(Repo))}
    identities = list(session.exec(select(Identity).where(Identity.person_id == person_id)))
    contributions = list(
        session.exec(
            select(Contribution)
            .where(Contribution.person_id == person_id)
            .order_by(col(Contribution.occurred_at), col(Contribution.id))
        )
    )
    topics: dict[int, list[str]] = {}
    for contribution_id, topic in session.exec(
        select(ContributionTopic.contribution_id, ContributionTopic.topic).where(
            ContributionTopic.person_id == person_id
        )
    ):
        topics.setdefault(contribution_id, []).append(topic)
    candidates = list(session.exec(select(Candidate).where(Candidate.person_id == person_id)))
    notes: dict[int, list[CandidateNote]] = {}
    if candidates:
        for note in session.exec(
            select(CandidateNote)
            .where(col(CandidateNote.candidate_id).in_([c.id for c in candidates]))
            .order_by(col(CandidateNote.created_at))
        ):
            notes.setdefault(note.candidate_id, []).append(note)
    keys = [
        (k.kind.value, k.value)
        for k in _suppressible(session, person)
        if k.kind in (IdentityKind.GITHUB, IdentityKind.EMAIL)
    ]
    owned = (
        list(
            session.exec(
                select(CodeOwner).where(
                    sa.or_(
                        *(
                            sa.and_(
                                col(CodeOwner.owner_kind) == kind,
                                col(CodeOwner.owner_value) == value,
                            )
                            for kind, value in keys
                        )
                    )
                )
            )
        )
        if keys
        else []
    )
    digests = list(
        session.exec(
            select(DigestEntry, DigestRun)
            .join(DigestRun, col(DigestRun.id) == col(DigestEntry.run_id))
            .where(DigestEntry.person_id == person_id)
        )
    )
    posted = [
        m
        for m in session.exec(
            select(PostedMessage).where(
                sa.cast(PostedMessage.person_ids, sa.Text).like(f"%{person_id}%")
            )
        )
        if person_id in m.person_ids
    ]
    mentions = _mentions(session, tuple(_suppressible(session, person)), person)
    events = [
        event
        for event in session.exec(
            select(AuditEvent).order_by(col(AuditEvent.at), col(AuditEvent.id))
        )
        if mentions.named_in(event)
    ]
    record_audit(session, actor, "people.export", f"person:{person_id}")
    return {
        "about": (
            "Everything csf holds about this person. Sources: public GitHub activity and "
            "profiles, and public git history of tracked repositories. Addresses are held only "
            "as one-way sha256 hashes, except the contact address published on the profile."
        ),
        "person": _row(person),
        "identities": [_row(i, drop=("id", "person_id")) for i in identities],
        "contributions": [
            {
                **_row(c, drop=("person_id", "repo_id")),
                "repo": repos.get(c.repo_id),
                "topics": sorted(topics.get(c.id or 0, [])),
            }
            for c in contributions
        ],
        "ownership": [
            {**_row(o, drop=("id", "repo_id")), "repo": repos.get(o.repo_id)} for o in owned
        ],
        "shortlist": [
            {
                **_row(c, drop=("person_id",)),
                "notes": [_row(n, drop=("candidate_id",)) for n in notes.get(c.id or 0, [])],
            }
            for c in candidates
        ],
        "digests": [
            {**_row(entry, drop=("person_id",)), "period_end": run.period_end.isoformat()}
            for entry, run in digests
        ],
        "posted_messages": [_row(m, drop=("person_ids",)) for m in posted],
        "audit_events": [_row(e) for e in events],
    }


def _row(model: Any, *, drop: tuple[str, ...] = ()) -> dict[str, Any]:
    data = model.model_dump(exclude=set(drop))
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in data.items()}

"""Likely duplicate people, with the evidence, for a person to accept with `csf people merge`.

Identity resolution joins records only on logins and addresses (`bot.ingest.git`), so one person
often stays split in several records: commits under a git name that is their login, a second
address with the same local part, a GitHub account renamed. This finds such records and says
why, strongest evidence first. It never merges anything: equal names are the weakest evidence
there is (two people may share one), and even the strongest is a suggestion a person accepts.

Bots and records marked as not people (`is_bot`, which the not-people rules and hand marks set)
are left out. Each kind of evidence comes from one grouping query, or one pass over the names,
so the cost grows with the store and not with its square.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from bot.errors import CsfError
from bot.store.identity import (
    DISCOURSE_PREFIX,
    GENERIC_LOCAL_PARTS,
    PHABRICATOR_PREFIX,
    local_part_hash,
    looks_like_handle,
    name_words,
    spaced_and_run_together,
    without_parenthetical,
)
from bot.store.models import Contribution, Identity, IdentityKind, Person
from bot.store.writes import find_repo, stored_secret

# Evidence shared by more records than this is too common to say anything about one person.
MAX_GROUP = 6
_CHUNK = 500  # ids per IN (...) list, well under every backend's limit on parameters


class Strength(IntEnum):
    WEAK = 1
    MEDIUM = 2
    STRONG = 3

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class DuplicateEvidence:
    """One reason to think some records are one person, in a sentence a person can check."""

    # github_id, name_is_login, handle_is_login, forum_name_is_login, local_part, name_variant,
    # same_name
    kind: str
    strength: Strength
    text: str
    person_ids: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "strength": self.strength.label,
            "text": self.text,
            "people": list(self.person_ids),
        }


@dataclass(frozen=True)
class Member:
    """A record in a suggestion, with what helps a person decide (and which one to keep)."""

    id: int
    name: str | None
    login: str | None
    contributions: int

    @property
    def label(self) -> str:
        handle = f" @{self.login}" if self.login else ""
        return f"#{self.id} {self.name or '(no name)'}{handle}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "login": self.login,
            "contributions": self.contributions,
        }


@dataclass
class Suggestion:
    """Records that look like one person; `people[0]` is the one to keep."""

    people: list[Member]
    evidence: list[DuplicateEvidence]

    @property
    def strength(self) -> Strength:
        return max(e.strength for e in self.evidence)

    @property
    def person_ids(self) -> list[int]:
        return [m.id for m in self.people]

    def merge_commands(self) -> list[str]:
        """The commands that accept it; `#` quoted, as a shell would take it for a comment."""
        keep = self.people[0]
        return [f"csf people merge '#{keep.id}' '#{other.id}'" for other in self.people[1:]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "strength": self.strength.label,
            "people": [m.to_dict() for m in self.people],
            "evidence": [e.to_dict() for e in self.evidence],
            "commands": self.merge_commands(),
        }

    def _rank(self) -> tuple[int, int, int, int]:
        kinds = {e.kind: e.strength for e in self.evidence}
        total = sum(m.contributions for m in self.people)
        return (-self.strength, -sum(kinds.values()), -total, self.people[0].id)


def suggest(
    session: Session, *, repo: str | None = None, limit: int | None = None
) -> list[Suggestion]:
    """Likely duplicates, strongest evidence first; with `repo`, those with work in it."""
    repo_id = _repo_id(session, repo) if repo else None
    evidence = [
        *_same_account(session),
        *_name_is_login(session),
        *_forum_name_is_login(session),
        *_same_local_part(session),
        *_name_is_local_part(session),
        *_similar_names(session),
    ]
    groups = _group(evidence)
    members = _members(session, {i for ids, _ in groups for i in ids}, repo_id)
    found = []
    for ids, items in groups:
        if repo_id is not None and not any(members[i][1] for i in ids):
            continue
        people = sorted(
            (members[i][0] for i in ids),
            key=lambda m: (m.login is None, -m.contributions, m.id),
        )
        found.append(Suggestion(people, items))
    found.sort(key=Suggestion._rank)
    return found[:limit] if limit is not None else found


def _repo_id(session: Session, name: str) -> int:
    owner, sep, rest = name.strip().partition("/")
    if not sep or not owner or not rest or "/" in rest:
        raise CsfError(f"{name!r} is not a repository: write OWNER/NAME")
    found = find_repo(session, name.strip())
    if found is None or found.id is None:
        raise CsfError(f"no repository {name.strip()} in the store (sync or ingest it first)")
    return found.id


# -- finding evidence -----------------------------------------------------------------------------

_identity = Identity.__table__  # type: ignore[attr-defined]
_person = Person.__table__  # type: ignore[attr-defined]


def _people_only(person: sa.FromClause) -> sa.ColumnElement[bool]:
    """Records that are people: not bots, tools or pseudo-authors, by rule or by hand."""
    return sa.and_(
        person.c.is_bot == sa.false(),
        sa.func.coalesce(person.c.marked, "") != "not_person",
    )


def _identities() -> tuple[sa.FromClause, sa.FromClause, sa.FromClause]:
    """Identities joined to their people, keeping only people (see `_people_only`)."""
    identity, person = _identity.alias("i"), _person.alias("p")
    return identity, person, identity.join(person, person.c.id == identity.c.person_id)


def _shared(column_name: str, most: int | None) -> sa.Select[Any]:
    """Values of an identity column held by two or more people (and at most `most`)."""
    identity, person, joined = _identities()
    column = identity.c[column_name]
    people = sa.func.count(sa.distinct(identity.c.person_id))
    having = people > 1 if most is None else people.between(2, most)
    return (
        sa.select(column)
        .select_from(joined)
        .where(column.is_not(None), _people_only(person))
        .group_by(column)
        .having(having)
    )


def _same_account(session: Session) -> Iterator[DuplicateEvidence]:
    """Logins with one GitHub account id (from noreply addresses): an account renamed."""
    identity, person, joined = _identities()
    rows = session.execute(
        sa.select(identity.c.github_id, identity.c.person_id, identity.c.value)
        .select_from(joined)
        .where(
            identity.c.github_id.in_(_shared("github_id", None)),
            identity.c.kind == IdentityKind.GITHUB.value,
            _people_only(person),
        )
        .order_by(identity.c.github_id, identity.c.person_id)
    ).all()
    accounts: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for account, person_id, login in rows:
        accounts[account].append((person_id, login))
    for account, held in accounts.items():
        logins = ", ".join(f"@{login} (#{person_id})" for person_id, login in held)
        yield DuplicateEvidence(
            "github_id",
            Strength.STRONG,
            f"same GitHub noreply id {account} behind the logins {logins}: one account, renamed",
            _ids(person_id for person_id, _ in held),
        )


def _name_is_login(session: Session) -> Iterator[DuplicateEvidence]:
    """Git names (and Phabricator handles) that are exactly someone else's GitHub login.

    Git's `user.name` set to one's handle is common; a handle with a digit or a hyphen is
    hardly anyone else's name, while a plain word ("chris") may be a first name too.
    """
    found: dict[tuple[int, str, str], set[int]] = defaultdict(set)
    for handle in (False, True):
        name, named = _identity.alias("n"), _person.alias("np")
        login, holder = _identity.alias("g"), _person.alias("gp")
        # The name side is looked up by its index on `value`, from each login.
        spelled = sa.literal(PHABRICATOR_PREFIX) + login.c.value if handle else login.c.value
        rows = session.execute(
            sa.select(login.c.person_id, login.c.value, name.c.person_id)
            .select_from(
                name.join(named, named.c.id == name.c.person_id)
                .join(login, spelled == name.c.value)
                .join(holder, holder.c.id == login.c.person_id)
            )
            .where(
                name.c.kind == IdentityKind.NAME.value,
                login.c.kind == IdentityKind.GITHUB.value,
                name.c.person_id != login.c.person_id,
                _people_only(named),
                _people_only(holder),
            )
        ).all()
        for holder_id, value, person_id in rows:
            found[(holder_id, value, "handle" if handle else "name")].add(person_id)
    for (holder_id, value, what), named_ids in sorted(found.items()):
        if len(value) < 3 or value in GENERIC_LOCAL_PARTS:
            continue
        if what == "name" and looks_like_handle(value):
            strength = Strength.STRONG
        elif len(named_ids) < MAX_GROUP:
            strength = Strength.MEDIUM
        else:
            continue  # a plain word many records carry as a name: a common name, not a handle
        others = _refs(named_ids)
        spelled_as = "git name" if what == "name" else "Phabricator handle"
        yield DuplicateEvidence(
            "name_is_login" if what == "name" else "handle_is_login",
            strength,
            f"{spelled_as} '{value}' of {others} equals the GitHub login of #{holder_id}",
            _ids([holder_id, *named_ids]),
        )


def _forum_name_is_login(session: Session) -> Iterator[DuplicateEvidence]:
    """Forum usernames equal to someone else's GitHub login (the forum sync joins them only
    when the forum profile links the account; this is the evidence left for a person)."""
    identity, person, joined = _identities()
    rows = session.execute(
        sa.select(identity.c.person_id, identity.c.value)
        .select_from(joined)
        .where(
            identity.c.kind == IdentityKind.NAME.value,
            identity.c.value.startswith(DISCOURSE_PREFIX),
            _people_only(person),
        )
    ).all()
    named: dict[str, dict[int, str]] = defaultdict(dict)  # username -> person -> forum host
    for person_id, value in rows:
        host, _, username = value.removeprefix(DISCOURSE_PREFIX).rpartition(":")
        if len(username) >= 3 and username not in GENERIC_LOCAL_PARTS:
            named[username][person_id] = host
    for held in _holders(session, IdentityKind.GITHUB, "value", sorted(named)):
        for value, holder_id in held:
            others = {i: h for i, h in named[value].items() if i != holder_id}
            if not others:
                continue
            handle_like = any(c.isdigit() or c in "-_." for c in value)
            hosts = " and ".join(sorted(set(others.values())))
            yield DuplicateEvidence(
                "forum_name_is_login",
                Strength.STRONG if handle_like else Strength.MEDIUM,
                f"forum username '{value}' on {hosts} ({_refs(others)}) equals the GitHub "
                f"login of #{holder_id}",
                _ids([holder_id, *others]),
            )


def _same_local_part(session: Session) -> Iterator[DuplicateEvidence]:
    """Addresses with one identifying local part at different domains (or `+tags`)."""
    identity, person, joined = _identities()
    rows = session.execute(
        sa.select(identity.c.local_hash, identity.c.person_id, identity.c.domain)
        .select_from(joined)
        .where(identity.c.local_hash.in_(_shared("local_hash", MAX_GROUP)), _people_only(person))
        .order_by(identity.c.local_hash, identity.c.person_id)
    ).all()
    parts: dict[str, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    for local_hash, person_id, domain in rows:
        parts[local_hash][person_id].add(domain or "?")
    for held in parts.values():
        where = ", ".join(f"{' and '.join(sorted(d))} (#{i})" for i, d in sorted(held.items()))
        machine = _on_own_machine(held)
        yield DuplicateEvidence(
            "local_part",
            Strength.STRONG if machine else Strength.MEDIUM,
            f"same address local part, at {where}"
            + (f" ({machine[0]} is a machine under {machine[1]})" if machine else ""),
            _ids(held),
        )


def _on_own_machine(held: dict[int, set[str]]) -> tuple[str, str] | None:
    """A domain of one record that is a host under another record's domain, if any: git on an
    organisation's machines signs `user@login01.cluster.corp.example` beside the person's own
    `user@corp.example`, the same account name inside one organisation (a handful of records
    per person on real GPU-cluster histories). Different local parts never get here."""
    for person_id, domains in held.items():
        others = sorted(d for other, ds in held.items() if other != person_id for d in ds)
        for domain in sorted(domains):
            for other in others:
                if "." in other and domain.endswith("." + other):
                    return domain, other
    return None


def _name_is_local_part(session: Session) -> Iterator[DuplicateEvidence]:
    """Git names (and review handles) that are the identifying local part of someone else's
    address: `jdoe` committing from a laptop, and Jo Doe from `jdoe@work.example`.

    The name is hashed as the local parts were (with the store's key), so no address is read
    back; a name that is a role or too short to identify anyone is left out, as for addresses.
    """
    secret = stored_secret(session)
    if secret is None:  # no address was ever stored with a local part to compare
        return
    rows = name_identities(session, DISCOURSE_PREFIX)
    # local part hash -> how the name was spelled (a git name, a review handle) -> its records
    named: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for person_id, value in rows:
        handle = value.removeprefix(PHABRICATOR_PREFIX)
        if " " in handle or "@" in handle:
            continue
        hashed = local_part_hash(f"{handle}@name.invalid", secret)
        if hashed is not None:
            spelled = "review handle" if value != handle else "git name"
            named[hashed][f"{spelled} '{handle}'"].add(person_id)
    for held in _holders(session, IdentityKind.EMAIL, "local_hash", sorted(named)):
        by_hash: dict[str, set[int]] = defaultdict(set)
        for local_hash, holder_id in held:
            by_hash[local_hash].add(holder_id)
        for local_hash, holders in sorted(by_hash.items()):
            spellings = {
                spelled: ids - holders for spelled, ids in sorted(named[local_hash].items())
            }
            others = set().union(*spellings.values())
            if not others or len(holders) + len(others) > MAX_GROUP:
                continue  # one record already, or a word too many people use
            said = [f"{spelled} of {_refs(ids)}" for spelled, ids in spellings.items() if ids]
            verb = "is" if len(said) == 1 else "are"
            yield DuplicateEvidence(
                "name_is_local_part",
                Strength.MEDIUM,
                f"{' and '.join(said)} {verb} the local part of an address of {_refs(holders)}",
                _ids([*holders, *others]),
            )


def name_identities(
    session: Session, *left_out: str, among: sa.Select[Any] | None = None
) -> Sequence[tuple[int, str]]:
    """(person, name) of every name identity of a person (of the ids `among` selects, if
    given), less names spelled with a prefix in `left_out` (review handles, forum usernames)."""
    identity, person, joined = _identities()
    return session.execute(
        sa.select(identity.c.person_id, identity.c.value)
        .select_from(joined)
        .where(
            identity.c.kind == IdentityKind.NAME.value,
            *(~identity.c.value.startswith(prefix) for prefix in left_out),
            _people_only(person),
            *([] if among is None else [identity.c.person_id.in_(among)]),
        )
    ).all()


def _holders(
    session: Session, kind: IdentityKind, column: str, values: Sequence[str]
) -> Iterator[list[tuple[str, int]]]:
    """(value, person) of the people holding an identity of `kind` whose `column` is one of
    `values`, a chunk of values at a time."""
    for start in range(0, len(values), _CHUNK):
        identity, holder = _identity.alias("h"), _person.alias("hp")
        yield [
            (value, person_id)
            for value, person_id in session.execute(
                sa.select(identity.c[column], identity.c.person_id)
                .select_from(identity.join(holder, holder.c.id == identity.c.person_id))
                .where(
                    identity.c.kind == kind.value,
                    identity.c[column].in_(values[start : start + _CHUNK]),
                    _people_only(holder),
                )
                .distinct()
            )
        ]


def variant_key(name: str) -> str | None:
    """A name without case, accents, punctuation, initials, word order or a trailing
    parenthetical; None if one word.

    Equal keys are the variants a `.mailmap` usually joins: "Ada B. Quillon", "quillon, ada",
    "Áda Quillon", "ada-quillon", and "Ada Quillon (Lab 3)" from a shared machine.
    """
    words = sorted(w for w in name_words(without_parenthetical(name)) if len(w) > 1)
    return " ".join(words) if len(words) > 1 else None


def _similar_names(session: Session) -> Iterator[DuplicateEvidence]:
    """Equal names (weak) and names equal up to spelling (weak): hints, never enough alone.

    One pass over the names, grouped in a dictionary: linear in the store, like a GROUP BY, but
    with a key (accents, word order) that SQLite and PostgreSQL cannot compute alike.
    """
    rows = name_identities(session, PHABRICATOR_PREFIX, DISCOURSE_PREFIX)
    exact: dict[str, set[int]] = defaultdict(set)
    variants: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    # `Ada Quill` and `AdaQuill`: the words of a name, with their spaces and run together.
    spellings_of: dict[str, dict[str, tuple[list[str], set[int]]]] = defaultdict(dict)
    for person_id, value in rows:
        exact[value].add(person_id)
        key = variant_key(value)
        if key is not None:
            variants[key][value].add(person_id)
        words = name_words(without_parenthetical(value))
        spellings_of["".join(words)].setdefault(value, (words, set()))[1].add(person_id)
    for value, ids in sorted(exact.items()):
        if 1 < len(ids) <= MAX_GROUP:
            yield DuplicateEvidence(
                "same_name",
                Strength.WEAK,
                f"same name '{value}' (ignoring case): {_refs(ids)}",
                _ids(ids),
            )
    for spelled in spellings_of.values():
        spaced = {v: held for v, (words, held) in spelled.items() if len(words) >= 2}
        together = {v: held for v, (words, held) in spelled.items() if len(words) == 1}
        if not spaced or not together:
            continue
        one, other = spelled[min(spaced)][0], spelled[min(together)][0]
        if not spaced_and_run_together(one, other):
            continue
        # Records holding both spellings are tied to the others by an equal name already
        # (`same_name`): only one spelling's records against the other's are new evidence.
        spaced_ids = {i for held in spaced.values() for i in held}
        together_ids = {i for held in together.values() for i in held}
        both = spaced_ids & together_ids
        ids = spaced_ids ^ together_ids
        if not spaced_ids - both or not together_ids - both or not 1 < len(ids) <= MAX_GROUP:
            continue
        shown = ", ".join(
            f"'{value}' ({_refs(held - both)})"
            for value, held in sorted({**spaced, **together}.items())
            if held - both
        )
        yield DuplicateEvidence(
            "name_variant",
            Strength.WEAK,
            f"one name with its spaces and run together: {shown}",
            _ids(ids),
        )
    for spellings in variants.values():
        ids = {i for held in spellings.values() for i in held}
        if len(spellings) < 2 or not 1 < len(ids) <= MAX_GROUP:
            continue
        shown = ", ".join(f"'{value}' ({_refs(held)})" for value, held in sorted(spellings.items()))
        yield DuplicateEvidence(
            "name_variant",
            Strength.WEAK,
            f"names differ only by case, accents, punctuation, word order or initials: {shown}",
            _ids(ids),
        )


def _ids(ids: Iterable[int]) -> tuple[int, ...]:
    return tuple(sorted(set(ids)))


def _refs(ids: Iterable[int]) -> str:
    return ", ".join(f"#{i}" for i in sorted(ids))


# -- from evidence to suggestions -----------------------------------------------------------------


def _group(
    evidence: Sequence[DuplicateEvidence],
) -> list[tuple[tuple[int, ...], list[DuplicateEvidence]]]:
    """One suggestion per set of records; weaker evidence about a subset joins the stronger one.

    Strongest first, so a weak hint (a shared name) never pulls a third record into a
    suggestion that strong evidence made about two.
    """
    groups: list[tuple[tuple[int, ...], list[DuplicateEvidence]]] = []
    holding: dict[int, set[int]] = defaultdict(set)  # person id -> indexes of groups with them
    for item in sorted(evidence, key=lambda e: (-e.strength, -len(e.person_ids), e.person_ids)):
        if len(item.person_ids) < 2:
            continue
        within = set.intersection(*(holding[i] for i in item.person_ids))
        if within:
            for index in within:
                if all(e.text != item.text for e in groups[index][1]):
                    groups[index][1].append(item)
            continue
        for i in item.person_ids:
            holding[i].add(len(groups))
        groups.append((item.person_ids, [item]))
    return groups


def _members(
    session: Session, ids: set[int], repo_id: int | None
) -> dict[int, tuple[Member, bool]]:
    """Each record with its work count, and whether it has work in `repo_id`."""
    found: dict[int, tuple[Member, bool]] = {}
    contribution = Contribution.__table__  # type: ignore[attr-defined]
    ordered = sorted(ids)
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        counts: dict[int, tuple[int, int]] = {
            row.person_id: (row.total, row.here or 0)
            for row in session.execute(
                sa.select(
                    contribution.c.person_id,
                    sa.func.count().label("total"),
                    sa.func.sum(
                        sa.case((contribution.c.repo_id == (repo_id or -1), 1), else_=0)
                    ).label("here"),
                )
                .where(contribution.c.person_id.in_(chunk))
                .group_by(contribution.c.person_id)
            )
        }
        for row in session.execute(
            sa.select(_person.c.id, _person.c.name, _person.c.login).where(_person.c.id.in_(chunk))
        ):
            total, here = counts.get(row.id, (0, 0))
            found[row.id] = (Member(row.id, row.name, row.login, total), here > 0)
    return found

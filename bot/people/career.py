"""Affiliation over time: which organisations a person's commit addresses belonged to, and when.

A commit address at arm.com from 2019 to 2023 and at google.com since says more than either
domain alone: "Arm 2019-2023, then Google", and, when the change is recent, that the person
just moved (a classic moment to reach out, or not to). An address at a university used within
the last year marks a student or researcher there now.

Only domains are read (csf holds addresses as hashes and domains), and only organisations the
shipped table names (bot/people/affiliations.yml): a personal or unknown domain says nothing.
Like every affiliation hint it is shown, never scored.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from bot.people.affiliations import Organisation, organisation_of
from bot.store.models import Contribution, Identity

RECENT = timedelta(days=365)  # a move within this of the date asked about is "recent"
GAP = timedelta(days=180)  # a new address this soon after the last use of the old one: a move


@dataclass(frozen=True)
class Stint:
    name: str
    kind: str  # university, research or company
    first: datetime
    last: datetime
    commits: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "from": self.first.date().isoformat(),
            "to": self.last.date().isoformat(),
            "commits": self.commits,
        }


@dataclass(frozen=True)
class Career:
    stints: tuple[Stint, ...] = ()
    moved_recently: bool = False
    academic_now: Stint | None = None  # a university address in use within the last year

    @property
    def summary(self) -> str:
        """`Arm 2019–2023, then Google (since 2024-02)`; empty when nothing is known."""
        if not self.stints:
            return ""
        parts = []
        for index, stint in enumerate(self.stints):
            if index == len(self.stints) - 1 and len(self.stints) > 1:
                parts.append(f"then {stint.name} (since {stint.first:%Y-%m})")
            else:
                years = (
                    f"{stint.first.year}"
                    if stint.first.year == stint.last.year
                    else (f"{stint.first.year}–{stint.last.year}")
                )
                parts.append(f"{stint.name} {years}")
        text = ", ".join(parts)
        if self.moved_recently:
            text += "; moved recently"
        if self.academic_now is not None:
            text += f"; at {self.academic_now.name} now (a university address in use)"
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "stints": [s.as_dict() for s in self.stints],
            "moved_recently": self.moved_recently,
            "academic_now": self.academic_now.name if self.academic_now else None,
            "summary": self.summary,
        }


@dataclass
class _Seen:
    first: datetime
    last: datetime
    commits: int = 0
    kind: str = "company"
    domains: set[str] = field(default_factory=set)


def careers(session: Session, person_ids: Iterable[int], as_of: datetime) -> dict[int, Career]:
    """Each person's organisations over time, from the domains of their commit addresses."""
    wanted = sorted(set(person_ids))
    out: dict[int, Career] = {}
    if not wanted:
        return out
    c = Contribution.__table__  # type: ignore[attr-defined]
    i = Identity.__table__  # type: ignore[attr-defined]
    # First the addresses that name an organisation (a few per person), then only their
    # commits: an area's main people can have hundreds of thousands of rows of other kinds.
    keys: dict[str, tuple[int, Organisation]] = {}  # identity key -> (person, organisation)
    for begin in range(0, len(wanted), 500):
        for person_id, value, domain in session.execute(
            sa.select(i.c.person_id, i.c.value, i.c.domain).where(
                i.c.person_id.in_(wanted[begin : begin + 500]),
                i.c.kind == "email",
                i.c.domain.is_not(None),
            )
        ):
            organisation = organisation_of(domain)
            if organisation is not None:
                keys[f"email:{value}"] = (person_id, organisation)
    found: list[tuple[int, Organisation, datetime, datetime, int]] = []
    by_person: dict[int, list[str]] = defaultdict(list)
    for key, (person_id, _) in keys.items():
        by_person[person_id].append(key)
    for person_id, identity_keys in sorted(by_person.items()):
        for key, first, last, count in session.execute(
            sa.select(
                c.c.identity_key,
                sa.func.min(c.c.occurred_at),
                sa.func.max(c.c.occurred_at),
                sa.func.count(),
            )
            .where(
                c.c.person_id == person_id,
                c.c.kind == "commit",
                c.c.occurred_at < as_of,
                c.c.identity_key.in_(identity_keys),
            )
            .group_by(c.c.identity_key)
        ):
            found.append((person_id, keys[key][1], first, last, count))
    seen: dict[int, dict[str, _Seen]] = defaultdict(dict)
    for person_id, organisation, first, last, count in found:
        entry = seen[person_id].get(organisation.name)
        if entry is None:
            entry = seen[person_id][organisation.name] = _Seen(first, last, 0, organisation.kind)
        entry.first, entry.last = min(entry.first, first), max(entry.last, last)
        entry.commits += int(count)
    for person_id, organisations in seen.items():
        stints = tuple(
            sorted(
                (
                    Stint(name, e.kind, e.first, e.last, e.commits)
                    for name, e in organisations.items()
                ),
                key=lambda s: (s.first, s.name),
            )
        )
        out[person_id] = _career(stints, as_of)
    return out


def _career(stints: tuple[Stint, ...], as_of: datetime) -> Career:
    moved = False
    if len(stints) >= 2:
        latest = max(stints, key=lambda s: s.first)
        before = [s for s in stints if s is not latest and s.first < latest.first]
        previous = max(before, key=lambda s: s.last) if before else None
        moved = (
            previous is not None
            and latest.first >= as_of - RECENT
            and previous.last <= latest.first + GAP
            and previous.last < latest.last  # the old address went quiet; the new one goes on
        )
    academic = next(
        (s for s in reversed(stints) if s.kind == "university" and s.last >= as_of - RECENT),
        None,
    )
    return Career(stints, moved, academic)

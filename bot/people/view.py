"""The person as every answer shows them: built here, once, from a stored `Person`.

`who`, the digest, a profile, the shortlist, Slack's buttons and the terminal all show the same
few facts about a person (name, login, where they are, the organisations their addresses hint
at). Building that view in one place keeps them agreeing, and keeps the rule that a view never
carries an address: identities appear as hashes and domains only, as the store holds them.

The answers hand the view on as a plain dict (`as_dict`, the `person` object of `--json`);
a face given that dict reads it back with `from_dict`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from bot.people.affiliations import affiliations
from bot.people.career import careers
from bot.store.models import Identity, Person, utcnow


@dataclass(frozen=True)
class PersonView:
    """What csf shows about a person; `region` is "unknown" when their place is not known."""

    id: int
    name: str | None
    login: str | None
    location: str | None
    country: str | None
    region: str
    company: str | None
    identities: tuple[Mapping[str, str], ...] = ()  # kind, value (a hash or login), domain
    region_level: str | None = None  # "stated" (profile) or "likely" (clues); None: unknown
    region_why: str | None = None  # the reasons, in words
    # Organisations over time from commit address domains (bot/people/career.py), as a dict.
    career: Mapping[str, Any] | None = None

    @classmethod
    def from_person(
        cls, person: Person, identities: Iterable[Mapping[str, str]] = ()
    ) -> PersonView:
        """The view of a stored person; pass their identities to show affiliations too."""
        assert person.id is not None
        return cls(
            id=person.id,
            name=person.name,
            login=person.login,
            location=person.location,
            country=person.country_code,
            region=person.region or "unknown",
            company=person.company,
            identities=tuple(sorted(identities, key=lambda e: (e["kind"], e["value"]))),
            region_level=person.region_level if person.region else None,
            region_why=person.region_why,
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PersonView:
        """The view back from `as_dict` (what an answer carries), for faces that format it."""
        return cls(
            id=int(data["id"]),
            name=data.get("name"),
            login=data.get("login"),
            location=data.get("location"),
            country=data.get("country"),
            region=str(data.get("region") or "unknown"),
            company=data.get("company"),
            identities=tuple(data.get("identities") or ()),
            region_level=data.get("region_level"),
            region_why=data.get("region_why"),
            career=data.get("career"),
        )

    @property
    def label(self) -> str:
        """The name to show: their name, else their login, else their number."""
        return self.name or self.login or f"#{self.id}"

    @property
    def where(self) -> str:
        """`Cambridge, UK (uk)`, or `location unknown (likely uk)` when clues place them."""
        place = self.location or "location unknown"
        if self.region_level == "likely":
            return f"{place} (likely {self.region})"
        return f"{place} ({self.region})"

    @property
    def handle(self) -> str:
        """What to type to profile them: `@login`, or `#ID` for someone known only from git."""
        return f"@{self.login}" if self.login else f"#{self.id}"

    @property
    def affiliations(self) -> list[dict[str, Any]]:
        """Organisations hinted at by their identities' domains: shown, never scored."""
        return affiliations(e.get("domain") for e in self.identities)

    def as_dict(self) -> dict[str, Any]:
        """The person object of `who --json`, the digest and a profile."""
        return {
            "id": self.id,
            "name": self.name,
            "login": self.login,
            "identities": [dict(e) for e in self.identities],
            "location": self.location,
            "country": self.country,
            "region": self.region,
            "region_level": self.region_level,
            "region_why": self.region_why,
            "company": self.company,
            "affiliations": self.affiliations,
            "career": dict(self.career) if self.career else None,
        }

    @property
    def career_line(self) -> str:
        """`Arm 2019–2023, then Google (since 2024-02); moved recently`, or empty."""
        return str(self.career.get("summary") or "") if self.career else ""


def load_views(
    session: Session, people: Sequence[Person], as_of: datetime | None = None
) -> dict[int, PersonView]:
    """The views of many people, with one query for all their identities (and one for their
    organisations over time, up to `as_of`, default now)."""
    identities: dict[int, list[dict[str, str]]] = {p.id: [] for p in people if p.id is not None}
    i = Identity.__table__  # type: ignore[attr-defined]
    for person_id, kind, value, domain in session.execute(
        sa.select(i.c.person_id, i.c.kind, i.c.value, i.c.domain).where(
            i.c.person_id.in_(sorted(identities))
        )
    ):
        entry = {"kind": kind, "value": value}
        if domain:
            entry["domain"] = domain
        identities[person_id].append(entry)
    found = careers(session, identities, as_of or utcnow())
    views = {}
    for person in people:
        assert person.id is not None
        view = PersonView.from_person(person, identities[person.id])
        career = found.get(person.id)
        views[person.id] = replace(view, career=career.as_dict()) if career else view
    return views

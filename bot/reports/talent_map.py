"""The talent map: where the high-signal people of an area live, and who employs or trains them.

"High-signal" means what `who` means: the people the ranking puts at the top of the area (by
default its first 50), so the map and the `who` answer never disagree about who counts. Places
come from the same profile reading as region filters (bot/people/places.py): someone csf cannot
place
is counted as unknown, never guessed. Affiliations are the profile's company field, split into
companies and universities, because a hiring team sources from the two differently.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pycountry
from sqlmodel import Session

from bot.ranking.who import who
from bot.taxonomy.model import Taxonomy
from bot.taxonomy.question import Reading

DEPTH = 50
UNKNOWN = "unknown"
NOT_STATED = "not stated"
_UNIVERSITY = re.compile(
    r"universit|college|institut|school|polytechnic|\b(eth|epfl|tu|ku|kth|inria|iisc|mit|ucl)\b",
    re.IGNORECASE,
)
_REGION_NAMES = {"europe": "Europe (country unknown)", "eu": "EU (country unknown)"}


@dataclass(frozen=True)
class Count:
    label: str
    people: int


@dataclass(frozen=True)
class Placed:
    """One person on the map: their country, their city if their profile names one csf can
    place, and how their region is known (stated, likely)."""

    country: str | None
    city: str | None
    level: str | None
    region: str | None = None


@dataclass
class TalentMap:
    reading: Reading
    as_of: datetime
    window_days: int
    region: str | None
    people: int
    countries: list[Count]
    cities: list[Count]
    companies: list[Count]
    universities: list[Count]
    placed: list[Placed] = field(default_factory=list)


def talent_map(
    session: Session,
    taxonomy: Taxonomy,
    reading: Reading,
    *,
    config: Mapping[str, Any],
    as_of: datetime,
    region: str | None = None,
    window_days: int | None = None,
    depth: int = DEPTH,
    stated: bool = False,
    community: str | None = None,
) -> TalentMap:
    """Count the area's top `depth` people by country, city, company and university."""
    answer = who(
        session,
        taxonomy,
        reading,
        config=config,
        as_of=as_of,
        window_days=window_days,
        limit=depth,
        region=region,
        stated=stated,
        community=community,
    )
    people = [result.person for result in answer.results]
    countries: Counter[str] = Counter()
    cities: Counter[str] = Counter()
    companies: Counter[str] = Counter()
    universities: Counter[str] = Counter()
    placed = [
        Placed(
            person.get("country"),
            city_of(person.get("location")).casefold() if person.get("location") else None,
            person.get("region_level"),
            person.get("region"),
        )
        for person in people
    ]
    for person in people:
        country = country_name(person.get("country"), person.get("region"))
        countries[country] += 1
        code = person.get("country")
        cities[f"{city_of(person.get('location'))} ({code})" if code else UNKNOWN] += 1
        affiliation = affiliation_of(person.get("company"))
        current = _current_organisation(person, answer.as_of) if affiliation is None else None
        if current is not None:  # no company on a profile: where their commit address is now
            name, kind = current
            (universities if kind == "university" else companies)[name] += 1
        elif affiliation is None:
            companies[NOT_STATED] += 1
        elif is_university(affiliation):
            universities[affiliation] += 1
        else:
            companies[affiliation] += 1
    return TalentMap(
        reading=reading,
        as_of=answer.as_of,
        window_days=answer.window_days,
        region=region,
        people=len(people),
        countries=_ordered(countries),
        cities=_ordered(cities),
        companies=_ordered(companies),
        universities=_ordered(universities),
        placed=placed,
    )


def country_name(code: Any, region: Any = None) -> str:
    if isinstance(code, str) and code:
        found = pycountry.countries.get(alpha_2=code)
        if found is not None:
            return str(getattr(found, "common_name", None) or found.name)
        return code
    return _REGION_NAMES.get(str(region), UNKNOWN)


def city_of(location: Any) -> str:
    """The first part of a placed location ("London" of "London, UK"), as people write it."""
    if not isinstance(location, str) or not location.strip():
        return UNKNOWN
    return location.split(",")[0].strip() or UNKNOWN


def _current_organisation(person: Mapping[str, Any], as_of: datetime) -> tuple[str, str] | None:
    """(name, kind) of the organisation a person's commit address was at last
    (bot/people/career.py), when it was in use within the year before `as_of`."""
    career = person.get("career") or {}
    stints = career.get("stints") or []
    if not stints:
        return None
    latest = max(stints, key=lambda s: str(s.get("to")))
    if str(latest.get("to")) < (as_of - timedelta(days=365)).date().isoformat():
        return None
    return str(latest["name"]), str(latest["kind"])


def affiliation_of(company: Any) -> str | None:
    """A profile's company field, without GitHub's `@org` mention sign."""
    if not isinstance(company, str):
        return None
    cleaned = company.strip().lstrip("@").strip()
    return cleaned or None


def is_university(affiliation: str) -> bool:
    return _UNIVERSITY.search(affiliation) is not None


def _ordered(counts: Counter[str]) -> list[Count]:
    """Most people first; unknown and not stated last, whatever their size."""
    vague = {UNKNOWN, NOT_STATED}
    rows = sorted(counts.items(), key=lambda item: (item[0] in vague, -item[1], item[0]))
    return [Count(label, n) for label, n in rows]


def as_json(tmap: TalentMap) -> dict[str, Any]:
    def rows(counts: Iterable[Count]) -> list[dict[str, Any]]:
        return [{"label": c.label, "people": c.people} for c in counts]

    return {
        "query": tmap.reading.label,
        "topics": list(tmap.reading.tags),
        "as_of": tmap.as_of.isoformat(),
        "window_days": tmap.window_days,
        "region": tmap.region,
        "people": tmap.people,
        "countries": rows(tmap.countries),
        "cities": rows(tmap.cities),
        "companies": rows(tmap.companies),
        "universities": rows(tmap.universities),
    }

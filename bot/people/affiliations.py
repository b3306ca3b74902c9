"""Affiliation hints: the organisations behind the domains of a person's email addresses.

csf keeps no addresses, only their domains (bot/store/identity.py), and a domain is often all a
recruiter needs to see that someone is at a university lab or a hardware company. It is a hint,
not a fact: people keep old university addresses, and a company address in a commit says where
someone worked then. So affiliations are shown next to the evidence, and never change a score.

The table is data (bot/people/affiliations.yml). Subdomains map to their parent (cl.cam.ac.uk is the
University of Cambridge) unless a generic host stands in between: users.noreply.github.com
says nothing about working at GitHub.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from bot.datafile import load, read_text, shipped
from bot.errors import DataFileError


@dataclass(frozen=True)
class Organisation:
    name: str
    kind: str  # "university", "research" or "company"
    country: str | None  # ISO 3166 alpha-2; None for companies


@dataclass(frozen=True)
class _Table:
    organisations: dict[str, Organisation]
    generic: frozenset[str]
    academic: dict[str, str]


SETTING = "CSF_AFFILIATIONS"
KINDS = ("university", "research", "company")
_team: _Table | None = None  # the shipped table with a team's file over it (use_affiliations)


def use_affiliations(path: str | Path | None) -> None:
    """Make every lookup in this process use a team's affiliations file over the shipped one.

    The file has the shipped file's shape (bot/people/affiliations.yml); its organisations are
    added, and one with a domain the shipped file has replaces it (a lab csf names wrongly, a
    company's new domain). None goes back to the shipped table.
    """
    global _team
    if path is None:
        _team = None
        return
    team = parse_affiliations(read_text(path, "affiliations file", SETTING), str(path))
    shipped = _table()
    _team = _Table(
        {**shipped.organisations, **team.organisations},
        shipped.generic | team.generic,
        {**shipped.academic, **team.academic},
    )


def parse_affiliations(text: str, source: str) -> _Table:
    """A team's affiliations file, checked: every mistake is one line naming the file."""
    data = load(text, source)
    if not isinstance(data, dict):
        raise DataFileError(
            f"{source}: must hold `organisations:` (see bot/people/affiliations.yml)"
        )
    unknown = set(data) - {"organisations", "generic", "academic"}
    if unknown:
        raise DataFileError(f"{source}: unknown setting {sorted(unknown)[0]!r}")
    organisations: dict[str, Organisation] = {}
    for domain, entry in (data.get("organisations") or {}).items():
        where = f"{source}: organisation {domain!r}"
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise DataFileError(f"{where} needs a name")
        if entry.get("kind") not in KINDS:
            raise DataFileError(f"{where}: kind must be one of {', '.join(KINDS)}")
        country = entry.get("country")
        if country is not None and not (
            isinstance(country, str) and re.fullmatch("[A-Z]{2}", country)
        ):
            raise DataFileError(f"{where}: country must be an ISO code such as GB or DE")
        if "." not in str(domain):
            raise DataFileError(f"{where}: a domain such as lab.example")
        organisations[str(domain).lower()] = Organisation(entry["name"], entry["kind"], country)
    generic = frozenset(str(d).lower() for d in data.get("generic") or ())
    academic = {str(k).lower(): str(v) for k, v in (data.get("academic") or {}).items()}
    return _Table(organisations, generic, academic)


def _current() -> _Table:
    return _team or _table()


@cache
def _table() -> _Table:
    text = resources.files("bot.people").joinpath("affiliations.yml").read_text(encoding="utf-8")
    data: dict[str, Any] = shipped(text)
    organisations = {
        str(domain).lower(): Organisation(
            str(entry["name"]), str(entry["kind"]), entry.get("country")
        )
        for domain, entry in data["organisations"].items()
    }
    generic = frozenset(str(d).lower() for d in data["generic"])
    academic = {str(suffix).lower(): str(country) for suffix, country in data["academic"].items()}
    return _Table(organisations, generic, academic)


def organisation_of(domain: str | None) -> Organisation | None:
    """The organisation a mail domain belongs to, or None for generic and unknown domains."""
    if not domain:
        return None
    labels = domain.strip().strip(".").lower().split(".")
    table = _current()
    for start in range(len(labels)):
        suffix = ".".join(labels[start:])
        if suffix in table.generic:
            return None
        if suffix in table.organisations:
            return table.organisations[suffix]
        if suffix in table.academic and start > 0:
            # Unlisted, but an academic domain: named by its own registrable part.
            return Organisation(".".join(labels[start - 1 :]), "university", table.academic[suffix])
    return None


def affiliations(domains: Iterable[str | None]) -> list[dict[str, Any]]:
    """One entry per organisation, named with the (first, sorted) domain that showed it."""
    found: dict[str, dict[str, Any]] = {}
    for domain in sorted({d.lower() for d in domains if d}):
        organisation = organisation_of(domain)
        if organisation is not None and organisation.name not in found:
            found[organisation.name] = {
                "name": organisation.name,
                "kind": organisation.kind,
                "country": organisation.country,
                "domain": domain,
            }
    return sorted(found.values(), key=lambda a: (a["kind"], a["name"]))

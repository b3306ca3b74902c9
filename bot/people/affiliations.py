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

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml


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


@cache
def _table() -> _Table:
    text = resources.files("bot.people").joinpath("affiliations.yml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
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
    table = _table()
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

"""Communities a person's public work shows (LLVM, GPU, HPC, Rust, programming languages).

Sourcers search pools, not only areas: "Rust people who also do compiler work", "the GPU
crowd". A community is read from the work itself (its taxonomy tags, repositories and paths),
never from a bio; the rules are data (bot/people/communities.yml).
"""

from __future__ import annotations

import fnmatch
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

import sqlalchemy as sa
from sqlmodel import Session

from bot.datafile import shipped
from bot.errors import CsfError
from bot.store.models import Contribution, ContributionTopic, Person, Repo


@dataclass(frozen=True)
class Community:
    key: str
    name: str
    topics: tuple[str, ...] = ()
    repos: tuple[str, ...] = ()
    path_ends: tuple[str, ...] = ()
    path_contains: tuple[str, ...] = ()


@cache
def communities() -> dict[str, Community]:
    text = resources.files("bot.people").joinpath("communities.yml").read_text(encoding="utf-8")
    data = shipped(text)["communities"]
    return {
        key: Community(
            key,
            str(entry["name"]),
            tuple(entry.get("topics", ())),
            tuple(entry.get("repos", ())),
            tuple(entry.get("path_ends", ())),
            tuple(entry.get("path_contains", ())),
        )
        for key, entry in data.items()
    }


def check_community(key: str | None) -> Community | None:
    """The community `--community` names (None: no filter); else a one-line error."""
    if key is None:
        return None
    found = communities().get(key.strip().lower())
    if found is None:
        raise CsfError(f"--community {key!r}: choose one of {', '.join(communities())}")
    return found


def memberships(session: Session, person_ids: Iterable[int]) -> dict[int, set[str]]:
    """Person id -> the keys of the communities their work shows, as the last refresh found
    them (`refresh_communities`); answers read this, never the work itself."""
    wanted = sorted(set(person_ids))
    found: dict[int, set[str]] = {}
    p = Person.__table__  # type: ignore[attr-defined]
    for begin in range(0, len(wanted), 900):
        for person_id, keys in session.execute(
            sa.select(p.c.id, p.c.communities).where(p.c.id.in_(wanted[begin : begin + 900]))
        ):
            if keys:
                found[person_id] = set(keys)
    return found


def refresh_communities(session: Session) -> int:
    """Work out everyone's communities from their work (after a sync or an ingest, beside the
    score refresh); returns how many people are in at least one."""
    every = communities()
    found: dict[int, set[str]] = defaultdict(set)
    t = ContributionTopic.__table__  # type: ignore[attr-defined]
    c = Contribution.__table__  # type: ignore[attr-defined]
    r = Repo.__table__  # type: ignore[attr-defined]
    p = Person.__table__  # type: ignore[attr-defined]
    by_topic: dict[str, set[str]] = {}
    for person_id, topic in session.execute(sa.select(t.c.person_id, t.c.topic).distinct()):
        keys = by_topic.get(topic)
        if keys is None:
            keys = by_topic[topic] = {
                k.key
                for k in every.values()
                if any(fnmatch.fnmatchcase(topic, x) for x in k.topics)
            }
        found[person_id] |= keys
    repos = {
        repo_id: {
            k.key
            for k in every.values()
            if any(fnmatch.fnmatchcase(name.lower(), x) for x in k.repos)
        }
        for repo_id, name in session.execute(sa.select(r.c.id, r.c.full_name))
    }
    # One pass over the work for repositories and every community's path rules together.
    text = sa.cast(c.c.paths, sa.Text)
    by_paths = [k for k in every.values() if k.path_ends or k.path_contains]
    flags = [
        sa.func.max(
            sa.case(
                (
                    sa.or_(
                        *(text.like(f'%{end}"%') for end in k.path_ends),
                        *(text.like(f"%{part}%") for part in k.path_contains),
                    ),
                    1,
                ),
                else_=0,
            )
        )
        for k in by_paths
    ]
    for person_id, repo_id, *hits in session.execute(
        sa.select(c.c.person_id, c.c.repo_id, *flags).group_by(c.c.person_id, c.c.repo_id)
    ):
        found[person_id] |= repos.get(repo_id, set())
        found[person_id].update(k.key for k, hit in zip(by_paths, hits, strict=True) if hit)
    current = {
        person_id: sorted(keys or ())
        for person_id, keys in session.execute(sa.select(p.c.id, p.c.communities))
    }
    updates = [
        {"pid": person_id, "keys": sorted(found.get(person_id, ())) or None}
        for person_id, keys in current.items()
        if sorted(found.get(person_id, ())) != keys
    ]
    if updates:
        session.execute(
            sa.update(p)
            .where(p.c.id == sa.bindparam("pid"))
            .values(communities=sa.bindparam("keys")),
            updates,
        )
    return sum(1 for keys in found.values() if keys)


def _matching(every: dict[str, Community], value: str, rules: str) -> set[str]:
    """Keys of the communities whose `rules` (topics, repos) patterns match `value`."""
    return {
        k.key
        for k in every.values()
        if any(fnmatch.fnmatchcase(value, pattern) for pattern in getattr(k, rules))
    }

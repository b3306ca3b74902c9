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
import yaml
from sqlmodel import Session

from bot.errors import CsfError
from bot.store.models import Contribution, ContributionTopic, Repo


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
    data = yaml.safe_load(text)["communities"]
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
    """Person id -> the keys of the communities their work shows (absent: none)."""
    wanted = sorted(set(person_ids))
    found: dict[int, set[str]] = defaultdict(set)
    if not wanted:
        return found
    every = communities()
    t = ContributionTopic.__table__  # type: ignore[attr-defined]
    c = Contribution.__table__  # type: ignore[attr-defined]
    r = Repo.__table__  # type: ignore[attr-defined]
    for begin in range(0, len(wanted), 500):
        chunk = wanted[begin : begin + 500]
        for person_id, topic in session.execute(
            sa.select(t.c.person_id, t.c.topic).where(t.c.person_id.in_(chunk)).distinct()
        ):
            for community in every.values():
                if any(fnmatch.fnmatchcase(topic, p) for p in community.topics):
                    found[person_id].add(community.key)
        for person_id, repo in session.execute(
            sa.select(c.c.person_id, r.c.full_name)
            .join(r, r.c.id == c.c.repo_id)
            .where(c.c.person_id.in_(chunk))
            .distinct()
        ):
            for community in every.values():
                if any(fnmatch.fnmatchcase(str(repo).lower(), p) for p in community.repos):
                    found[person_id].add(community.key)
        text = sa.cast(c.c.paths, sa.Text)
        for community in every.values():
            likes = [text.like(f'%{end}"%') for end in community.path_ends]
            likes += [text.like(f"%{part}%") for part in community.path_contains]
            if not likes:
                continue
            for (person_id,) in session.execute(
                sa.select(c.c.person_id).where(c.c.person_id.in_(chunk), sa.or_(*likes)).distinct()
            ):
                found[person_id].add(community.key)
    return found

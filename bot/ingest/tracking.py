"""Which repositories csf follows: the registry behind `csf track` and `/csf track`.

Kept in the core so the terminal and Slack give the same answers and the same errors.
"""

from __future__ import annotations

import re

from sqlmodel import Session, col, select

from bot.errors import CsfError
from bot.sources.discourse import is_forum
from bot.store.models import Repo
from bot.store.writes import find_repo, record_audit, upsert_repo
from bot.taxonomy.model import REPO_NAME, Taxonomy


def parse_repo_name(text: str) -> str:
    """`owner/name`, also accepted as a github.com URL; anything else is a clear error."""
    cleaned = text.strip().removesuffix("/").removesuffix(".git")
    cleaned = re.sub(r"^(https?://)?(www\.)?github\.com/", "", cleaned)
    if not REPO_NAME.match(cleaned):
        raise CsfError(f"{text!r} is not a repository: write it as owner/name, e.g. apache/tvm")
    return cleaned


def track(
    session: Session,
    taxonomy: Taxonomy,
    repo_text: str,
    ecosystem: str | None = None,
    *,
    actor: str,
) -> Repo:
    """Start (or resume) following a repository, under an ecosystem the taxonomy knows."""
    full_name = parse_repo_name(repo_text)
    eco_key = resolve_ecosystem(taxonomy, full_name, ecosystem)
    repo = upsert_repo(session, full_name, eco_key, added_by=actor)
    record_audit(session, actor, "track.add", full_name, {"ecosystem": eco_key})
    return repo


def resolve_ecosystem(taxonomy: Taxonomy, full_name: str, ecosystem: str | None) -> str:
    """The ecosystem named (by key or alias), or the one the taxonomy lists the repo under."""
    names = ", ".join(e.key for e in taxonomy.ecosystems)
    if ecosystem is None:
        known = taxonomy.ecosystems_for_repo(full_name)
        if not known:
            raise CsfError(
                f"{full_name} is not in the taxonomy: name its ecosystem ({names}), "
                f"e.g. --ecosystem mlir"
            )
        return known[0].key
    eco = taxonomy.ecosystem(ecosystem)
    if eco is None:
        raise CsfError(f"unknown ecosystem {ecosystem!r}: choose one of {names}")
    return eco.key


def track_defaults(session: Session, taxonomy: Taxonomy, *, actor: str) -> list[Repo]:
    """Follow every default repository of every ecosystem (the registry's sensible defaults)."""
    repos: dict[str, Repo] = {}
    for eco in taxonomy.ecosystems:
        for full_name in eco.repos:
            if full_name.casefold() not in repos:
                repos[full_name.casefold()] = track(
                    session, taxonomy, full_name, eco.key, actor=actor
                )
    return list(repos.values())


def untrack(session: Session, repo_text: str, *, actor: str) -> Repo:
    """Stop syncing a repository (or forum category); its history stays, so rankings do not
    lose the past."""
    full_name = repo_text.strip() if is_forum(repo_text) else parse_repo_name(repo_text)
    repo = find_repo(session, full_name)
    if repo is None or not repo.tracked:
        raise CsfError(f"{full_name} is not tracked (see `csf track list`)")
    repo.tracked = False
    record_audit(session, actor, "track.remove", repo.full_name)
    session.flush()
    return repo


def tracked_repos(session: Session, *, include_untracked: bool = False) -> list[Repo]:
    statement = select(Repo).order_by(col(Repo.ecosystem), col(Repo.full_name))
    if not include_untracked:
        statement = statement.where(col(Repo.tracked).is_(True))
    return list(session.exec(statement))

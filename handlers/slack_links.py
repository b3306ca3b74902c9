"""Who a Slack message is about, from the GitHub links in it.

Save-by-reaction works on any message that links a GitHub profile, PR or commit: a teammate
pastes a PR into the channel, another reacts with the save emoji, and csf saves its author.
Links are found wherever Slack puts them (text `<url|label>`, blocks, attachments, unfurls).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from bot.store.identity import login_key, suppression_hash
from bot.store.links import github_page
from bot.store.locks import write_lock
from bot.store.models import Contribution, Person, Repo
from bot.store.writes import find_person, resolve_person, suppressed_hashes

_URL = re.compile(r"https?://(?:www\.)?github\.com/([^\s|<>\"'\\)]+)", re.IGNORECASE)
# First path segments that are GitHub pages, not accounts.
_NOT_ACCOUNTS = frozenset(
    [
        "about",
        "apps",
        "collections",
        "contact",
        "enterprise",
        "explore",
        "features",
        "issues",
        "login",
        "marketplace",
        "new",
        "notifications",
        "orgs",
        "organizations",
        "pricing",
        "pulls",
        "search",
        "settings",
        "site",
        "sponsors",
        "topics",
        "trending",
        "users",
        "codespaces",
        "security",
        "readme",
    ]
)
MAX_REFS = 20


@dataclass(frozen=True)
class GitHubRef:
    kind: str  # "login", "pr", "commit"
    repo: str | None  # "owner/name" for PRs and commits
    value: str  # the login, the PR number, or the commit sha


def github_refs(message: dict[str, Any]) -> list[GitHubRef]:
    """The GitHub profiles, PRs and commits a message links, in order, each once."""
    found: list[GitHubRef] = []
    for match in _URL.finditer(json.dumps(message, ensure_ascii=False).replace("\\/", "/")):
        ref = _classify(match.group(1).split("?")[0].split("#")[0].rstrip("/.,"))
        if ref is not None and ref not in found:
            found.append(ref)
        if len(found) >= MAX_REFS:
            break
    return found


def _classify(path: str) -> GitHubRef | None:
    page = github_page(path)  # checked against GitHub's rules, as every link csf keeps
    if page is None:
        return None
    if page.repo is None:
        login = page.owner.lower()
        return None if login in _NOT_ACCOUNTS else GitHubRef("login", None, login)
    repo = f"{page.owner}/{page.repo}".lower()
    if page.commit is not None:
        return GitHubRef("commit", repo, page.commit)
    if page.kind == "pull" and page.ref is not None:
        return GitHubRef("pr", repo, page.ref)
    if page.kind == "commit" and page.ref is not None:
        return GitHubRef("commit", repo, page.ref)
    return None


@dataclass
class Resolution:
    person_ids: list[int]
    suppressed: int = 0  # links to people who asked to be forgotten: never saved again
    unknown: int = 0  # links csf could not tie to a person


# (repo "owner/name", PR number) -> the author's login, from GitHub; None when unknown.
PullAuthorLookup = Callable[[str, int], str | None]


def resolve_refs(
    session: Session, refs: list[GitHubRef], pull_author: PullAuthorLookup | None = None
) -> Resolution:
    """The people behind the links: from the store first, then (for PRs) from GitHub.

    A linked profile csf has never seen becomes a person with just a login, so a teammate's
    find can be saved before the next sync fills in the profile; suppressed people are never
    created again.
    """
    suppressed = suppressed_hashes(session)
    resolution = Resolution([])
    for ref in refs:
        person_id: int | None = None
        login: str | None = None
        if ref.kind == "login":
            login = ref.value
        elif ref.kind == "pr":
            person_id = _author(session, ref)
            if person_id is None and pull_author is not None and ref.repo:
                login = pull_author(ref.repo, int(ref.value))
        else:
            person_id = _author(session, ref)
        if person_id is None and login is not None:
            key = login_key(login)
            if suppression_hash(key) in suppressed:
                resolution.suppressed += 1
                continue
            person = find_person(session, [key])
            if person is None:
                # Checked again under the writers' lock: a forget since the first look wins,
                # and one after waits for this save.
                write_lock(session)
                suppressed = suppressed_hashes(session)
                if suppression_hash(key) in suppressed:
                    resolution.suppressed += 1
                    continue
                person = resolve_person(session, [key], login=key.value)
            if person.is_bot:
                continue
            person_id = person.id
        if person_id is None:
            resolution.unknown += 1
        elif person_id not in resolution.person_ids:
            resolution.person_ids.append(person_id)
    return resolution


def _repo_id(session: Session, full_name: str | None) -> int | None:
    if full_name is None:
        return None
    return session.exec(select(Repo.id).where(sa.func.lower(Repo.full_name) == full_name)).first()


def _author(session: Session, ref: GitHubRef) -> int | None:
    """The author of a linked PR (by number) or commit (by full or abbreviated sha)."""
    repo_id = _repo_id(session, ref.repo)
    if repo_id is None:
        return None
    match: Any
    if ref.kind == "pr":
        match = Contribution.external_id == ref.value
    else:
        match = sa.func.substr(Contribution.external_id, 1, len(ref.value)) == ref.value
    return _human(
        session,
        select(Contribution.person_id).where(
            Contribution.repo_id == repo_id, Contribution.kind == ref.kind, match
        ),
    )


def _human(session: Session, statement: Any) -> int | None:
    person_id = session.exec(statement).first()
    if person_id is None:
        return None
    person = session.get(Person, person_id)
    return None if person is None or person.is_bot else person_id

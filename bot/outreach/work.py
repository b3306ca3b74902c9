"""A person's own public work in a window, loaded once with everything role fit and outreach read.

Role fit asks which paths, languages, labels and topics a person's changes touch; outreach needs
titles, links and what a change did. Both read the same rows, so they agree about what a person
did. A git commit that landed through a PR also synced from GitHub is one change: the PR.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session

from bot.ranking.who import change_size
from bot.store.models import Contribution, ContributionTopic, Repo
from bot.store.threads import thread_values
from bot.store.writes import counted_once

_CHUNK = 900  # ids per IN (...) list: well inside every backend's parameter limit


@dataclass(frozen=True)
class Work:
    """One contribution, as role fit and outreach see it."""

    id: int
    kind: str  # pr, review, issue, comment, commit, rfc
    state: str | None
    repo_id: int
    repo: str  # owner/name
    external_id: str
    parent_number: int | None
    title: str | None
    url: str | None
    when: datetime
    files: int
    additions: int
    deletions: int
    paths: tuple[str, ...]
    labels: tuple[str, ...]
    topics: frozenset[str]

    @property
    def authored(self) -> bool:
        """A change of their own that landed: a merged PR or a commit."""
        return (self.kind == "pr" and self.state == "merged") or self.kind == "commit"

    @property
    def number(self) -> int | None:
        """The PR or issue number this is (or belongs to), when there is one."""
        if self.kind in ("pr", "issue", "rfc") and self.external_id.isdigit():
            return int(self.external_id)
        return self.parent_number

    @property
    def size(self) -> str:
        return change_size(self.additions, self.deletions, self.files)


def load_work(session: Session, person_id: int, start: datetime, end: datetime) -> list[Work]:
    """Everything `person_id` did in [start, end), newest first (each change once)."""
    c = Contribution.__table__  # type: ignore[attr-defined]
    r = Repo.__table__  # type: ignore[attr-defined]
    statement = (
        sa.select(
            c.c.id,
            c.c.kind,
            c.c.state,
            c.c.repo_id,
            r.c.full_name,
            c.c.external_id,
            c.c.parent_number,
            c.c.title,
            c.c.url,
            c.c.occurred_at,
            c.c.files_changed,
            c.c.additions,
            c.c.deletions,
            c.c.paths,
            c.c.labels,
        )
        .select_from(c.join(r, r.c.id == c.c.repo_id))
        .where(
            c.c.person_id == person_id,
            c.c.occurred_at >= start,
            c.c.occurred_at < end,
            counted_once(c),
        )
        .order_by(c.c.occurred_at.desc(), c.c.id.desc())
    )
    rows = session.execute(statement).all()
    topics = _topics(session, [row.id for row in rows])
    return [
        Work(
            id=row.id,
            kind=row.kind,
            state=row.state,
            repo_id=row.repo_id,
            repo=row.full_name,
            external_id=row.external_id,
            parent_number=row.parent_number,
            title=row.title,
            url=row.url,
            when=row.occurred_at,
            files=row.files_changed,
            additions=row.additions,
            deletions=row.deletions,
            paths=tuple(row.paths or ()),
            labels=tuple(row.labels or ()),
            topics=frozenset(topics.get(row.id, ())),
        )
        for row in rows
    ]


def _topics(session: Session, ids: Sequence[int]) -> dict[int, set[str]]:
    t = ContributionTopic.__table__  # type: ignore[attr-defined]
    found: dict[int, set[str]] = defaultdict(set)
    for begin in range(0, len(ids), _CHUNK):
        chunk = list(ids[begin : begin + _CHUNK])
        for contribution_id, topic in session.execute(
            sa.select(t.c.contribution_id, t.c.topic).where(t.c.contribution_id.in_(chunk))
        ):
            found[contribution_id].add(topic)
    return found


def pr_authors(session: Session, reviews: Iterable[Work]) -> dict[tuple[int, int], int]:
    """(repo id, PR number) -> the PR's author, for the PRs these reviews belong to."""
    wanted = {(w.repo_id, w.parent_number) for w in reviews if w.parent_number is not None}
    c = Contribution.__table__  # type: ignore[attr-defined]
    return {
        key: person_id
        for key, person_id in thread_values(session, wanted, "pr", c.c.person_id).items()
        if person_id is not None
    }


def rfc_threads(session: Session, work: Sequence[Work]) -> dict[tuple[int, int], Work | None]:
    """The RFC/design threads a person started or joined: (repo id, number) -> their RFC row.

    Started threads map to the person's own RFC row; joined ones (comments on an RFC someone
    else opened) map to None, and their titles come from the comment rows.
    """
    threads: dict[tuple[int, int], Work | None] = {}
    for item in work:
        if item.kind == "rfc" and item.number is not None:
            threads[(item.repo_id, item.number)] = item
    comments = {
        (w.repo_id, w.parent_number)
        for w in work
        if w.kind == "comment" and w.parent_number is not None
    }
    comments -= set(threads)
    if comments:
        c = Contribution.__table__  # type: ignore[attr-defined]
        for key in thread_values(session, comments, "rfc", c.c.id):
            threads[key] = None
    return threads

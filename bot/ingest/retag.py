"""Stored work tagged again under the taxonomy as it is now.

Topic tags are written when work is ingested, from its paths, labels and title. A team that
edits its taxonomy (a topic for a repository's own folders, as the coverage warning suggests)
or upgrades csf (a glob that matched too much, fixed) would otherwise keep the old tags on
everything already stored: `csf ingest git --full` reads a history again, but a repository
synced from GitHub has no such re-read, and a re-read costs the whole history's fetch. The
stored rows hold what tagging reads, so the tags are worked out again from them, as
`bot.ingest.pipeline.index_batch` works them out at ingest. A forum post's stored labels are
its category and tags and the topic labels its ingest read them as: read against the taxonomy
again, they give the topics they name now, but a topic label an earlier taxonomy gave stays
(the stored labels do not say which of them were the forum's own).

A tag is `built` (the work created files in the topic) only as ingest saw it: the files a
change created are not stored, so a tag that stays keeps its mark, and a tag the new taxonomy
adds has none until the work is read again (`csf ingest git --full`, `csf ingest mail --full`;
a synced PR when a sync reads it again). Tags that do not change are not written again, so a
taxonomy that changed nothing leaves the score cache standing. Each repository's reverted
changes are worked out again too (bot/ingest/reverts.py), for stores ingested before csf knew
them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from bot.errors import BusyError
from bot.ingest.discourse import forum_labels
from bot.ingest.layout import tag_work
from bot.ingest.reverts import mark_reverted
from bot.sources.discourse import is_forum
from bot.store.locks import session_job_lock, write_lock
from bot.store.models import Contribution, ContributionTopic, Repo
from bot.store.writes import Indexed, replace_topics
from bot.taxonomy.model import Taxonomy

BATCH = 2000  # contributions per transaction: the write lock is held for one batch's write


@dataclass
class Retagged:
    contributions: int = 0  # read
    changed: int = 0  # whose tags are not what they were
    gained: int = 0  # tags added
    lost: int = 0  # tags taken away
    reverted: int = 0  # reverted marks added or taken off (bot/ingest/reverts.py)

    def summary(self) -> str:
        n = self.reverted
        marks = f"; {n:,} reverted-change mark{'s' if n != 1 else ''} set right" if n else ""
        return self._tags() + marks

    def _tags(self) -> str:
        if not self.changed:
            return f"topic tags unchanged on all {self.contributions:,} stored contributions"
        return (
            f"topic tags changed on {self.changed:,} of {self.contributions:,} stored "
            f"contributions ({self.gained:,} added, {self.lost:,} taken away)"
        )


def retag(
    session: Session,
    taxonomy: Taxonomy,
    *,
    on_progress: Callable[[int], None] | None = None,
) -> Retagged:
    """Tag every stored contribution again under `taxonomy`, a batch per transaction.

    One retag runs at a time (a second raises `BusyError`); a run stopped part-way leaves
    every batch it wrote whole, and running it again finishes the job.
    """
    with session_job_lock(session, "retag") as held:
        if not held:
            raise BusyError("another retag is running: try again when it has finished")
        return _retag(session, taxonomy, on_progress)


def _retag(
    session: Session, taxonomy: Taxonomy, on_progress: Callable[[int], None] | None
) -> Retagged:
    done = Retagged()
    after = 0
    while True:
        # Tagging is the long part (about a fifth of a millisecond a row of LLVM-shaped work):
        # it is done on a first read, without the write lock. SQLite's waiting writers poll,
        # unfairly, and a lock held for every batch and taken again at once kept syncs,
        # splits and forgets out for the whole run, until they failed.
        rows = _rows(session, sa.true(), after)
        if not rows:
            session.commit()
            for repo_id in session.scalars(sa.select(Repo.__table__.c.id)).all():  # type: ignore[attr-defined]
                done.reverted += mark_reverted(session, repo_id)
                session.commit()
            return done
        last = rows[-1].id
        repos: dict[int, _Layout] = {}
        shapes: dict[_Shape, set[str]] = {}
        for row in rows:
            _tags_of(session, taxonomy, row, repos, shapes)
        session.commit()  # the read ends
        # Then, under the lock, the batch read again and written: a sync, split, merge or
        # forget that landed meanwhile is what the tags are written for (a row whose text
        # changed is tagged again; one that went is not written), never written over.
        write_lock(session)
        rows = _rows(session, Contribution.__table__.c.id <= last, after)  # type: ignore[attr-defined]
        held = _held(session, [row.id for row in rows])
        tagged: list[Indexed] = []
        for row in rows:
            topics = _tags_of(session, taxonomy, row, repos, shapes)
            before = held.get(row.id, {})
            if set(before) != topics:
                done.changed += 1
                done.gained += len(topics - set(before))
                done.lost += len(set(before) - topics)
            built = {topic for topic, was_built in before.items() if was_built and topic in topics}
            tagged.append((row.id, row.person_id, row.occurred_at, topics, built))
        replace_topics(session, tagged)
        session.commit()
        after = last
        done.contributions += len(rows)
        if on_progress:
            on_progress(done.contributions)


_Shape = tuple[int, tuple[str, ...], tuple[str, ...], str | None]


def _rows(session: Session, more: sa.ColumnElement[bool], after: int) -> list[Any]:
    """A batch of contributions after id `after`: what tagging reads, and whom it is for."""
    c = Contribution.__table__  # type: ignore[attr-defined]
    return list(
        session.execute(
            sa.select(
                c.c.id, c.c.repo_id, c.c.person_id, c.c.occurred_at, c.c.paths, c.c.labels,
                c.c.title,
            )
            .where(c.c.id > after, more)
            .order_by(c.c.id)
            .limit(BATCH)
        )
    )  # fmt: skip


def _held(session: Session, ids: Sequence[int]) -> dict[int, dict[str, bool]]:
    """Each contribution's stored topic tags, and whether each is marked built."""
    t = ContributionTopic.__table__  # type: ignore[attr-defined]
    held: dict[int, dict[str, bool]] = defaultdict(dict)
    for start in range(0, len(ids), 500):
        for contribution_id, topic, built in session.execute(
            sa.select(t.c.contribution_id, t.c.topic, t.c.built).where(
                t.c.contribution_id.in_(ids[start : start + 500])
            )
        ):
            held[contribution_id][topic] = bool(built)
    return held


def _tags_of(
    session: Session,
    taxonomy: Taxonomy,
    row: Any,
    repos: dict[int, _Layout],
    shapes: dict[_Shape, set[str]],
) -> set[str]:
    """A row's tags; each shape (a PR, its reviews and comments share one) is tagged once."""
    shape = (row.repo_id, tuple(row.paths), tuple(row.labels), row.title)
    if shape not in shapes:
        if row.repo_id not in repos:
            r = Repo.__table__  # type: ignore[attr-defined]
            full_name, ecosystem = session.execute(
                sa.select(r.c.full_name, r.c.ecosystem).where(r.c.id == row.repo_id)
            ).one()
            repos[row.repo_id] = _Layout(taxonomy, full_name, ecosystem)
        shapes[shape] = repos[row.repo_id].tag(row.paths, row.labels, row.title)
    return shapes[shape]


@dataclass(frozen=True)
class _Layout:
    """How one repository's work is tagged: by the layout it follows, under its ecosystem; a
    forum's posts by their category and tags, read against the taxonomy again."""

    taxonomy: Taxonomy
    full_name: str
    ecosystem: str

    def tag(self, paths: Sequence[str], labels: Sequence[str], title: str | None) -> set[str]:
        if is_forum(self.full_name):
            labels = forum_labels(self.taxonomy, self.ecosystem, labels)
        return tag_work(self.taxonomy, self.full_name, self.ecosystem, paths, labels, title)

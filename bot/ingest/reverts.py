"""Changes a later change took back: work that did not stick counts as little as the revert.

A change reverted and landed again (`Reland "X"`, `Reapply "X"`, or X once more) is one piece
of work, and its new landing counts it; counted at each landing, it ranked its author above
people with twice the work there (seen in real histories: a 3,000-line integration landed,
reverted and landed again a day apart). A change reverted for good did not land at all.
`git revert` titles its commit `Revert "<subject>"`, GitHub's revert button titles a PR the same
way (`Revert "<title>"`; a squash merge adds ` (#N)`), Meta's tools write `Back out "<subject>"`:
the change a revert takes back is the latest landed one before it, in the same repository and of
the same kind, whose title is that subject. A revert reverted in its turn (`Revert "Revert "X""`)
brings its change back; newer git titles that `Reapply "X"`, a new landing of X like a reland.

A landing is every row one change wrote (a commit's author and co-authors, a PR), all marked
together; a commit that landed through a PR (`(#12)`, `parent_number`) is counted as that PR
(`counted_once`), so the PR is marked with it (the usual revert pushed straight to a branch
names the commit's title, `X (#12)`, not the PR's). Reviews of a reverted change keep their
weight: the review was done.

Worked out whole for a repository after each git ingest and GitHub sync, and by
`csf scores refresh --retag`, from the stored titles alone: it holds whatever order history
arrived in, and a run stopped part-way is put right by the next. Only real work is marked
(`nature` None becomes `reverted`, weighed by `nature.reverted` in ranking.yml); a mark whose
revert is gone or was itself reverted is taken off. It reads without the write lock and takes
it only to write, which it does only when a mark changes (so the score cache stands).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from bot.store.locks import write_lock
from bot.store.models import Contribution

REVERTED = "reverted"  # the `nature` of a change a revert took back
_SUBJECT = re.compile(
    r"^\s*(?:revert(?:ing)?|back\s?out)\s+\"(?P<subject>.+)\"(?:\s*\(#\d+\))?\s*$",
    re.IGNORECASE,
)
_CHUNK = 500  # ids or numbers per statement
_NUMBERED = " (#"  # where a squash merge's PR number starts
_NUMBER = re.compile(r" \(#\d+\)$")  # ... and the whole of it, at a title's end
_Key = tuple[str, str]  # (kind, the landing's id: a commit's sha, a PR's number)


def reverted_subject(title: str | None) -> str | None:
    """The title of the change a revert's title names (`Revert "X" (#12)` -> `X`), or None."""
    found = _SUBJECT.match(title or "")
    return found.group("subject") if found else None


@dataclass
class _Landing:
    key: _Key
    title: str
    when: datetime
    parent: int | None = None  # the PR a commit landed through
    rows: dict[int, str | None] = field(default_factory=dict)  # id: nature


def mark_reverted(session: Session, repo_id: int) -> int:
    """Mark the repository's changes that a landed revert took back and did not bring back;
    how many rows were marked or unmarked. Commits what the session held first (the reads end
    there); takes `write_lock` only to write, and the caller commits that."""
    c = Contribution.__table__  # type: ignore[attr-defined]
    session.commit()
    landed = _landed(c, repo_id)
    reverting = sa.or_(c.c.title.ilike("revert%"), c.c.title.ilike("back%out%"))
    # One pass for the reverts and the marks (each pass reads all the repository's rows).
    rows = session.execute(
        _columns(c).where(landed, sa.or_(reverting, c.c.nature == REVERTED))
    ).all()
    reverts = _landings(row for row in rows if reverted_subject(row.title) is not None)
    marked = _landings(row for row in rows if row.nature == REVERTED)
    if not reverts and not marked:
        return 0
    wanted = {s for r in reverts.values() if (s := reverted_subject(r.title)) is not None}
    candidates = _titled(session, c, landed, {_key(s) for s in wanted}) if wanted else {}
    undone = _undone(_targets(reverts.values(), [*candidates.values(), *reverts.values()]))
    known = {**marked, **candidates, **reverts}
    parents = sorted({p for key in undone if (p := known[key].parent) is not None})
    prs = _prs(session, c, landed, parents)
    known.update(prs)
    undone |= set(prs)
    should = {i: n for key in undone for i, n in known[key].rows.items()}
    add = sorted(i for i, nature in should.items() if nature is None)
    drop = sorted({i for landing in marked.values() for i in landing.rows} - set(should))
    session.commit()
    if not add and not drop:
        return 0
    write_lock(session)
    for ids, nature, was in ((add, REVERTED, None), (drop, None, REVERTED)):
        for start in range(0, len(ids), _CHUNK):
            session.execute(  # only as read: a row changed meanwhile is left as it is now
                sa.update(c)
                .where(c.c.id.in_(ids[start : start + _CHUNK]), _is(c.c.nature, was))
                .values(nature=nature)
            )
    return len(add) + len(drop)


def _landed(c: sa.Table, repo_id: int) -> sa.ColumnElement[bool]:
    """The repository's commits and merged PRs: what a revert can take back, and a revert."""
    merged_pr = sa.and_(c.c.kind == "pr", c.c.state == "merged")
    return sa.and_(c.c.repo_id == repo_id, sa.or_(c.c.kind == "commit", merged_pr))


def _columns(c: sa.Table) -> sa.Select[Any]:
    return sa.select(
        c.c.id, c.c.kind, c.c.external_id, c.c.parent_number, c.c.title, c.c.occurred_at, c.c.nature
    )


def _landings(rows: Iterable[Any]) -> dict[_Key, _Landing]:
    """Rows grouped by the change they belong to (a co-author's row is `<sha>:co:<hash>`)."""
    found: dict[_Key, _Landing] = {}
    for id_, kind, external_id, parent, title, when, nature in rows:
        key = (kind, external_id.partition(":")[0] if kind == "commit" else external_id)
        landing = found.setdefault(key, _Landing(key, title or "", when))
        if parent is not None and kind == "commit":
            landing.parent = parent
        landing.rows[id_] = nature
    return found


def _titled(
    session: Session, c: sa.Table, landed: sa.ColumnElement[bool], titles: set[str]
) -> dict[_Key, _Landing]:
    """The landed changes whose titles have one of `titles` as their `_key` (every change titled
    a subject, or the subject and ` (#N)`, and some more): one pass over the repository's rows,
    matched against the keys in a temporary table (chunks of bound titles would read it once
    per chunk, and a history like LLVM's has tens of thousands of reverts)."""
    connection = session.connection()
    # No key: the titles are distinct already, and PostgreSQL's index entries stop at 2,704
    # bytes where a commit's subject line has no limit.
    wanted = sa.Table(
        "csf_reverted_title",
        sa.MetaData(),
        sa.Column("title", sa.String),
        prefixes=["TEMPORARY"],
    )
    # One an interrupted run left on this connection (SQLite's outlives a rollback; a failed
    # PostgreSQL transaction takes its own with it, so it is not dropped on the way out).
    wanted.drop(connection, checkfirst=True)
    wanted.create(connection)
    connection.execute(sa.insert(wanted), [{"title": t} for t in sorted(titles)])
    key = _key_sql(c.c.title, connection.dialect.name)
    # `IN (SELECT …)`: SQLite probes a b-tree it builds of the keys for each row, where a join
    # on the expression ran the whole repository once per title (minutes at 1M rows).
    statement = _columns(c).where(landed, key.in_(sa.select(wanted.c.title)))
    rows = connection.execute(statement).all()
    wanted.drop(connection)
    return _landings(rows)


def _bare(title: str) -> str:
    """A title without the ` (#N)` a squash merge adds at its end (`X (#12)` -> `X`)."""
    return _NUMBER.sub("", title)


def _key(title: str) -> str:
    """A title up to its first ` (#` (`_key_sql` in SQL): a title and the same with ` (#N)`
    added share it, so the database picks out what `_targets` may want in one pass."""
    at = title.find(_NUMBERED)
    return title if at < 0 else title[:at]


def _key_sql(title: Any, dialect: str) -> Any:
    """`_key` in SQL (positions count from 1, in characters, on SQLite and PostgreSQL)."""
    find = sa.func.strpos if dialect == "postgresql" else sa.func.instr
    at = find(title, _NUMBERED)
    return sa.case((at > 0, sa.func.substr(title, 1, at - 1)), else_=title)


def _prs(
    session: Session, c: sa.Table, landed: sa.ColumnElement[bool], numbers: Sequence[int]
) -> dict[_Key, _Landing]:
    """The merged PRs of those numbers (what the commits that landed through them count as)."""
    found: dict[_Key, _Landing] = {}
    for start in range(0, len(numbers), _CHUNK):
        chunk = [str(n) for n in numbers[start : start + _CHUNK]]
        statement = _columns(c).where(landed, c.c.kind == "pr", c.c.external_id.in_(chunk))
        found.update(_landings(session.execute(statement)))
    return found


def _is(column: sa.Column[str | None], value: str | None) -> sa.ColumnElement[bool]:
    return column.is_(None) if value is None else column == value


def _targets(reverts: Iterable[_Landing], candidates: Iterable[_Landing]) -> dict[_Key, _Key]:
    """{revert: the change it takes back}: the latest landing of that kind, landed no later
    than the revert, titled as it names, or as it names and a squash merge's ` (#N)`: GitHub's
    revert button names the PR's title, `X`, where the squashed commit is `X (#12)`. A subject
    is shorter than its revert's title, so no revert takes back itself, and the reverts of
    reverts make no loop."""
    titled: dict[tuple[str, str], list[_Landing]] = {}
    for landing in candidates:
        titled.setdefault((landing.key[0], landing.title), []).append(landing)
        bare = _bare(landing.title)
        if bare != landing.title:
            titled.setdefault((landing.key[0], bare), []).append(landing)
    target: dict[_Key, _Key] = {}
    for revert in reverts:
        subject = reverted_subject(revert.title)
        if subject is None:
            continue
        named = titled.get((revert.key[0], subject), [])
        before = [landing for landing in named if landing.when <= revert.when]
        if before:
            target[revert.key] = max(before, key=lambda x: (x.when, max(x.rows))).key
    return target


def _undone(target: dict[_Key, _Key]) -> set[_Key]:
    """The changes taken back by a revert that stands (one that no standing revert took back)."""
    reverted_by: dict[_Key, list[_Key]] = {}
    for revert, change in target.items():
        reverted_by.setdefault(change, []).append(revert)
    stands: dict[_Key, bool] = {}

    def standing(revert: _Key) -> bool:
        if revert not in stands:
            stands[revert] = not any(standing(r) for r in reverted_by.get(revert, []))
        return stands[revert]

    return {change for revert, change in target.items() if standing(revert)}

"""PRs, issues and RFC threads found by their number, as reviews and comments name them."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from bot.store.models import Contribution

_CHUNK = 900  # numbers per IN (...) list: well inside every backend's parameter limit


def thread_values(
    session: Session, wanted: set[tuple[int, int]], kind: str, column: Any
) -> dict[tuple[int, int], Any]:
    """`column` of the PRs or issues (repo id, number) of `kind`, found per repository.

    Looked up by (repo, kind, number), the contribution table's unique key, so a big store is
    never scanned.
    """
    c = Contribution.__table__  # type: ignore[attr-defined]
    by_repo: dict[int, list[str]] = defaultdict(list)
    for repo_id, number in sorted(wanted):
        by_repo[repo_id].append(str(number))
    found: dict[tuple[int, int], Any] = {}
    for repo_id, numbers in by_repo.items():
        for begin in range(0, len(numbers), _CHUNK):
            for external_id, value in session.execute(
                sa.select(c.c.external_id, column).where(
                    c.c.repo_id == repo_id,
                    c.c.kind == kind,
                    c.c.external_id.in_(numbers[begin : begin + _CHUNK]),
                )
            ):
                found[(repo_id, int(external_id))] = value
    return found


def names_thread(
    thread: Any, row: Any, kind: str, when: sa.ColumnElement[bool] | None = None
) -> sa.ColumnElement[bool]:
    """Whether `thread` (a contribution table or alias) is the PR or issue of `kind` whose
    number `row`'s `parent_number` names, in SQL: the unique key `thread_values` looks up by,
    so the database finds it by index. With `when`, only rows for which `when` holds name a
    thread: for the rest the number is NULL, so no index is searched."""
    number: sa.ColumnElement[Any] = sa.cast(row.c.parent_number, sa.String)
    if when is not None:
        number = sa.case((when, number))
    return sa.and_(
        thread.c.repo_id == row.c.repo_id,
        thread.c.kind == kind,
        thread.c.external_id == number,
    )


__all__ = ["names_thread", "thread_values"]

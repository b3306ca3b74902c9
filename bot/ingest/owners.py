"""Owner files into `CodeOwner` rows: the one writer `csf sync` (GitHub) and `csf ingest git`
(a mirror's HEAD) share, so suppression, redaction and replacement are written once.

A file is replaced whole (its rows deleted, then its parse inserted); a file no longer present
takes its rows with it; someone who asked to be forgotten is never stored as an owner. Call it
inside the caller's write transaction, after `write_lock`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import PurePosixPath

import sqlalchemy as sa
from sqlmodel import Session, col

from bot.sources.owners import forum_handles, is_maintainer_file, parse_owner_file
from bot.store.identity import IdentityKey, redact_addresses, suppression_hash
from bot.store.models import CodeOwner, ForumHandle, IdentityKind
from bot.store.writes import suppressed_hashes


def store_owner_files(
    session: Session, repo_id: int, changed: Iterable[tuple[str, str]], present: Iterable[str]
) -> int:
    """Replace the rows of each changed (path, text) file; drop files not in `present`.

    `present` is every owner file the repository has now (changed or not), as found; returns
    how many rows were written.
    """
    suppressed = suppressed_hashes(session)
    rows = 0
    for path, text in changed:
        stored_path = redact_addresses(path)  # stored text, like every path csf keeps
        session.execute(
            sa.delete(CodeOwner).where(
                col(CodeOwner.repo_id) == repo_id, col(CodeOwner.source_path) == stored_path
            )
        )
        _replace_handles(session, repo_id, stored_path, path, text, suppressed)
        for owner in parse_owner_file(text, path):
            if _suppressed_owner(owner.owner_kind, owner.owner_value, suppressed):
                continue  # someone who asked to be forgotten stays forgotten
            session.add(
                CodeOwner(
                    repo_id=repo_id,
                    source_path=stored_path,
                    line=owner.line,
                    pattern=redact_addresses(owner.pattern),
                    area=redact_addresses(owner.area),
                    owner_kind=owner.owner_kind,
                    owner_value=owner.owner_value,
                )
            )
            rows += 1
    kept = sorted({redact_addresses(path) for path in present})
    for model in (CodeOwner, ForumHandle):
        gone = sa.delete(model).where(col(model.repo_id) == repo_id)
        if kept:
            gone = gone.where(col(model.source_path).not_in(kept))
        session.execute(gone)
    return rows


def _replace_handles(
    session: Session, repo_id: int, stored_path: str, path: str, text: str, suppressed: set[str]
) -> None:
    """The forum usernames a maintainer file pairs with GitHub logins (`ForumHandle`)."""
    session.execute(
        sa.delete(ForumHandle).where(
            col(ForumHandle.repo_id) == repo_id, col(ForumHandle.source_path) == stored_path
        )
    )
    if not is_maintainer_file(PurePosixPath(path).name):
        return
    for login, handle in forum_handles(text):
        if not _suppressed_owner(IdentityKind.GITHUB.value, login, suppressed):
            session.add(
                ForumHandle(repo_id=repo_id, source_path=stored_path, handle=handle, login=login)
            )


def _suppressed_owner(kind: str, value: str, suppressed: set[str]) -> bool:
    if kind not in (IdentityKind.GITHUB.value, IdentityKind.EMAIL.value):
        return False  # a team is not a person
    return suppression_hash(IdentityKey(IdentityKind(kind), value)) in suppressed

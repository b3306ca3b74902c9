"""Git history into the store: commits, trailer reviews, and who is who.

Identity resolution rules (the same person under several names, addresses and a GitHub login):
1. `.mailmap` first: every author, co-author and trailer identity is mapped to its canonical
   name and address before anything else, as git itself would show it.
2. A GitHub noreply address (`123+login@users.noreply.github.com`, or without the number)
   names a GitHub account: the person is the one holding that login.
3. One address is one person, whatever names it appears under (compared by its `sha256:` hash;
   the address itself is never stored).
4. A git address joins a GitHub account when GitHub data links them: the account's published
   profile address (stored as the same hash by the GitHub sync) or a noreply address.
5. Names are never enough: two identities are never merged because their names are equal,
   however rare the name. Names are kept as hints, and `csf people merge` joins people by hand.
6. Phabricator reviewers (`Reviewed By: handle`) are known only by handle; a handle is one
   person across commits, and stays apart from GitHub accounts until merged by hand.
7. Nothing here ever moves an identity that already belongs to someone, so hand-made merges and
   splits survive any re-ingestion.

Each commit is a `commit` contribution of its author and of each co-author; each
`Reviewed-by`/`Acked-by`/`Reviewed By` is a `review` contribution of that reviewer on the commit.
A subject ending in `(#1234)` records PR 1234 as the commit's `parent_number`, so a ranking that
also has the PR from GitHub counts the change once.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from bot.ingest.coverage import TopicCoverage, topic_coverage
from bot.ingest.pipeline import index_batch
from bot.people.not_people import not_people
from bot.sources.git import (
    GitCommit,
    GitIdent,
    GitSourceError,
    Mailmap,
    check_repository,
    is_ancestor,
    read_commits,
    read_mailmap,
)
from bot.store.identity import (
    ADDRESS,
    IdentityKey,
    email_key,
    login_from_noreply,
    login_key,
    looks_like_bot,
    name_key,
    noreply_id,
    suppression_hash,
)
from bot.store.locks import Writer
from bot.store.models import (
    Contribution,
    ContributionKind,
    Identity,
    IdentityKind,
    Person,
    Repo,
)
from bot.store.writes import (
    ContributionRecord,
    add_identity,
    create_person,
    existing_people,
    find_person_id,
    get_cursor,
    set_cursor,
    store_secret,
    suppressed_hashes,
    upsert_contributions,
)
from bot.taxonomy.model import Taxonomy

CURSOR = "git"
BATCH = 2000
_REVIEW_TRAILERS = {"reviewed-by": "approved", "acked-by": "acked"}


@dataclass
class GitIngestStats:
    repo: str
    commits: int = 0
    new: dict[str, int] = field(default_factory=dict)
    skipped_authors: int = 0  # suppressed, or no usable address
    people_before: int = 0
    people_after: int = 0
    # Commits the mirror could not give in full (missing objects, unreadable bytes), each said.
    problems: list[str] = field(default_factory=list)
    coverage: TopicCoverage | None = None  # of all the repository's stored work, after this run

    def summary(self) -> str:
        text = (
            f"{self.repo}: {self.commits} commits read; {self.new.get('commit', 0)} commit and "
            f"{self.new.get('review', 0)} review contributions stored; "
            f"{self.people_after - self.people_before} new people"
        )
        if self.problems:
            n = len(self.problems)
            text += f"; {n} commit{'' if n == 1 else 's'} not read in full (see below)"
        return text


@dataclass(frozen=True)
class _Who:
    person_id: int
    key: IdentityKey


class GitIngest:
    """Ingests one repository's history; keeps small caches, never the history itself."""

    def __init__(self, session: Session, taxonomy: Taxonomy, repo: Repo, mailmap: Mailmap) -> None:
        assert repo.id is not None
        self.session = session
        self.taxonomy = taxonomy
        self.repo = repo
        self.repo_id: int = repo.id
        self.mailmap = mailmap
        self._writer = Writer(session)
        self._suppressed: set[str] = set()
        self._secret = store_secret(session)
        self._people: dict[tuple[str, str], _Who | None] = {}
        self._handles: dict[str, _Who | None] = {}
        self._pending: list[ContributionRecord] = []
        self.skipped = 0

    # -- identities -----------------------------------------------------------------------------

    def _is_suppressed(self, keys: list[IdentityKey]) -> bool:
        return any(suppression_hash(key) in self._suppressed for key in keys)

    def _begin(self) -> None:
        """Hold the write lock; in a new transaction, re-read suppressions and drop the cached
        people forgotten, merged away or pruned since the last one (they are resolved again)."""
        if not self._writer.begin():
            return
        self._suppressed = suppressed_hashes(self.session)
        cached = [w for w in (*self._people.values(), *self._handles.values()) if w is not None]
        live = existing_people(self.session, (w.person_id for w in cached))

        def keep(who: _Who | None) -> bool:
            return who is None or (who.person_id in live and not self._is_suppressed([who.key]))

        self._people = {k: w for k, w in self._people.items() if keep(w)}
        self._handles = {k: w for k, w in self._handles.items() if keep(w)}

    def who(self, ident: GitIdent) -> _Who | None:
        """The person behind a name and address from history (rules 1-5 of the module doc)."""
        ident = self.mailmap.canonical(ident)
        cache_key = (ident.name.casefold(), ident.email.lower())
        if cache_key in self._people:
            return self._people[cache_key]
        keys: list[IdentityKey] = []
        login = login_from_noreply(ident.email)
        if login:
            try:
                keys.append(replace(login_key(login), github_id=noreply_id(ident.email)))
            except ValueError:
                login = None
        with contextlib.suppress(ValueError):  # history has addresses like "none@none"
            keys.append(email_key(ident.email, self._secret))
        if not keys:
            self._people[cache_key] = None
            return None
        # A name holding an address (user.name set to one, "Ada <ada@...>") is no name at all:
        # keeping it would keep the address in clear.
        name = ident.name.strip() or None
        if name and ADDRESS.search(name):
            name = None
        if name:
            keys.append(name_key(name))
        if self._is_suppressed(keys):
            self._people[cache_key] = None
            return None
        is_bot = (
            looks_like_bot(login or ident.name)
            or looks_like_bot(ident.email.split("@")[0])
            or not_people().ident(ident.name, ident.email)
        )
        person_id = find_person_id(self.session, keys)
        if person_id is None:
            person_id = create_person(self.session, keys, login=login, name=name, is_bot=is_bot)
        else:
            for key in keys:
                add_identity(self.session, person_id, key)
            self.session.execute(
                sa.update(Person)
                .where(col(Person.id) == person_id)
                .values(
                    name=sa.func.coalesce(Person.name, name),
                    is_bot=sa.case(  # a hand mark always wins
                        (col(Person.marked).is_(None), col(Person.is_bot) | sa.literal(is_bot)),
                        else_=col(Person.is_bot),
                    ),
                )
            )
        found = _Who(person_id, keys[0])
        self._people[cache_key] = found
        return found

    def who_by_handle(self, handle: str) -> _Who | None:
        """A Phabricator reviewer, known by handle only (rule 6)."""
        lowered = handle.lower()
        if lowered in self._handles:
            return self._handles[lowered]
        key = IdentityKey(IdentityKind.NAME, f"phabricator:{lowered}")
        if self._is_suppressed([key]):
            self._handles[lowered] = None
            return None
        owner = self.session.exec(
            select(Identity.person_id).where(
                Identity.kind == key.kind.value, Identity.value == key.value
            )
        ).first()
        if owner is None:
            person = Person(name=handle)
            self.session.add(person)
            self.session.flush()
            assert person.id is not None
            owner = person.id
            add_identity(self.session, owner, key)
        found = _Who(owner, key)
        self._handles[lowered] = found
        return found

    # -- commits --------------------------------------------------------------------------------

    def commit(self, commit: GitCommit) -> None:
        self._begin()
        author = self.who(commit.author)
        if author is None:
            self.skipped += 1
        url = f"https://github.com/{self.repo.full_name}/commit/{commit.sha}"
        paths = commit.paths
        additions = sum(f.added for f in commit.files)
        deletions = sum(f.deleted for f in commit.files)

        def record(
            who: _Who,
            kind: ContributionKind,
            external_id: str,
            when: datetime,
            link: str,
            state: str | None = None,
        ) -> None:
            self._pending.append(
                ContributionRecord(
                    repo_id=self.repo_id,
                    person_id=who.person_id,
                    identity_key=str(who.key),
                    kind=kind,
                    external_id=external_id,
                    created_at=when,
                    occurred_at=when,
                    url=link,
                    title=commit.subject,
                    state=state,
                    parent_number=commit.pr_number,
                    files_changed=len(commit.files),
                    additions=additions,
                    deletions=deletions,
                    paths=paths,
                )
            )

        authors: list[_Who] = [author] if author else []
        for kind, ident in commit.trailers:
            if kind == "co-authored-by":
                co_author = self.who(ident)
                if co_author and all(co_author.person_id != a.person_id for a in authors):
                    authors.append(co_author)
        for index, who in enumerate(authors):
            external = commit.sha if index == 0 else f"{commit.sha}:co:{_short(who.key)}"
            record(who, ContributionKind.COMMIT, external, commit.authored_at, url)

        reviewers: list[tuple[_Who | None, str]] = [
            (self.who(ident), _REVIEW_TRAILERS[kind])
            for kind, ident in commit.trailers
            if kind in _REVIEW_TRAILERS
        ]
        reviewers += [(self.who_by_handle(h), "approved") for h in commit.phabricator_reviewers]
        seen = {a.person_id for a in authors}
        for reviewer, state in reviewers:
            if reviewer is None or reviewer.person_id in seen:
                continue  # suppressed, or an author's own sign-off, which is not a review
            seen.add(reviewer.person_id)
            external = f"{commit.sha}:review:{_short(reviewer.key)}"
            record(
                reviewer,
                ContributionKind.REVIEW,
                external,
                commit.committed_at,
                commit.differential_revision or url,
                state,
            )

    def flush(self) -> None:
        """Write the collected contributions, in the transaction their people were checked in."""
        self._begin()
        pending, self._pending = self._pending, []
        ids = upsert_contributions(self.session, pending)
        index_batch(
            self.session,
            self.taxonomy,
            self.repo,
            ids,
            pending,
            [record.title for record in pending],
        )


def _short(key: IdentityKey) -> str:
    """A stable short id for an identity inside an external id (never the address itself)."""
    return hashlib.sha256(str(key).encode()).hexdigest()[:16]


def ingest_git(
    session: Session,
    taxonomy: Taxonomy,
    repo: Repo,
    path: Path,
    *,
    since: datetime | None = None,
    full: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> GitIngestStats:
    """Ingest new history of `path` into `repo`; resumable, and a no-op on known history."""
    assert repo.id is not None
    stats = GitIngestStats(repo.full_name)
    stats.people_before = session.exec(select(func.count()).select_from(Person)).one()
    if not check_repository(path):
        stats.people_after = stats.people_before
        stats.coverage = topic_coverage(session, taxonomy, repo)
        return stats  # an empty repository: nothing to ingest, and nothing wrong
    after = None if full else get_cursor(session, repo.id, CURSOR)
    if after and not is_ancestor(path, after):
        raise GitSourceError(
            f"the last ingested commit {after[:12]} is not in {path} any more (history "
            "rewritten?): rerun with --full to read the whole history again"
        )

    def kinds() -> dict[str, int]:
        rows = session.exec(
            select(Contribution.kind, func.count())
            .where(Contribution.repo_id == repo.id)
            .group_by(col(Contribution.kind))
        )
        return dict(rows.all())

    before = kinds()
    ingest = GitIngest(session, taxonomy, repo, read_mailmap(path))
    last: str | None = None
    for commit in read_commits(path, after=after, since=since, problems=stats.problems):
        ingest.commit(commit)
        stats.commits += 1
        last = commit.sha
        if stats.commits % BATCH == 0:
            _save(session, ingest, repo.id, last)
            if on_progress:
                on_progress(stats.commits)
    if last is not None:
        _save(session, ingest, repo.id, last)
    if on_progress:
        on_progress(stats.commits)
    after_kinds = kinds()
    stats.new = {k: after_kinds.get(k, 0) - before.get(k, 0) for k in after_kinds}
    stats.skipped_authors = ingest.skipped
    stats.people_after = session.exec(select(func.count()).select_from(Person)).one()
    stats.coverage = topic_coverage(session, taxonomy, repo)
    return stats


def _save(session: Session, ingest: GitIngest, repo_id: int, last: str) -> None:
    """One transaction per batch: its contributions and the cursor that says they are in."""
    ingest.flush()
    set_cursor(session, repo_id, CURSOR, last)
    session.commit()

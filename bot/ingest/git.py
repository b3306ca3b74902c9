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
8. A tool's name on a person's address (`pytorchbot <ada@...>`: a landing bot committing the
   author's change under its own name) is that person's work: it neither marks them a bot nor
   adds the tool's name to them. A record first seen only under a tool's name is a bot until a
   person's own name appears on its address. A machine's own account (`root <root@host>`, git
   never configured there) is treated the same way: no one, unless a person signs its address.
   A machine's default name on a person's own account (`Ubuntu <ada@vm…>`) is not their name:
   the record goes by the account until a real name appears on the address.
9. A co-author who is the author again (the same full name, perhaps with a parenthetical
   added such as a team's or a machine's, or with its words run together; or the same
   identifying local part at a host of the same organisation: GitHub's squash of a PR's
   commits made from a cluster's login node) gets no second credit for the commit
   (`author_again`). Its identities are recorded as any co-author's, on a record of their
   own (rule 5), which `csf people suggest` may offer to merge until a prune removes it for
   having no work.

Each commit is a `commit` contribution of its author and of each co-author; each
`Reviewed-by`/`Acked-by`/`Reviewed By` is a `review` contribution of that reviewer on the commit.
A subject ending in `(#1234)` records PR 1234 as the commit's `parent_number`, so a ranking that
also has the PR from GitHub counts the change once.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from bot.errors import BusyError
from bot.ingest.coverage import TopicCoverage, topic_coverage
from bot.ingest.owners import store_owner_files
from bot.ingest.pipeline import index_batch
from bot.ingest.reverts import mark_reverted
from bot.people.not_people import not_people, tool_name
from bot.sources.git import (
    GitCommit,
    GitIdent,
    GitSourceError,
    Mailmap,
    check_repository,
    is_ancestor,
    owner_files,
    reachable_commits,
    read_commits,
    read_mailmap,
)
from bot.store.identity import (
    ADDRESS,
    IdentityKey,
    email_key,
    handle_key,
    identifying_local_part,
    login_from_noreply,
    login_key,
    looks_like_bot,
    name_key,
    name_words,
    noreply_id,
    spaced_and_run_together,
    suppression_hash,
    without_parenthetical,
)
from bot.store.locks import Writer, session_job_lock, write_lock
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
    delete_contributions,
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
OWNERS_CURSOR = "git.owners"  # {path: blob id} of the owner files last read
BATCH = 2000
IDLE_BATCH = 100  # fewest commits written early while git has nothing new to give
IDLE_SECONDS = 0.5  # ... and least time between two such writes
SWEEP_CHUNK = 5000  # stored rows looked at per transaction by the `--full` sweep
_REVIEW_TRAILERS = {"reviewed-by": "approved", "acked-by": "acked"}


@dataclass
class GitIngestStats:
    repo: str
    commits: int = 0
    new: dict[str, int] = field(default_factory=dict)
    skipped_authors: int = 0  # suppressed, or no usable address
    people_before: int = 0
    people_after: int = 0
    removed: int = 0  # `--full`: rows of commits the history no longer has
    # Commits the mirror could not give in full (missing objects, unreadable bytes), each said.
    problems: list[str] = field(default_factory=list)
    coverage: TopicCoverage | None = None  # of all the repository's stored work, after this run
    owner_files: list[str] = field(default_factory=list)  # owner files at HEAD, read or kept
    owner_rows: int | None = None  # ownership rows written; None: the files were unchanged

    def summary(self) -> str:
        text = (
            f"{self.repo}: {self.commits} commits read; {self.new.get('commit', 0)} commit and "
            f"{self.new.get('review', 0)} review contributions stored; "
            f"{self.people_after - self.people_before} new people"
        )
        if self.removed:
            text += f"; {self.removed} contributions of commits no longer in the history removed"
        if self.problems:
            n = len(self.problems)
            text += f"; {n} commit{'' if n == 1 else 's'} not read in full (see below)"
        if self.owner_files:
            files = ", ".join(self.owner_files[:3]) + (" …" if len(self.owner_files) > 3 else "")
            rows = "unchanged" if self.owner_rows is None else f"{self.owner_rows} ownership rows"
            text += f"; owner files {files}: {rows}"
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
        # (kind, external id) a commit read again no longer gives (see `commit`).
        self._stale: list[tuple[ContributionKind, str]] = []
        self._short_ids: dict[str, str | None] = {}  # address -> its id in external ids
        self.skipped = 0

    # -- identities -----------------------------------------------------------------------------

    def _is_suppressed(self, keys: list[IdentityKey]) -> bool:
        return any(suppression_hash(key) in self._suppressed for key in keys)

    def begin(self) -> None:
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

    def _keys(self, ident: GitIdent) -> tuple[list[IdentityKey], str | None, str | None]:
        """The identities of a canonical name and address, its login and its name: the first
        key is the one its contributions are stored under."""
        keys: list[IdentityKey] = []
        login = login_from_noreply(ident.email)
        if login:
            try:
                keys.append(replace(login_key(login), github_id=noreply_id(ident.email)))
            except ValueError:
                login = None
        with contextlib.suppress(ValueError):  # history has addresses like "none@none"
            keys.append(email_key(ident.email, self._secret))
        # A name holding an address (user.name set to one, "Ada <ada@...>") is no name at all:
        # keeping it would keep the address in clear.
        name = ident.name.strip() or None
        if name and ADDRESS.search(name):
            name = None
        if keys and name:
            keys.append(name_key(name))
        return keys, login, name

    def who(self, ident: GitIdent) -> _Who | None:
        """The person behind a name and address from history (rules 1-5 of the module doc)."""
        ident = self.mailmap.canonical(ident)
        cache_key = (ident.name.casefold(), ident.email.lower())
        if cache_key in self._people:
            return self._people[cache_key]
        keys, login, name = self._keys(ident)
        if not keys:
            self._people[cache_key] = None
            return None
        if self._is_suppressed(keys):
            self._people[cache_key] = None
            return None
        address_is_bot = (
            (login is not None and tool_name(login, self.repo.full_name))
            or looks_like_bot(ident.email.split("@")[0])
            or not_people().address(ident.email)
        )
        # Rule 8: a tool acting for the address's owner is not evidence about the owner; nor is
        # a machine's own account (`root <root@host>`) on an address a person also signs.
        machine = not address_is_bot and not_people().machine(ident.name, ident.email)
        acting = machine or (not address_is_bot and tool_name(ident.name, self.repo.full_name))
        if acting:
            keys = [key for key in keys if key.kind is not IdentityKind.NAME]
        local = ident.email.split("@", 1)[0].strip().lower() or None
        if machine and not name:
            # A trailer with no name: the record goes by the account's ("root"), so a person
            # who signs the address later is told from it (`_update_person`).
            name = local
        elif not acting and not address_is_bot and not_people().machine_name(name):
            # A machine's default name on a person's own account there (`Ubuntu <ada@vm…>`:
            # git never configured on a cloud machine) is not their name: the work is theirs,
            # the record goes by the account until their own name appears on the address, and
            # the name joins or hints at no one (every such machine's user is "Ubuntu").
            keys = [key for key in keys if key.kind is not IdentityKind.NAME]
            name = local
        is_bot = address_is_bot or acting
        person_id = find_person_id(self.session, keys)
        if person_id is None:
            person_id = create_person(self.session, keys, login=login, name=name, is_bot=is_bot)
        else:
            for key in keys:
                add_identity(self.session, person_id, key)
            if not acting:
                self._update_person(person_id, name, is_bot, stand_in=local)
        found = _Who(person_id, keys[0])
        self._people[cache_key] = found
        return found

    def _update_person(
        self, person_id: int, name: str | None, is_bot: bool, stand_in: str | None = None
    ) -> None:
        """Name a nameless record; mark it a bot when this identity is one; a person's own name
        on a record that was a bot only by a tool's name (rule 8) makes it that person. A record
        that goes by this address's account (`stand_in`: named so for want of a name) takes the
        first real name seen on the address."""
        held = self.session.execute(
            sa.select(col(Person.name), col(Person.is_bot), col(Person.marked)).where(
                col(Person.id) == person_id
            )
        ).one()
        if held.marked is not None:  # a hand mark always wins
            is_bot = bool(held.is_bot)
        elif (
            not is_bot
            and held.is_bot
            and name
            and (tool_name(held.name, self.repo.full_name) or not_people().machine_name(held.name))
        ):
            self.session.execute(
                sa.update(Person).where(col(Person.id) == person_id).values(name=name, is_bot=False)
            )
            return
        held_name = held.name
        if name and stand_in and held_name == stand_in and name.lower() != stand_in:
            held_name = None  # the account's name stood in for theirs
        if (held_name is None and name) or (is_bot and not held.is_bot):
            self.session.execute(
                sa.update(Person)
                .where(col(Person.id) == person_id)
                .values(name=held_name or name, is_bot=bool(held.is_bot) or is_bot)
            )

    def who_by_handle(self, handle: str) -> _Who | None:
        """A Phabricator reviewer, known by handle only (rule 6)."""
        lowered = handle.lower()
        if lowered in self._handles:
            return self._handles[lowered]
        key = handle_key(handle)
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
        """Collect the commit's contributions, which replace whatever reading it gave before.

        External ids depend on the role and identity only (`SHA` for the author,
        `SHA:co:<id>` for each co-author, `SHA:review:<id>` for each reviewer), never on who
        else is left out, so a suppressed author never hands `SHA` to a co-author. Rows a
        commit no longer gives (its author forgotten, a co-author merged into the author) are
        dropped at the next flush.
        """
        self.begin()
        author = self.who(commit.author)
        if author is None:
            self.skipped += 1
        url = f"https://github.com/{self.repo.full_name}/commit/{commit.sha}"
        paths = commit.paths
        additions = sum(f.added for f in commit.files)
        deletions = sum(f.deleted for f in commit.files)
        # Every id reading this commit could give; those it does not give this time go.
        possible = {(ContributionKind.COMMIT, commit.sha)}
        given: set[tuple[ContributionKind, str]] = set()

        def record(
            who: _Who,
            kind: ContributionKind,
            external_id: str,
            when: datetime,
            link: str,
            state: str | None = None,
            clock: int | None = None,
            created: Sequence[str] = (),
        ) -> None:
            given.add((kind, external_id))
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
                    utc_offset=clock,
                    created_paths=created,
                )
            )

        authors: list[_Who] = []
        if author is not None:
            authors.append(author)
            # Only the author's own commit carries their clock (a co-author's may differ).
            record(
                author,
                ContributionKind.COMMIT,
                commit.sha,
                commit.authored_at,
                url,
                clock=commit.author_offset,
                created=commit.created_paths,
            )
        for kind, ident in commit.trailers:
            if kind != "co-authored-by":
                continue
            external = self._role_id(commit.sha, "co", ident)
            if external is None:
                continue
            possible.add((ContributionKind.COMMIT, external))
            co_author = self.who(ident)  # its identities stand as evidence even when rule 9 holds
            canonical = self.mailmap.canonical
            if author and author_again(canonical(commit.author), canonical(ident)):
                continue  # an author known to no one here leaves the line its credit
            if co_author and all(co_author.person_id != a.person_id for a in authors):
                authors.append(co_author)
                record(
                    co_author,
                    ContributionKind.COMMIT,
                    external,
                    commit.authored_at,
                    url,
                    created=commit.created_paths,
                )

        reviewers: list[tuple[_Who | None, str, str | None]] = [
            (self.who(ident), _REVIEW_TRAILERS[kind], self._role_id(commit.sha, "review", ident))
            for kind, ident in commit.trailers
            if kind in _REVIEW_TRAILERS
        ]
        reviewers += [
            (self.who_by_handle(h), "approved", f"{commit.sha}:review:{_short(handle_key(h))}")
            for h in commit.phabricator_reviewers
        ]
        seen = {a.person_id for a in authors}
        for reviewer, state, external in reviewers:
            if external is None:
                continue
            possible.add((ContributionKind.REVIEW, external))
            if reviewer is None or reviewer.person_id in seen:
                continue  # suppressed, or an author's own sign-off, which is not a review
            seen.add(reviewer.person_id)
            record(
                reviewer,
                ContributionKind.REVIEW,
                external,
                commit.committed_at,
                commit.differential_revision or url,
                state,
            )
        self._stale.extend(possible - given)

    def _role_id(self, sha: str, role: str, ident: GitIdent) -> str | None:
        """`SHA:<role>:<id>` of a co-author or reviewer, whoever they turn out to be; None for
        an identity without a usable address (it gives no contribution)."""
        ident = self.mailmap.canonical(ident)
        address = ident.email.strip().lower()  # the first key depends on the address alone
        if address not in self._short_ids:
            keys, _, _ = self._keys(ident)
            self._short_ids[address] = _short(keys[0]) if keys else None
        short = self._short_ids[address]
        return f"{sha}:{role}:{short}" if short else None

    def flush(self) -> None:
        """Write the collected contributions and drop the stale ones, in this transaction."""
        self.begin()
        stale, self._stale = self._stale, []
        _delete_git_rows(self.session, self.repo_id, stale)
        pending, self._pending = self._pending, []
        ids = upsert_contributions(self.session, pending)
        index_batch(self.session, self.taxonomy, self.repo, ids, pending)


def _from_git(table: sa.Table) -> sa.ColumnElement[bool]:
    """Rows git ingest wrote: commits, and trailer reviews (GitHub reviews have numeric ids)."""
    return sa.or_(
        table.c.kind == ContributionKind.COMMIT.value,
        sa.and_(
            table.c.kind == ContributionKind.REVIEW.value,
            table.c.external_id.like("%:review:%"),
        ),
    )


def _delete_git_rows(
    session: Session, repo_id: int, rows: list[tuple[ContributionKind, str]]
) -> None:
    """Delete these (kind, external id) rows of the repository, with their index rows."""
    table = Contribution.__table__  # type: ignore[attr-defined]
    for kind in {kind for kind, _ in rows}:
        external = sorted({external for k, external in rows if k is kind})
        for start in range(0, len(external), 500):
            ids = session.execute(
                sa.select(table.c.id).where(
                    table.c.repo_id == repo_id,
                    table.c.kind == kind.value,
                    table.c.external_id.in_(external[start : start + 500]),
                )
            ).scalars()
            delete_contributions(session, list(ids))


def author_again(author: GitIdent, co_author: GitIdent) -> bool:
    """Whether a co-author line names the commit's own author under another address (rule
    9): the same name of two words or more once a trailing parenthetical is left out (or those
    words run together, `AdaQuill` for `Ada Quill`), or the same identifying local part of the
    address at a host of the same organisation (`ada@login01.cluster.corp.example` beside
    `ada@corp.example`) or under no name of a person.

    This takes credit away on evidence that, across records, would only be offered for a
    merge (rule 5): on one commit, two people of one full name, or of one account name in
    one organisation, are far rarer than one person committing from a second machine, and
    crediting both ranked such people twice, side by side, on real histories. A local part
    alone is not enough (`alex@` at two companies are two people)."""

    def named(ident: GitIdent) -> list[str]:
        name = without_parenthetical(ident.name)
        if not_people().machine_name(name) or tool_name(name):
            return []  # `Ubuntu`, `root`, a tool: a machine's or a tool's, no one's name
        return name_words(name)

    mine, theirs = author.email.strip().lower(), co_author.email.strip().lower()
    if mine == theirs:
        return False  # one address is one person already (rule 3), whose names it gathers
    words, other = named(author), named(co_author)
    if (len(words) >= 2 and words == other) or spaced_and_run_together(words, other):
        return True
    local = identifying_local_part(mine)
    if local is None or local != identifying_local_part(theirs):
        return False
    here, there = mine.rpartition("@")[2], theirs.rpartition("@")[2]
    related = here.endswith("." + there) or there.endswith("." + here)
    return related or not words or not other


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
    """Ingest new history of `path` into `repo`; resumable, and a no-op on known history.

    One ingest of a repository runs at a time: a second one raises `BusyError` and touches
    nothing. `full` reads the whole history again, then removes the repository's git rows of
    commits HEAD no longer reaches (a rewritten history), so the store holds what the history
    holds. Commits what the caller did first (see `session_job_lock`).
    """
    name = repo.full_name
    with session_job_lock(session, f"ingest git {name.lower()}") as held:
        if not held:
            raise BusyError(f"another ingest of {name} is running: try again when it has finished")
        return _ingest(session, taxonomy, repo, path, since, full, on_progress)


def _ingest(
    session: Session,
    taxonomy: Taxonomy,
    repo: Repo,
    path: Path,
    since: datetime | None,
    full: bool,
    on_progress: Callable[[int], None] | None,
) -> GitIngestStats:
    assert repo.id is not None
    repo_id = repo.id
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
    saved, saved_at = 0, time.monotonic()  # commits written so far, and when

    def save() -> None:
        nonlocal saved, saved_at
        if last is None:
            return
        _save(session, ingest, repo_id, last)
        saved, saved_at = stats.commits, time.monotonic()
        if on_progress:
            on_progress(stats.commits)

    def idle() -> None:
        # Waiting on git anyway: write what is held, so little is left to write at its end.
        # Not more often than every IDLE_SECONDS: each transaction checks again every person
        # it has cached (`begin`), thousands of them in a big history.
        if stats.commits - saved >= IDLE_BATCH and time.monotonic() - saved_at >= IDLE_SECONDS:
            save()

    # Closed as soon as the loop ends, an error included: git stops before the job lock goes.
    walk = read_commits(path, after=after, since=since, problems=stats.problems, on_idle=idle)
    with contextlib.closing(walk) as commits:
        for commit in commits:
            ingest.commit(commit)
            stats.commits += 1
            last = commit.sha
            if stats.commits - saved >= BATCH:
                save()
    if last is not None and stats.commits > saved:
        _save(session, ingest, repo.id, last)
    if on_progress:
        on_progress(stats.commits)
    after_kinds = kinds()
    stats.new = {k: after_kinds.get(k, 0) - before.get(k, 0) for k in after_kinds}
    if full:
        stats.removed = _drop_unreachable(session, repo.id, path)
    _owners(session, repo.id, path, stats)
    mark_reverted(session, repo.id)
    session.commit()
    stats.skipped_authors = ingest.skipped
    stats.people_after = session.exec(select(func.count()).select_from(Person)).one()
    stats.coverage = topic_coverage(session, taxonomy, repo)
    return stats


def _drop_unreachable(session: Session, repo_id: int, path: Path) -> int:
    """Delete the repository's git rows of commits HEAD no longer reaches; how many went.

    A chunk per transaction, and only rows of commits that are gone: a run killed half-way
    loses nothing the history still has, and the next `--full` finishes the job.
    """
    reachable = reachable_commits(path)
    table = Contribution.__table__  # type: ignore[attr-defined]
    removed = 0
    after_id = 0
    while True:
        rows = session.execute(
            sa.select(table.c.id, table.c.external_id)
            .where(table.c.repo_id == repo_id, table.c.id > after_id, _from_git(table))
            .order_by(table.c.id)
            .limit(SWEEP_CHUNK)
        ).all()
        session.commit()  # ends the read: nothing is held between chunks
        if not rows:
            return removed
        after_id = rows[-1].id
        gone = [row.id for row in rows if row.external_id.partition(":")[0] not in reachable]
        if gone:
            write_lock(session)
            delete_contributions(session, gone)
            session.commit()
            removed += len(gone)


def _owners(session: Session, repo_id: int, path: Path, stats: GitIngestStats) -> None:
    """The owner files at HEAD into ownership rows; files whose blob is unchanged are kept."""
    files = owner_files(path)
    stats.problems += [f.problem for f in files if f.problem]
    readable = [f for f in files if f.text is not None]
    stats.owner_files = [f.path for f in readable]
    blobs = {f.path: f.blob for f in readable}
    before = get_cursor(session, repo_id, OWNERS_CURSOR)
    known = json.loads(before) if before else {}
    if known == blobs:
        return  # unchanged (or never any): rows stay as they are
    changed = [(f.path, f.text or "") for f in readable if known.get(f.path) != f.blob]
    write_lock(session)  # suppression is read under the lock, in the transaction that writes
    stats.owner_rows = store_owner_files(session, repo_id, changed, blobs)
    set_cursor(session, repo_id, OWNERS_CURSOR, json.dumps(blobs, sort_keys=True))
    session.commit()


def _save(session: Session, ingest: GitIngest, repo_id: int, last: str) -> None:
    """One transaction per batch: its contributions and the cursor that says they are in."""
    ingest.flush()
    set_cursor(session, repo_id, CURSOR, last)
    session.commit()

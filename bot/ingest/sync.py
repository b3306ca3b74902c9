"""Sync tracked repositories from GitHub: incremental, resumable, and cheap when nothing changed.

Pull requests and issues rely on GitHub's GraphQL cursors being keyset cursors (they encode the
sort key, here `updatedAt`, and the node id), so paging on after the saved cursor returns exactly
the items updated since, even those that were updated after they were first seen.

Each stream of a repository keeps its own cursor, saved with the page it covers in one commit:
- `github.pulls`: the GraphQL cursor after the last PR ingested (PRs in updated-at order);
- `github.issues`: the GraphQL cursor after the last issue ingested (GraphQL's `issues` holds
  issues alone, where REST's list mixes in every PR; a time kept by an older csf is read as
  `since`);
- `github.comments`: the `updated_at` of the last comment ingested (REST `since`).
A sync killed at any point resumes from the last committed page; pages are re-read at most once
and upserts make the re-read harmless. With nothing new, a sync costs two GraphQL requests and
one conditional REST request answered 304 (free), plus profiles (a hundred a GraphQL request)
and owner files at most weekly.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from bot.ingest.coverage import TopicCoverage, topic_coverage
from bot.ingest.owners import store_owner_files
from bot.ingest.pipeline import Ingestor, stale_profiles
from bot.ingest.reverts import mark_reverted
from bot.sources.github.http import GitHubShapeError, Reply
from bot.sources.github.records import USERS_PER_QUERY, GitHubSource, parse_time
from bot.sources.owners import CODEOWNERS_PATHS, is_maintainer_file
from bot.store.identity import looks_like_bot
from bot.store.locks import write_lock
from bot.store.models import (
    Contribution,
    Person,
    Repo,
    utcnow,
)
from bot.store.writes import get_cursor, get_etag, set_cursor, set_etag
from bot.taxonomy.model import Taxonomy

log = logging.getLogger(__name__)

PROFILE_MAX_AGE = timedelta(days=7)
OWNERS_MAX_AGE = timedelta(days=7)


@dataclass
class SyncProgress:
    """What a progress bar shows: where the sync is, and how much budget is left."""

    repo: str
    stage: str  # "pull requests", "issues", "comments", "owners", "profiles"
    pages: int
    items: int
    requests_left: int | None


@dataclass
class SyncStats:
    repo: str
    pages: int = 0
    items: int = 0
    new: dict[str, int] = field(default_factory=dict)  # contribution kind -> rows added
    new_people: int = 0
    profiles: int = 0
    owner_rows: int | None = None  # None when the owner files were fresh enough to skip
    requests: int = 0
    not_modified: int = 0
    # 200 answers that were not what was asked for (an error body, an empty object): nothing
    # of them was stored, and what they were for is asked again at the next sync.
    refused: int = 0
    coverage: TopicCoverage | None = None  # of all the repository's stored work, after the sync

    def summary(self) -> str:
        added = [_count(n, kind) for kind, n in sorted(self.new.items()) if n]
        owners = "" if self.owner_rows is None else f", {self.owner_rows} ownership rows"
        refused = (
            f"; {self.refused} malformed answers left for the next sync" if self.refused else ""
        )
        return (
            f"{self.repo}: {', '.join(added) or 'nothing new'}; {self.new_people} new people, "
            f"{self.profiles} profiles{owners}; {self.requests} requests used, "
            f"{self.not_modified} answered 304 (free){refused}"
        )


_NOUNS = {"pr": "PR", "rfc": "RFC"}


def _count(n: int, kind: str) -> str:
    noun = _NOUNS.get(kind, kind)
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


class SyncStopped(Exception):  # noqa: N818 - a request honoured, not a failure
    """The sync was asked to stop (the worker got SIGTERM) and did, at a committed page.

    Every page is committed with its cursor before the next is fetched, so what was read stays
    and the next sync resumes from there; the score refresh is left to that next sync.
    """


class GitHubSync:
    def __init__(
        self,
        session: Session,
        source: GitHubSource,
        taxonomy: Taxonomy,
        *,
        clock: Callable[[], datetime] = utcnow,
        on_progress: Callable[[SyncProgress], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> None:
        self.session = session
        self.source = source
        self.taxonomy = taxonomy
        self.clock = clock
        self.on_progress = on_progress
        self.should_stop = should_stop

    def sync(self, repo: Repo, *, since: datetime | None = None) -> SyncStats:
        """Bring one repository up to date; `since` limits a first sync to recent activity."""
        assert repo.id is not None
        http = self.source.http
        requests_before, not_modified_before = http.requests, http.not_modified
        kinds_before = self._kinds(repo.id)
        people_before = self._people()
        stats = SyncStats(repo.full_name)
        ingest = Ingestor(self.session, self.taxonomy, repo)

        self._pull_requests(repo, ingest, stats, since)
        self._issue_stream(repo, "issues", ingest, stats, since)
        self._issue_stream(repo, "comments", ingest, stats, since)
        self._owners(repo, stats)
        self._profiles(ingest, stats)
        mark_reverted(self.session, repo.id)

        repo.last_synced_at = self.clock()
        self.session.commit()
        kinds_after = self._kinds(repo.id)
        stats.new = {k: kinds_after.get(k, 0) - kinds_before.get(k, 0) for k in kinds_after}
        stats.new_people = self._people() - people_before
        stats.requests = http.requests - requests_before
        stats.not_modified = http.not_modified - not_modified_before
        stats.coverage = topic_coverage(self.session, self.taxonomy, repo)
        return stats

    # -- streams ------------------------------------------------------------------------------

    def _pull_requests(
        self, repo: Repo, ingest: Ingestor, stats: SyncStats, since: datetime | None
    ) -> None:
        assert repo.id is not None
        source_key = "github.pulls"
        cursor = get_cursor(self.session, repo.id, source_key)
        while True:
            page = self.source.pull_requests(repo.full_name, cursor)
            for pr in page.items:
                if since is None or pr.updated_at >= since:
                    ingest.pull_request(pr)
            ingest.flush()
            end = page.extra.get("end_cursor")
            if end:
                set_cursor(self.session, repo.id, source_key, end)
            self.session.commit()
            self._page_done(stats, repo, "pull requests", len(page.items))
            if page.cursor is None:
                return
            cursor = page.cursor

    def _issue_stream(
        self, repo: Repo, stream: str, ingest: Ingestor, stats: SyncStats, since: datetime | None
    ) -> None:
        assert repo.id is not None
        source_key = f"github.{stream}"
        slot = f"{stream}:{repo.full_name.lower()}"
        start = get_cursor(self.session, repo.id, source_key) or (_iso(since) if since else None)
        url_key = start or "-"
        etag = get_etag(self.session, slot, url_key)
        fetch = self.source.issues if stream == "issues" else self.source.comments
        first = True
        for page in fetch(repo.full_name, start, etag):
            if page.not_modified:
                self._page_done(stats, repo, stream, 0)
                return
            for item in page.items:
                if stream == "issues":
                    ingest.issue(item)  # type: ignore[arg-type]
                else:
                    ingest.comment(item)  # type: ignore[arg-type]
            ingest.flush()
            last = page.extra.get("last_updated")
            if page.extra.get("end_cursor"):  # issues: GraphQL's keyset cursor
                set_cursor(self.session, repo.id, source_key, page.extra["end_cursor"])
            elif last is not None:
                set_cursor(self.session, repo.id, source_key, _iso(last))
            if first:
                set_etag(self.session, slot, url_key, page.etag)
                first = False
            self.session.commit()
            self._page_done(stats, repo, stream, len(page.items))

    # -- owners and profiles ------------------------------------------------------------------

    def _owners(self, repo: Repo, stats: SyncStats) -> None:
        """Refresh CODEOWNERS and maintainer files, at most weekly; unchanged files cost a 304."""
        assert repo.id is not None
        checked = parse_time(get_cursor(self.session, repo.id, "github.owners"))
        now = self.clock()
        if checked is not None and now - checked < OWNERS_MAX_AGE:
            return
        try:
            fetched = self._owner_files(repo)
        except GitHubShapeError as error:
            # Ownership stays as it was, and the files are asked for again at the next sync.
            self.session.commit()
            _refused(error)
            stats.refused += 1
            return
        self.session.commit()  # ends the read transaction the ETag lookups opened
        found: set[str] = set()
        changed: list[tuple[str, str]] = []
        write_lock(self.session)  # the suppressions read next hold until the commit
        for path, text, reply in fetched:
            if reply.status == 304:
                found.add(path)
                continue
            if text is None:
                continue
            found.add(path)
            changed.append((path, text))
            set_etag(self.session, f"file:{repo.full_name.lower()}:{path}", path, reply.etag)
        rows = store_owner_files(self.session, repo.id, changed, found)
        set_cursor(self.session, repo.id, "github.owners", _iso(now))
        self.session.commit()
        stats.owner_rows = rows
        self._page_done(stats, repo, "owners", rows)

    def _owner_files(self, repo: Repo) -> list[tuple[str, str | None, Reply]]:
        """Every owner file's text (None: absent) and answer, fetched before anything is
        written: no write transaction stays open across network calls (or a rate-limit wait),
        which would lock a shared SQLite file."""
        candidates = list(CODEOWNERS_PATHS)
        root = self.source.directory(repo.full_name)
        candidates += [
            e["path"] for e in root if e.get("type") == "file" and is_maintainer_file(e["name"])
        ]
        for entry in root:
            if entry.get("type") == "dir" and not str(entry["name"]).startswith("."):
                candidates += [
                    e["path"]
                    for e in self.source.directory(repo.full_name, entry["path"])
                    if e.get("type") == "file" and is_maintainer_file(e["name"])
                ]
        fetched: list[tuple[str, str | None, Reply]] = []
        for path in dict.fromkeys(candidates):
            slot = f"file:{repo.full_name.lower()}:{path}"
            text, reply = self.source.file(repo.full_name, path, get_etag(self.session, slot, path))
            fetched.append((path, text, reply))
        return fetched

    def _profiles(self, ingest: Ingestor, stats: SyncStats) -> None:
        """Fetch profiles of people seen in this sync, at most weekly each, a hundred a request
        (GraphQL's aliased `user(login:)`): a 20k-PR backfill's thousands of new people cost
        tens of requests, not one each."""
        now = self.clock()
        logins = [
            login
            for login in stale_profiles(
                self.session, ingest.logins_seen, older_than=now - PROFILE_MAX_AGE
            )
            if not looks_like_bot(login)
        ]
        self.session.commit()  # no transaction stays open while profiles are fetched
        for start in range(0, len(logins), USERS_PER_QUERY):
            batch = logins[start : start + USERS_PER_QUERY]
            try:
                profiles = self.source.users(batch)
            except GitHubShapeError as error:  # not stored, not fresh: asked again next sync
                _refused(error)
                stats.refused += len(batch)
                continue
            for login in batch:  # then written in one short transaction
                profile = profiles.get(login)
                if profile is not None:
                    ingest.apply_profile(profile, now)
                else:  # gone, or not a person's account: no need to ask again this week
                    self._mark_profile_checked(login, now)
                stats.profiles += 1
            self.session.commit()
            self._page_done(stats, ingest.repo, "profiles", len(batch))

    def _mark_profile_checked(self, login: str, when: datetime) -> None:
        """Gone, or not a person's account: either way, no need to ask again this week."""
        self.session.execute(
            sa.update(Person)
            .where(sa.func.lower(Person.login) == login.lower())
            .values(profile_fetched_at=when)
        )

    # -- bookkeeping --------------------------------------------------------------------------

    def _page_done(self, stats: SyncStats, repo: Repo, stage: str, items: int) -> None:
        stats.pages += 1
        stats.items += items
        if self.should_stop is not None and self.should_stop():
            raise SyncStopped(
                f"{repo.full_name}: stopped after {_count(stats.pages, 'page')} ({stage})"
            )
        if self.on_progress is not None:
            budgets = self.source.http.budgets
            left = [b.remaining for b in budgets.values() if b.remaining is not None]
            self.on_progress(
                SyncProgress(
                    repo.full_name, stage, stats.pages, stats.items, min(left) if left else None
                )
            )

    def _kinds(self, repo_id: int) -> dict[str, int]:
        rows = self.session.exec(
            select(Contribution.kind, func.count())
            .where(Contribution.repo_id == repo_id)
            .group_by(col(Contribution.kind))
        )
        return dict(rows.all())

    def _people(self) -> int:
        return self.session.exec(select(func.count()).select_from(Person)).one()


def _refused(error: GitHubShapeError) -> None:
    log.warning("%s; nothing of it stored, asked again at the next sync", error)


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

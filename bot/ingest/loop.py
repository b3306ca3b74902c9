"""The one sync loop: every tracked repository from GitHub (and forum category from its
Discourse: names starting `discourse:`, never sent to GitHub), then the score cache.

`csf sync` and the worker's sync job both run this, so the rules live once: one renamed,
private or failing repository is rolled back and reported while the others still sync; a token
GitHub refuses stops the loop (every repository would fail alike); a repository another process
is syncing is skipped and reported (one sync of a repository at a time); what was synced is
committed before the score cache is refreshed, so a failing refresh never loses ingested work.

The score cache belongs to ranking, a later stage than ingest, so the refresh is handed in by
the caller (`refresh`), and each face reports per-repository results its own way (`on_repo`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from bot.errors import CsfError
from bot.ingest.discourse import ForumSync, SourceFor
from bot.ingest.sync import GitHubSync, SyncProgress, SyncStats, SyncStopped
from bot.ingest.tracking import tracked_repos
from bot.sources.discourse import DiscourseError, is_forum
from bot.sources.github.http import GitHubAuthError, GitHubError
from bot.sources.github.records import GitHubSource
from bot.store.locks import session_job_lock
from bot.store.models import Repo, utcnow
from bot.taxonomy.model import Taxonomy


@dataclass(frozen=True)
class RepoSynced:
    """One repository's outcome: its stats, the GitHub or forum error that stopped it, or
    `busy` (another process was syncing it, so this one did not)."""

    repo: str
    stats: SyncStats | None = None
    error: CsfError | None = None
    busy: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class SyncRun:
    """What a sync of many repositories did; `refreshed` is the score refresh's summary."""

    repos: list[RepoSynced] = field(default_factory=list)
    refreshed: str | None = None  # None when there was nothing to sync, or it was stopped
    stopped: str | None = None  # where a requested stop left it (the next sync resumes there)

    @property
    def failed(self) -> list[str]:
        return [r.repo for r in self.repos if not r.ok]

    @property
    def busy(self) -> list[str]:
        return [r.repo for r in self.repos if r.busy]


def sync_tracked(
    session: Session,
    source: GitHubSource | None,
    taxonomy: Taxonomy,
    *,
    refresh: Callable[[Session], str],
    forums: SourceFor | None = None,
    repos: Sequence[Repo] | None = None,
    since: datetime | None = None,
    clock: Callable[[], datetime] = utcnow,
    on_repo: Callable[[RepoSynced], None] | None = None,
    on_progress: Callable[[SyncProgress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> SyncRun:
    """Sync `repos` (default: every tracked repository), then refresh the score cache.

    `refresh` rebuilds the score cache from the session and returns its one-line summary; it
    runs after what was synced is committed, and only when there was something to sync.
    `GitHubAuthError` propagates; any other `GitHubError` is one failed repository. Forum
    categories go to `ForumSync` with a client from `forums` (one per forum); a `DiscourseError`
    is one failed category. Without `source` (no GitHub token) GitHub repositories fail alike.
    """
    chosen = list(tracked_repos(session) if repos is None else repos)
    run = SyncRun()
    if not chosen:
        return run
    runner = (
        GitHubSync(
            session, source, taxonomy, clock=clock, on_progress=on_progress, should_stop=should_stop
        )
        if source is not None
        else None
    )
    forum_runner = (
        ForumSync(
            session, forums, taxonomy, clock=clock, on_progress=on_progress, should_stop=should_stop
        )
        if forums is not None
        else None
    )
    for repo in chosen:
        name = repo.full_name  # read before a rollback expires it
        if should_stop is not None and should_stop():
            run.stopped = run.stopped or f"stopped before {name}"
            break
        with session_job_lock(session, f"sync {name.lower()}") as held:
            if not held:
                outcome = RepoSynced(name, busy=True)
            else:
                try:
                    if is_forum(name):
                        if forum_runner is None:
                            raise DiscourseError(f"{name}: no forum client given to this sync")
                        stats = forum_runner.sync(repo, since=since)
                    else:
                        if runner is None:
                            raise GitHubError(f"{name}: GITHUB_TOKEN is not set; sync needs it")
                        stats = runner.sync(repo, since=since)
                    outcome = RepoSynced(name, stats=stats)
                except SyncStopped as stop:
                    session.rollback()  # only the page in hand; every earlier one is committed
                    run.stopped = str(stop)
                    break
                except GitHubAuthError:
                    raise  # a bad token fails every repository alike
                except (GitHubError, DiscourseError) as error:
                    # One renamed, private or failing repo should not stop the others.
                    session.rollback()
                    outcome = RepoSynced(name, error=error)
        run.repos.append(outcome)
        if on_repo is not None:
            on_repo(outcome)
    session.commit()  # what was synced stays, whatever the refresh does
    if run.stopped is not None:
        return run  # the next sync refreshes the scores: a stop must not wait for that
    # Known-topic answers read the score cache; it must follow what was just synced.
    run.refreshed = refresh(session)
    session.commit()
    return run

"""The one sync loop that `csf sync` and the worker share: every repository, then the cache."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from bot.ingest.loop import RepoSynced, sync_tracked
from bot.ingest.tracking import untrack
from bot.sources.github.http import GitHubAuthError, GitHubNotFoundError
from bot.sources.github.records import GitHubSource
from bot.store.models import Contribution, Repo
from bot.store.writes import upsert_repo
from bot.taxonomy.model import default_taxonomy
from tests.support.fake_github import generate_world
from tests.support.github_world import REPO, Harness, small_world

UNKNOWN = "apache/tvm"  # tracked here, but the fake GitHub has never heard of it


def _counted(calls: list[str]) -> Callable[[Session], str]:
    """A refresh that only notes it ran."""

    def refresh(_: Session) -> str:
        calls.append("refresh")
        return "done"

    return refresh


@pytest.fixture
def harness(engine: Engine) -> Iterator[Harness]:
    with Harness(engine, small_world()) as h:
        yield h


def _contributions(engine: Engine) -> int:
    """Counted in a session of its own: only what was committed."""
    with Session(engine) as other:
        return other.exec(select(func.count()).select_from(Contribution)).one()


def test_every_repository_is_synced_a_failing_one_is_reported_then_the_cache_is_refreshed(
    harness: Harness,
) -> None:
    with Session(harness.engine) as session:
        upsert_repo(session, UNKNOWN, "tvm")
        session.commit()
    seen: list[RepoSynced] = []
    refreshed_after: list[int] = []

    def refresh(session: Session) -> str:
        refreshed_after.append(_contributions(harness.engine))
        return "scores refreshed"

    with Session(harness.engine) as session, harness.http() as http:
        run = sync_tracked(
            session,
            GitHubSource(http),
            default_taxonomy(),
            refresh=refresh,
            clock=harness.clock.datetime,
            on_repo=seen.append,
        )
    assert [r.repo for r in seen] == [r.repo for r in run.repos]
    assert {r.repo for r in run.repos} == {REPO, UNKNOWN}
    assert run.failed == [UNKNOWN]
    failed = next(r for r in run.repos if r.repo == UNKNOWN)
    assert isinstance(failed.error, GitHubNotFoundError)
    assert failed.stats is None
    synced = next(r for r in run.repos if r.repo == REPO)
    assert synced.ok
    assert synced.stats is not None
    assert synced.stats.new["pr"] == 3
    # One refresh, after the synced work was committed, and its summary handed back.
    assert run.refreshed == "scores refreshed"
    assert len(refreshed_after) == 1
    assert refreshed_after[0] > 0


def test_only_the_repositories_asked_for_and_none_when_nothing_is_tracked(
    harness: Harness,
) -> None:
    calls: list[str] = []
    with Session(harness.engine) as session, harness.http() as http:
        upsert_repo(session, UNKNOWN, "tvm")
        chosen = session.exec(select(Repo).where(Repo.full_name == REPO)).all()
        run = sync_tracked(
            session,
            GitHubSource(http),
            default_taxonomy(),
            refresh=_counted(calls),
            repos=chosen,
            clock=harness.clock.datetime,
        )
        assert [r.repo for r in run.repos] == [REPO]
        assert run.failed == []
        for name in (REPO, UNKNOWN):
            untrack(session, name, actor="test")
        empty = sync_tracked(
            session,
            GitHubSource(http),
            default_taxonomy(),
            refresh=_counted(calls),
        )
    assert empty.repos == []
    assert empty.refreshed is None
    assert calls == ["refresh"]  # nothing synced, nothing to refresh


def test_a_refused_token_stops_the_loop_before_the_refresh(harness: Harness) -> None:
    calls: list[str] = []
    with (
        Session(harness.engine) as session,
        harness.http("ghp_wrong") as http,
        pytest.raises(GitHubAuthError),
    ):
        sync_tracked(
            session,
            GitHubSource(http),
            default_taxonomy(),
            refresh=_counted(calls),
            clock=harness.clock.datetime,
        )
    assert calls == []


def test_a_stop_asked_for_ends_the_sync_at_a_saved_page_and_the_next_sync_resumes_there(
    engine: Engine,
) -> None:
    """The worker's SIGTERM: the sync stops after the page in hand is committed with its cursor,
    skips the score refresh (the next sync does it), and the next sync reads only the rest."""
    calls: list[str] = []
    asked: list[bool] = []

    def stop_after_first_page() -> bool:
        asked.append(True)
        return len(asked) >= 2  # the loop asks once before the repository, then per page

    with Harness(engine, generate_world(250, 1, people=40)) as harness:
        with Session(engine) as session, harness.http() as http:
            run = sync_tracked(
                session,
                GitHubSource(http),
                default_taxonomy(),
                refresh=_counted(calls),
                clock=harness.clock.datetime,
                should_stop=stop_after_first_page,
            )
        assert run.stopped == f"{REPO}: stopped after 1 page (pull requests)"
        assert run.repos == []
        assert calls == []  # no refresh: the next sync does it
        with Session(engine) as other:
            first = other.exec(select(func.count()).where(Contribution.kind == "pr")).one()
        assert first == 100
        pages_before = [r.operation for r in harness.server.log].count("PullRequests")
        assert pages_before == 1
        with Session(engine) as session, harness.http() as http:
            again = sync_tracked(
                session,
                GitHubSource(http),
                default_taxonomy(),
                refresh=_counted(calls),
                clock=harness.clock.datetime,
            )
        assert again.stopped is None
        assert calls == ["refresh"]
        with Session(engine) as other:
            assert other.exec(select(func.count()).where(Contribution.kind == "pr")).one() == 250
        pages_after = [r.operation for r in harness.server.log].count("PullRequests")
        assert pages_after - pages_before == 2  # pages two and three: resumed, not restarted

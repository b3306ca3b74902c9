"""Filling the store: `csf track` (which repositories), `csf sync` (GitHub), `csf ingest git`."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import TextColumn
from rich.table import Table
from sqlmodel import Session

from bot.config import load_settings
from bot.errors import BusyError, CsfError
from bot.ingest.coverage import TopicCoverage
from bot.ingest.git import ingest_git
from bot.ingest.loop import RepoSynced, sync_tracked
from bot.ingest.sync import SyncProgress
from bot.ingest.tracking import (
    parse_repo_name,
    resolve_ecosystem,
    track,
    track_defaults,
    tracked_repos,
    untrack,
)
from bot.sources.github.http import GitHubHTTP
from bot.sources.github.records import GitHubSource
from bot.store.writes import find_repo, upsert_repo
from cli.app import (
    CLI_ACTOR,
    app,
    open_store,
    optional_date,
    refresh_cache,
    refresh_summary,
    taxonomy_of,
)
from cli.render import err, out, progress, pulse

# Commits the mirror could not give in full are each said, up to this many.
SHOWN_PROBLEMS = 10

track_app = typer.Typer(help="Choose the repositories csf follows.", no_args_is_help=True)
ingest_app = typer.Typer(help="Read contributions from local sources.", no_args_is_help=True)
app.add_typer(track_app, name="track")
app.add_typer(ingest_app, name="ingest")


@track_app.command("add")
def track_add(
    repo: Annotated[str, typer.Argument(help="owner/name, e.g. iree-org/iree")],
    ecosystem: Annotated[
        str | None, typer.Option("--ecosystem", "-e", help="Needed for repos not in the taxonomy.")
    ] = None,
) -> None:
    """Follow a repository."""
    settings = load_settings()
    with open_store(settings) as session:
        added = track(session, taxonomy_of(settings), repo, ecosystem, actor=CLI_ACTOR)
        out.print(f"tracking {added.full_name} ({added.ecosystem})")


@track_app.command("defaults")
def track_add_defaults() -> None:
    """Follow every default repository of every ecosystem in the taxonomy."""
    settings = load_settings()
    with open_store(settings) as session:
        repos = track_defaults(session, taxonomy_of(settings), actor=CLI_ACTOR)
        out.print(f"tracking {len(repos)} repositories: {', '.join(r.full_name for r in repos)}")


@track_app.command("remove")
def track_remove(repo: Annotated[str, typer.Argument(help="owner/name")]) -> None:
    """Stop syncing a repository (its history is kept)."""
    settings = load_settings()
    with open_store(settings) as session:
        removed = untrack(session, repo, actor=CLI_ACTOR)
        out.print(f"no longer tracking {removed.full_name}; its history is kept")


@track_app.command("list")
def track_list() -> None:
    """Show the repositories csf follows."""
    settings = load_settings()
    with open_store(settings) as session:
        repos = tracked_repos(session)
        if not repos:
            out.print(
                "no repositories tracked yet: `csf track defaults` or `csf track add OWNER/NAME`"
            )
            return
        table = Table("repository", "ecosystem", "last synced")
        for repo in repos:
            synced = (
                repo.last_synced_at.strftime("%Y-%m-%d %H:%M UTC")
                if repo.last_synced_at
                else "never"
            )
            table.add_row(repo.full_name, repo.ecosystem, synced)
        out.print(table)


@app.command()
def sync(
    repo: Annotated[
        str | None, typer.Argument(help="owner/name; default: every tracked repo")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="First sync: only activity from DATE (YYYY-MM-DD)."),
    ] = None,
) -> None:
    """Fetch PRs, reviews, issues, owners and profiles of tracked repositories from GitHub."""
    settings = load_settings()
    settings.require("github_token", purpose="csf sync")
    assert settings.github_token is not None
    since_at = optional_date(since, "--since")
    with open_store(settings) as session:
        repos = tracked_repos(session)
        if repo is not None:
            wanted = parse_repo_name(repo).lower()
            repos = [r for r in repos if r.full_name.lower() == wanted]
            if not repos:
                raise CsfError(f"{repo} is not tracked: `csf track add {repo}` first")
        if not repos:
            raise CsfError(
                "no repositories tracked: `csf track defaults` or `csf track add OWNER/NAME`"
            )
        http = GitHubHTTP(settings.github_api_url, settings.github_token.get_secret_value())
        with (
            http,
            progress(*pulse()) as shown,
        ):
            task = shown.add_task("starting", total=None, detail="")

            def show(event: SyncProgress) -> None:
                left = "?" if event.requests_left is None else str(event.requests_left)
                detail = f"{event.pages} pages, {event.items} items, {left} requests left"
                shown.update(task, description=f"{event.repo} {event.stage}", detail=detail)

            def report(outcome: RepoSynced) -> None:
                if outcome.stats is not None:
                    out.print(outcome.stats.summary(), soft_wrap=True)
                    print_coverage(outcome.stats.coverage)
                elif outcome.busy:
                    err.print(
                        f"csf: another sync of {outcome.repo} is running; skipped",
                        soft_wrap=True,
                        highlight=False,
                    )
                else:
                    err.print(f"csf: {outcome.error}", soft_wrap=True, highlight=False)

            def refresh(session: Session) -> str:
                shown.stop()  # one live display at a time: the refresh shows its own
                return refresh_summary(session, settings)

            run = sync_tracked(
                session,
                GitHubSource(http),
                taxonomy_of(settings),
                refresh=refresh,
                repos=repos,
                since=since_at,
                on_repo=report,
                on_progress=show,
            )
        out.print(run.refreshed, soft_wrap=True)
    if run.failed:
        raise CsfError(f"not synced: {', '.join(run.failed)} (see above)")
    if run.busy:
        raise BusyError(f"not synced, another sync is running: {', '.join(run.busy)}")


@ingest_app.command("git")
def ingest_git_command(
    path: Annotated[Path, typer.Argument(help="A bare mirror or a clone.")],
    repo: Annotated[str, typer.Option("--repo", help="owner/name the history belongs to.")],
    ecosystem: Annotated[
        str | None, typer.Option("--ecosystem", "-e", help="Needed for repos not in the taxonomy.")
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Only commits from YYYY-MM-DD.")
    ] = None,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Read the whole history again, ignoring the cursor, and drop the commits "
            "it no longer has.",
        ),
    ] = False,
) -> None:
    """Read commits and review trailers (Reviewed-by, Acked-by, Phabricator) from git history."""
    settings = load_settings()
    taxonomy = taxonomy_of(settings)
    since_at = optional_date(since, "--since")
    with open_store(settings) as session:
        full_name = parse_repo_name(repo)
        target = find_repo(session, full_name)
        if target is None or ecosystem is not None:
            eco = resolve_ecosystem(taxonomy, full_name, ecosystem)
            # History from a mirror does not imply following the repo on GitHub.
            target = upsert_repo(
                session,
                full_name,
                eco,
                added_by=CLI_ACTOR,
                tracked=target.tracked if target else False,
            )
        started = time.perf_counter()
        with progress(
            TextColumn("{task.completed} commits", markup=False),
            TextColumn("{task.fields[rate]}", markup=False),
        ) as shown:
            task = shown.add_task(f"{full_name} history", total=None, rate="")

            def show(commits: int) -> None:
                rate = commits / max(time.perf_counter() - started, 1e-6)
                shown.update(task, completed=commits, rate=f"{rate:,.0f} commits/s")

            stats = ingest_git(
                session, taxonomy, target, path, since=since_at, full=full, on_progress=show
            )
        elapsed = time.perf_counter() - started
        rate = stats.commits / elapsed if elapsed > 0 else 0.0
        out.print(f"{stats.summary()}; {rate:,.0f} commits/s", soft_wrap=True)
        for problem in stats.problems[:SHOWN_PROBLEMS]:
            err.print(f"csf: {problem}", soft_wrap=True, highlight=False)
        if len(stats.problems) > SHOWN_PROBLEMS:
            err.print(f"csf: … and {len(stats.problems) - SHOWN_PROBLEMS} more", highlight=False)
        print_coverage(stats.coverage)
        refresh_cache(session, settings)


def print_coverage(coverage: TopicCoverage | None) -> None:
    """How much of the repository is in a topic; a low share warns on stderr with the why.

    Without it, a repository the taxonomy cannot place ends in "0 person-topic scores" and
    the operator has no idea which repository is at fault, or what to edit.
    """
    if coverage is None:
        return
    out.print(coverage.summary(), soft_wrap=True)
    warning = coverage.warning()
    if warning is not None:
        err.print(f"csf: warning: {warning}", soft_wrap=True, highlight=False)

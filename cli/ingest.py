"""Filling the store: `csf track` (which repositories), `csf sync` (GitHub), `csf ingest git`
and `csf ingest mail` (local histories and list archives)."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, Protocol, TypeVar

import typer
from rich.progress import TextColumn
from rich.table import Table
from sqlmodel import Session

from bot.config import Settings, load_settings
from bot.errors import BusyError, CsfError
from bot.ingest.coverage import TopicCoverage
from bot.ingest.discourse import track_forum
from bot.ingest.git import ingest_git
from bot.ingest.loop import RepoSynced, sync_tracked
from bot.ingest.mail import ingest_mail, mail_list_name
from bot.ingest.sync import SyncProgress
from bot.ingest.tracking import (
    parse_repo_name,
    resolve_ecosystem,
    track,
    track_defaults,
    tracked_repos,
    untrack,
)
from bot.sources.discourse import ForumClients, is_forum
from bot.sources.github.http import GitHubHTTP
from bot.sources.github.records import GitHubSource
from bot.store.links import archive_base
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
    repo: Annotated[
        str,
        typer.Argument(help="owner/name, e.g. iree-org/iree; or a forum, discourse:https://HOST"),
    ],
    ecosystem: Annotated[
        str | None, typer.Option("--ecosystem", "-e", help="Needed for repos not in the taxonomy.")
    ] = None,
    category: Annotated[
        list[str] | None,
        typer.Option("--category", help="A forum's category: its name, or SLUG/ID; repeatable."),
    ] = None,
) -> None:
    """Follow a repository, or categories of a Discourse forum."""
    settings = load_settings()
    with open_store(settings) as session:
        if is_forum(repo):
            with forum_clients(settings) as clients:
                repos = track_forum(
                    session,
                    taxonomy_of(settings),
                    repo,
                    category or [],
                    ecosystem,
                    source_for_host=clients.for_host,
                    actor=CLI_ACTOR,
                )
            for forum in repos:
                out.print(f"tracking {forum.full_name} ({forum.ecosystem})")
            return
        if category:
            raise CsfError("--category is for forums: csf track add discourse:https://HOST ...")
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
    """Fetch PRs, reviews, issues, owners and profiles of tracked repositories from GitHub,
    and RFC threads, design replies and answers of tracked forum categories."""
    settings = load_settings()
    since_at = optional_date(since, "--since")
    with open_store(settings) as session:
        repos = tracked_repos(session)
        if repo is not None:
            wanted = repo.strip().lower() if is_forum(repo) else parse_repo_name(repo).lower()
            repos = [r for r in repos if r.full_name.lower() == wanted]
            if not repos:
                raise CsfError(f"{repo} is not tracked: `csf track add {repo}` first")
        if not repos:
            raise CsfError(
                "no repositories tracked: `csf track defaults` or `csf track add OWNER/NAME`"
            )
        http = None
        if any(not is_forum(r.full_name) for r in repos):
            settings.require("github_token", purpose="csf sync")
            assert settings.github_token is not None
            token = settings.github_token.get_secret_value()
            http = GitHubHTTP(settings.github_api_url, token)
        with (
            http or nullcontext(),
            forum_clients(settings) as forums,
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
                return refresh_summary(session, settings, keep_unchanged=True)

            run = sync_tracked(
                session,
                GitHubSource(http) if http is not None else None,
                taxonomy_of(settings),
                refresh=refresh,
                forums=forums.for_forum,
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
        stats = _with_progress(
            "commits",
            f"{full_name} history",
            lambda show: ingest_git(
                session, taxonomy, target, path, since=since_at, full=full, on_progress=show
            ),
            lambda done: done.commits,
        )
        print_coverage(stats.coverage)
        refresh_cache(session, settings, keep_unchanged=True)


@ingest_app.command("mail")
def ingest_mail_command(
    path: Annotated[Path, typer.Argument(help="A public-inbox v2 archive (holding git/0.git …).")],
    list_name: Annotated[str, typer.Option("--list", help="The list's name, e.g. bpf.")],
    ecosystem: Annotated[
        str, typer.Option("--ecosystem", "-e", help="The ecosystem it serves, e.g. linux.")
    ],
    web: Annotated[
        str | None,
        typer.Option(
            "--web",
            help="The archive's public address for evidence links "
            "(default https://lore.kernel.org/LIST).",
        ),
    ] = None,
    full: Annotated[
        bool, typer.Option("--full", help="Read the whole archive again, ignoring the cursor.")
    ] = False,
) -> None:
    """Read mailed patches and the review given in replies (Reviewed-by, Acked-by, inline)."""
    settings = load_settings()
    taxonomy = taxonomy_of(settings)
    full_name = mail_list_name(list_name)
    try:
        base = archive_base(web or f"https://lore.kernel.org/{list_name}")
    except ValueError as error:
        raise CsfError(f"--web: {error}") from None
    with open_store(settings) as session:
        eco = resolve_ecosystem(taxonomy, full_name, ecosystem)
        # A local archive does not make csf follow anything on GitHub.
        target = upsert_repo(session, full_name, eco, added_by=CLI_ACTOR, tracked=False)
        stats = _with_progress(
            "messages",
            f"{full_name} archive",
            lambda show: ingest_mail(
                session, taxonomy, target, path, web=base, full=full, on_progress=show
            ),
            lambda done: done.messages,
        )
        print_coverage(stats.coverage)
        refresh_cache(session, settings, keep_unchanged=True)


class _Ingested(Protocol):
    problems: list[str]

    def summary(self) -> str: ...


Stats = TypeVar("Stats", bound=_Ingested)


def _with_progress(
    unit: str,
    label: str,
    run: Callable[[Callable[[int], None]], Stats],
    count: Callable[[Stats], int],
) -> Stats:
    """Run a local ingest with a live count and rate, then say its summary and its problems."""
    started = time.perf_counter()
    with progress(
        TextColumn(f"{{task.completed}} {unit}", markup=False),
        TextColumn("{task.fields[rate]}", markup=False),
    ) as shown:
        task = shown.add_task(label, total=None, rate="")

        def show(done: int) -> None:
            rate = done / max(time.perf_counter() - started, 1e-6)
            shown.update(task, completed=done, rate=f"{rate:,.0f} {unit}/s")

        stats = run(show)
    elapsed = time.perf_counter() - started
    rate = count(stats) / elapsed if elapsed > 0 else 0.0
    out.print(f"{stats.summary()}; {rate:,.0f} {unit}/s", soft_wrap=True)
    for problem in stats.problems[:SHOWN_PROBLEMS]:
        err.print(f"csf: {problem}", soft_wrap=True, highlight=False)
    if len(stats.problems) > SHOWN_PROBLEMS:
        err.print(f"csf: … and {len(stats.problems) - SHOWN_PROBLEMS} more", highlight=False)
    return stats


def forum_clients(settings: Settings) -> ForumClients:
    """Clients for Discourse forums, anonymous unless DISCOURSE_API_KEY is set."""
    key = settings.discourse_api_key
    return ForumClients(
        api_url=settings.discourse_api_url,
        api_key=key.get_secret_value() if key is not None else None,
        api_username=settings.discourse_api_username,
    )


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

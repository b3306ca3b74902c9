"""The `csf` command: the core's answers in the terminal, and the deployment's entry points.

One of the two entry modules allowed to put the pieces together. Every failure a user can fix
(`CsfError`) ends as one line on stderr and exit status 1; usage mistakes are Typer's (status 2).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.columns import Columns
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from bot import __version__
from bot.config import Settings, load_settings
from bot.demo.load import LoadReport, load_world
from bot.demo.world import NOW as DEMO_NOW
from bot.demo.world import SampleWorld, build_world
from bot.errors import CsfError
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
from bot.logs import redact, setup_logging
from bot.outreach.company import load_company
from bot.outreach.drafts import ANGLES as OUTREACH_ANGLES
from bot.outreach.drafts import TEMPLATES as OUTREACH_TEMPLATES
from bot.outreach.drafts import as_json as outreach_json
from bot.outreach.drafts import draft_outreach
from bot.outreach.roles import RoleFit, load_roles, role_fit
from bot.outreach.roles import as_json as role_fit_json
from bot.people import curation as people
from bot.people import privacy
from bot.people.places import check_region
from bot.people.retention import prune as prune_store
from bot.people.view import PersonView
from bot.ranking.scores import refresh_scores
from bot.ranking.who import WhoAnswer, load_ranking_config
from bot.ranking.who import as_json as ranking_json
from bot.ranking.who import who as rank
from bot.reports.digest import Digest, compute_digest, period_ending
from bot.reports.digest import as_json as digest_json
from bot.reports.digest import backtest as replay_digests
from bot.reports.profile import as_json as profile_json
from bot.reports.profile import build_profile
from bot.reports.talent_map import as_json as talent_map_json
from bot.reports.talent_map import talent_map
from bot.sources.github.http import GitHubHTTP
from bot.sources.github.records import GitHubSource
from bot.store.audit import as_json as audit_json
from bot.store.audit import audit_log
from bot.store.engine import make_engine, require_migrated, upgrade
from bot.store.writes import find_repo, upsert_repo
from bot.taxonomy.model import Taxonomy, as_dict, default_taxonomy, load_taxonomy
from bot.taxonomy.question import read_query
from cli.demo_scenes import (
    DemoContext,
    digest_scene,
    outreach_scene,
    profile_scene,
    role_fit_scene,
    who_message_scene,
    who_scene,
)
from cli.terminal import message as render_message
from handlers.app import serve
from scheduler.jobs import WorkerContext
from scheduler.worker import run_worker
from slackui.blocks.digest import period_label
from slackui.blocks.talent_map import chart_png
from slackui.blocks.talent_map import panels as map_panels
from slackui.blocks.talent_map import title as map_title
from slackui.digest_post import post_digest, team_of
from slackui.web import web_client

app = typer.Typer(
    name="csf",
    help="csf finds, explains and tracks high-signal open-source compiler engineers.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
track_app = typer.Typer(help="Choose the repositories csf follows.", no_args_is_help=True)
ingest_app = typer.Typer(help="Read contributions from local sources.", no_args_is_help=True)
app.add_typer(track_app, name="track")
people_app = typer.Typer(
    help="See and correct who is who; export or forget a person.", no_args_is_help=True
)
app.add_typer(ingest_app, name="ingest")
app.add_typer(people_app, name="people")
scores_app = typer.Typer(
    help="The score cache that answers known-topic `who` queries fast.", no_args_is_help=True
)
app.add_typer(scores_app, name="scores")

out = Console()
err = Console(stderr=True)
CLI_ACTOR = "cli"


def _taxonomy(settings: Settings) -> Taxonomy:
    return load_taxonomy(settings.taxonomy_path)


@contextmanager
def _store(settings: Settings) -> Iterator[Session]:
    """A session on a migrated store, committed on success."""
    engine = make_engine(settings.database_url)
    try:
        require_migrated(engine)
        with Session(engine) as session:
            yield session
            session.commit()
    finally:
        engine.dispose()


@app.callback(invoke_without_command=True)
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    if version:
        out.print(f"csf {__version__}")
        raise typer.Exit()


@app.command()
def migrate() -> None:
    """Create the store's schema, or upgrade it to this version of csf."""
    settings = load_settings()
    engine = make_engine(settings.database_url)
    try:
        before, after = upgrade(engine)
    finally:
        engine.dispose()
    where = engine.url.render_as_string(hide_password=True)
    if before == after:
        out.print(f"store at {where} is up to date (schema {after})")
    else:
        out.print(f"store at {where} migrated: schema {before or 'none'} -> {after}")


@app.command()
def topics(
    ecosystem: Annotated[str | None, typer.Argument(help="mlir, llvm, tvm, triton, ...")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    file: Annotated[
        str | None, typer.Option("--file", help="Validate and list this taxonomy file instead.")
    ] = None,
) -> None:
    """List the ecosystems and topics csf knows, with the aliases `who` understands."""
    taxonomy = load_taxonomy(file) if file else _taxonomy(load_settings())
    ecosystems = list(taxonomy.ecosystems)
    if ecosystem is not None:
        eco = taxonomy.ecosystem(ecosystem)
        if eco is None:
            known = ", ".join(e.key for e in taxonomy.ecosystems)
            raise CsfError(f"unknown ecosystem {ecosystem!r}: choose one of {known}")
        ecosystems = [eco]
    if as_json:
        data = as_dict(taxonomy)
        print(json.dumps({eco.key: data[eco.key] for eco in ecosystems}, indent=2))
        return
    for eco in ecosystems:
        table = Table(
            title=f"{eco.name} ({eco.key}) - repos: {', '.join(eco.repos)}",
            title_justify="left",
        )
        table.add_column("topic", style="bold")
        table.add_column("name")
        table.add_column("also answers to")
        table.add_column("labels")
        for topic in eco.topics:
            table.add_row(topic.id, topic.name, ", ".join(topic.aliases), ", ".join(topic.labels))
        out.print(table)


@track_app.command("add")
def track_add(
    repo: Annotated[str, typer.Argument(help="owner/name, e.g. iree-org/iree")],
    ecosystem: Annotated[
        str | None, typer.Option("--ecosystem", "-e", help="Needed for repos not in the taxonomy.")
    ] = None,
) -> None:
    """Follow a repository."""
    settings = load_settings()
    with _store(settings) as session:
        added = track(session, _taxonomy(settings), repo, ecosystem, actor=CLI_ACTOR)
        out.print(f"tracking {added.full_name} ({added.ecosystem})")


@track_app.command("defaults")
def track_add_defaults() -> None:
    """Follow every default repository of every ecosystem in the taxonomy."""
    settings = load_settings()
    with _store(settings) as session:
        repos = track_defaults(session, _taxonomy(settings), actor=CLI_ACTOR)
        out.print(f"tracking {len(repos)} repositories: {', '.join(r.full_name for r in repos)}")


@track_app.command("remove")
def track_remove(repo: Annotated[str, typer.Argument(help="owner/name")]) -> None:
    """Stop syncing a repository (its history is kept)."""
    settings = load_settings()
    with _store(settings) as session:
        removed = untrack(session, repo, actor=CLI_ACTOR)
        out.print(f"no longer tracking {removed.full_name}; its history is kept")


@track_app.command("list")
def track_list() -> None:
    """Show the repositories csf follows."""
    settings = load_settings()
    with _store(settings) as session:
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
def run() -> None:
    """Run the Slack bot: Socket Mode when SLACK_APP_TOKEN is set, else HTTP on $PORT."""
    settings = load_settings()
    setup_logging(settings)  # redacting; main() did it already, this keeps `run` self-contained
    serve(settings)


@app.command()
def worker() -> None:
    """Run the scheduler: syncs, the weekly digest, reminders (stops cleanly on SIGTERM)."""
    settings = load_settings()
    setup_logging(settings)  # redacting: tokens never reach the worker's log
    engine = make_engine(settings.database_url)
    try:
        require_migrated(engine)
        context = WorkerContext(
            settings=settings,
            engine=engine,
            taxonomy=_taxonomy(settings),
            ranking=load_ranking_config(settings.ranking_config),
        )
        run_worker(context)
    finally:
        engine.dispose()


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
    since_at = _parse_date(since, "--since") if since else None
    with _store(settings) as session:
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
            Progress(
                TextColumn("{task.description}"),
                BarColumn(bar_width=None, pulse_style="cyan"),
                TextColumn("{task.fields[detail]}"),
                TimeElapsedColumn(),
                console=err,
                transient=True,
            ) as progress,
        ):
            task = progress.add_task("starting", total=None, detail="")

            def show(event: SyncProgress) -> None:
                left = "?" if event.requests_left is None else str(event.requests_left)
                detail = f"{event.pages} pages, {event.items} items, {left} requests left"
                progress.update(task, description=f"{event.repo} {event.stage}", detail=detail)

            def report(outcome: RepoSynced) -> None:
                if outcome.stats is not None:
                    out.print(outcome.stats.summary(), soft_wrap=True)
                else:
                    err.print(f"csf: {outcome.error}", soft_wrap=True, highlight=False)

            def refresh(session: Session) -> str:
                progress.stop()  # one live display at a time: the refresh shows its own
                return _refresh_scores(session, settings)

            run = sync_tracked(
                session,
                GitHubSource(http),
                _taxonomy(settings),
                refresh=refresh,
                repos=repos,
                since=since_at,
                on_repo=report,
                on_progress=show,
            )
        out.print(run.refreshed, soft_wrap=True)
    if run.failed:
        raise CsfError(f"not synced: {', '.join(run.failed)} (see above)")


def _parse_date(text: str, option: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise CsfError(f"{option} {text!r} is not a date: write YYYY-MM-DD") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


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
        bool, typer.Option("--full", help="Read the whole history again, ignoring the cursor.")
    ] = False,
) -> None:
    """Read commits and review trailers (Reviewed-by, Acked-by, Phabricator) from git history."""
    settings = load_settings()
    taxonomy = _taxonomy(settings)
    since_at = _parse_date(since, "--since") if since else None
    with _store(settings) as session:
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
        with Progress(
            TextColumn("{task.description}"),
            TextColumn("{task.completed} commits"),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        ) as progress:
            task = progress.add_task(f"{full_name} history", total=None, rate="")

            def show(commits: int) -> None:
                rate = commits / max(time.perf_counter() - started, 1e-6)
                progress.update(task, completed=commits, rate=f"{rate:,.0f} commits/s")

            stats = ingest_git(
                session, taxonomy, target, path, since=since_at, full=full, on_progress=show
            )
        elapsed = time.perf_counter() - started
        rate = stats.commits / elapsed if elapsed > 0 else 0.0
        out.print(f"{stats.summary()}; {rate:,.0f} commits/s", soft_wrap=True)
        _refresh(session, settings)


def _refresh(session: Session, settings: Settings, as_of: datetime | None = None) -> None:
    """Rebuild the score cache from what is now in the store (after an ingest or a curation)."""
    session.commit()  # what was ingested stays, whatever the refresh does
    summary = _refresh_scores(session, settings, as_of)
    session.commit()
    out.print(summary, soft_wrap=True)


def _refresh_scores(session: Session, settings: Settings, as_of: datetime | None = None) -> str:
    """Refresh the score cache under a spinner; its one-line summary."""
    config = load_ranking_config(settings.ranking_config)
    with err.status("refreshing the score cache"):
        refreshed = refresh_scores(session, _taxonomy(settings), config, as_of=as_of)
    return refreshed.summary()


@scores_app.command("refresh")
def scores_refresh(
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Sum as of YYYY-MM-DD instead of now (for replays)."),
    ] = None,
) -> None:
    """Sum every person's points in every topic again (sync and ingest do this at their end)."""
    settings = load_settings()
    when = _parse_date(as_of, "--as-of") if as_of else None
    with _store(settings) as session:
        _refresh(session, settings, when)


@people_app.command("show")
def people_show(person: Annotated[str, typer.Argument(help="login, address or #ID")]) -> None:
    """Show the identities csf holds for a person (addresses only as hashes)."""
    settings = load_settings()
    with _store(settings) as session:
        found = people.find(session, person)
        out.print(f"#{found.id} {found.name or ''} {('@' + found.login) if found.login else ''}")
        table = Table("identity", "domain", "seen")
        for identity in people.identities(session, found):
            table.add_row(
                f"{identity.kind}:{identity.value}",
                identity.domain or "",
                identity.seen_at.strftime("%Y-%m-%d"),
            )
        out.print(table)


@people_app.command("merge")
def people_merge(
    keep: Annotated[str, typer.Argument(help="the person to keep (login, address or #ID)")],
    drop: Annotated[str, typer.Argument(help="the person merged into it")],
) -> None:
    """Join two records of one person; later syncs and ingests keep them joined."""
    settings = load_settings()
    with _store(settings) as session:
        kept = people.merge(
            session, people.find(session, keep), people.find(session, drop), actor=CLI_ACTOR
        )
        out.print(f"merged {drop} into #{kept.id}")
        _refresh(session, settings)  # cached answers would still rank the two apart


@people_app.command("split")
def people_split(
    person: Annotated[str, typer.Argument(help="login, address or #ID")],
    identity: Annotated[
        list[str], typer.Argument(help="identities to move out, as `csf people show` lists them")
    ],
) -> None:
    """Move identities, and the work seen under them, from a person to a new person."""
    settings = load_settings()
    with _store(settings) as session:
        new = people.split(session, people.find(session, person), identity, actor=CLI_ACTOR)
        out.print(f"moved {len(identity)} identities to new person #{new.id}")
        _refresh(session, settings)


@people_app.command("forget")
def people_forget(
    person: Annotated[
        str, typer.Argument(help="GitHub login, address or #ID (an unknown address still works)")
    ],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Erase a person for good and keep them out of every later sync and ingest."""
    settings = load_settings()
    with _store(settings) as session:
        plan = privacy.plan_forget(session, person)
        out.print(escape(plan.summary()), soft_wrap=True, highlight=False)
        if not yes and not _confirm("Erase for good? This cannot be undone"):
            raise CsfError("nothing erased (confirm, or pass --yes)")
        report = privacy.forget(session, person, actor=CLI_ACTOR)
        what = "erased and suppressed" if report.person_found else "suppressed"
        out.print(
            f"{what} ({report.suppressed} identities newly suppressed); audit reference "
            f"{report.reference}",
            soft_wrap=True,
            highlight=False,
        )


@people_app.command("export")
def people_export(
    person: Annotated[str, typer.Argument(help="GitHub login, address or #ID")],
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write the JSON to this file (mode 600).")
    ] = None,
) -> None:
    """Everything csf holds about a person, as JSON (a subject access request)."""
    settings = load_settings()
    with _store(settings) as session:
        data = privacy.export(session, people.find(session, person), actor=CLI_ACTOR)
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        if out_file is None:
            sys.stdout.write(text)
            return
        # Personal data: readable by the operator only.
        with open(out_file, "w", encoding="utf-8", opener=_private_opener) as handle:
            handle.write(text)
        err.print(f"wrote {out_file}", highlight=False)


def _confirm(question: str) -> bool:
    try:
        return typer.confirm(question, default=False)
    except typer.Abort:  # no answer (stdin closed): that is a no
        return False


def _private_opener(path: str, flags: int) -> int:
    return os.open(path, flags, 0o600)


@app.command()
def audit(
    since: Annotated[str | None, typer.Option("--since", help="From YYYY-MM-DD.")] = None,
    as_json_output: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
) -> None:
    """Who searched, saved, changed, exported or forgot what, and when."""
    settings = load_settings()
    since_at = _parse_date(since, "--since") if since else None
    with _store(settings) as session:
        events = audit_log(session, since=since_at)
        if as_json_output:
            for event in events:
                print(json.dumps(audit_json(event), ensure_ascii=False))
            return
        if not events:
            out.print("no audit events" + (f" since {since}" if since else ""))
            return
        table = Table("when (UTC)", "who", "action", "target", "detail")
        for event in events:
            table.add_row(
                f"{event.at:%Y-%m-%d %H:%M}",
                escape(event.actor),
                event.action,
                escape(event.target or ""),
                escape(json.dumps(event.detail or {}, ensure_ascii=False)),
            )
        out.print(table)


@app.command()
def prune(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what would go; change nothing.")
    ] = False,
) -> None:
    """Remove activity older than CSF_RETENTION_YEARS, and inactive people never shortlisted."""
    settings = load_settings()
    with _store(settings) as session:
        report = prune_store(
            session,
            now=datetime.now(UTC),
            years=settings.retention_years,
            dry_run=dry_run,
            actor=CLI_ACTOR,
        )
        out.print(report.summary(), soft_wrap=True, highlight=False)


@app.command()
def who(
    words: Annotated[list[str], typer.Argument(help="e.g. mlir bufferization")],
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=200)] = 10,
    region: Annotated[
        str | None, typer.Option("--region", help="uk, eu, europe, us, other or unknown")
    ] = None,
    window_days: Annotated[int | None, typer.Option("--window-days", min=1)] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Replay the answer of a past date (YYYY-MM-DD).")
    ] = None,
    as_json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Rank the people who matter most in an area, with evidence."""
    check_region(region)
    settings = load_settings()
    taxonomy = _taxonomy(settings)
    config = load_ranking_config(settings.ranking_config)
    when = _parse_date(as_of, "--as-of") if as_of else datetime.now(UTC)
    reading = read_query(taxonomy, words)
    with _store(settings) as session:
        answer = rank(
            session,
            taxonomy,
            reading,
            config=config,
            as_of=when,
            window_days=window_days,
            limit=limit,
            region=region,
            cached=as_of is None,  # a date asked for is replayed exactly, never from the cache
        )
        if as_json_output:
            print(json.dumps(ranking_json(answer), indent=2, ensure_ascii=False))
            return
        _print_who(answer, region)


def _print_who(answer: WhoAnswer, region: str | None) -> None:
    reading = answer.reading
    where = f", {region}" if region else ""
    out.print(f"[bold]{escape(reading.label)}[/bold]  ({_window_label(answer)}{where})")
    if not answer.results:
        if reading.suggestions:
            out.print("no one found; did you mean: " + ", ".join(reading.suggestions))
        elif not reading.tags:
            out.print("no known ecosystem or topic in that query: see `csf topics`")
        else:
            out.print("no one found for that in this window: try --window-days 730")
        return
    table = Table("#", "person", "where", "score", "why", show_lines=True)
    for result in answer.results:
        person = result.person
        shown = PersonView.from_dict(person)
        handle = f"\n@{shown.login}" if shown.login else ""
        place_text = person["location"] or ""
        at = ", ".join(a["name"] for a in person.get("affiliations", []))
        evidence = "".join(
            f"\n  • {e.title} ({e.when:%Y-%m-%d}, {e.size}) {e.url or ''}" for e in result.evidence
        )
        table.add_row(
            str(result.rank),
            escape(shown.label + handle),
            escape(f"{place_text}\n{person['region']}".strip() + (f"\n{at}" if at else "")),
            f"{result.score:.1f}",
            escape(result.reason + evidence),
        )
    out.print(table)


def _window_label(answer: WhoAnswer) -> str:
    label = f"{answer.window_days} days to {answer.as_of:%Y-%m-%d}"
    if answer.scores_as_of is not None:
        label += f", scores from {answer.scores_as_of:%Y-%m-%d %H:%M} UTC"
    return label


@app.command()
def profile(
    person: Annotated[str, typer.Argument(help="GitHub login, address or #ID")],
    window_days: Annotated[int | None, typer.Option("--window-days", min=1)] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="YYYY-MM-DD")] = None,
    role: Annotated[
        str | None,
        typer.Option("--role", help="Role to rate them for (default: the roles file's default)."),
    ] = None,
    as_json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Everything csf knows about one person: topics, activity, languages, evidence, role fit."""
    settings = load_settings()
    taxonomy = _taxonomy(settings)
    config = load_ranking_config(settings.ranking_config)
    chosen_role = load_roles(settings.roles_path).get(role)
    when = _parse_date(as_of, "--as-of") if as_of else datetime.now(UTC)
    with _store(settings) as session:
        found = people.find(session, person)
        shown = build_profile(
            session, taxonomy, found, config=config, as_of=when, window_days=window_days
        )
        fit = role_fit(session, found, chosen_role, as_of=when)
        if as_json_output:
            data = profile_json(shown)
            data["role_fit"] = role_fit_json(fit)
            print(json.dumps(data, indent=2, ensure_ascii=False))
            return
        view = shown.person
        person_shown = PersonView.from_dict(view)
        handle = f" @{person_shown.login}" if person_shown.login else ""
        out.print(
            f"[bold]{escape(person_shown.label)}[/bold]{escape(handle)}  "
            f"{escape(view['location'] or 'location unknown')} ({view['region']})"
        )
        if view["company"]:
            out.print(escape(view["company"]))
        if view["affiliations"]:
            out.print(
                "affiliations (from email domains)  "
                + escape(", ".join(f"{a['name']} ({a['domain']})" for a in view["affiliations"]))
            )
        out.print(f"last 12 months  {shown.sparkline}  ({sum(shown.monthly)} contributions)")
        if shown.languages:
            out.print("languages  " + ", ".join(f"{lang} {pct}%" for lang, pct in shown.languages))
        table = Table("topic", "score", "activity", "last active")
        for activity in shown.topics[:10]:
            counts = ", ".join(f"{n} {kind}" for kind, n in sorted(activity.counts.items()))
            table.add_row(
                f"{activity.topic} ({activity.name})",
                f"{activity.score:.1f}",
                counts,
                f"{activity.last_active:%Y-%m-%d}",
            )
        out.print(table)
        for item in shown.evidence:
            out.print(
                escape(f"  • {item.title} ({item.when:%Y-%m-%d}, {item.size}) {item.url or ''}")
            )
        _print_role_fit(fit)


def _print_role_fit(fit: RoleFit) -> None:
    out.print()
    out.print(f"[bold]{escape(fit.role_name)} fit[/bold]  ({fit.window_days} days of public work)")
    out.print(escape(fit.summary), soft_wrap=True)
    table = Table("dimension", "evidence", "what csf found", show_lines=True)
    for dimension in fit.dimensions:
        found = "\n".join(dimension.findings)
        examples = "".join(f"\n  • {e.title} {e.url or ''}" for e in dimension.examples)
        table.add_row(escape(dimension.name), dimension.rating.label, escape(found + examples))
    out.print(table)


digest_app = typer.Typer(
    help="The weekly digest of newly active, high-signal contributors.",
    invoke_without_command=True,
)
app.add_typer(digest_app, name="digest")


def _digest_team(settings: Settings) -> str:
    """The Slack team the bot token belongs to (auth.test); "cli" without Slack."""
    return team_of(web_client(settings)) if settings.has_slack else CLI_ACTOR


def _digest_day(text: str | None, settings: Settings) -> date:
    if text is None:
        return datetime.now(settings.tz).date()
    return _parse_date(text, "--as-of").date()


@digest_app.callback()
def digest(
    ctx: typer.Context,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="The digest of a past date (YYYY-MM-DD), from data before it."
        ),
    ] = None,
    as_json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    post: Annotated[
        bool, typer.Option("--post", help="Post it to CSF_DIGEST_CHANNEL (once per period).")
    ] = False,
) -> None:
    """Show (or post) the digest of the 7 days before today, or before --as-of."""
    if ctx.invoked_subcommand is not None:
        return
    settings = load_settings()
    if post:
        settings.require("slack_bot_token", "digest_channel", purpose="csf digest --post")
    taxonomy = _taxonomy(settings)
    config = load_ranking_config(settings.ranking_config)
    period = period_ending(
        _digest_day(as_of, settings), settings.tz, int(config["digest"]["period_days"])
    )
    team = _digest_team(settings)
    with _store(settings) as session:
        found = compute_digest(session, taxonomy, config=config, team_id=team, period=period)
        if post:
            assert settings.digest_channel is not None
            outcome = post_digest(
                session, web_client(settings), taxonomy, found, channel=settings.digest_channel
            )
            out.print(f"digest {period_label(period)}: {escape(outcome.note)}", soft_wrap=True)
            return
        if as_json_output:
            print(json.dumps(digest_json(found), indent=2, ensure_ascii=False))
            return
        _print_digest(found)


@digest_app.command("backtest")
def digest_backtest(
    first: Annotated[str, typer.Option("--from", help="Date of the first digest (YYYY-MM-DD).")],
    last: Annotated[str, typer.Option("--to", help="Date of the last digest (YYYY-MM-DD).")],
    as_json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Replay every weekly digest from --from to --to, each from data before its own date."""
    settings = load_settings()
    start, end = _parse_date(first, "--from").date(), _parse_date(last, "--to").date()
    if end < start:
        raise CsfError("--to is before --from")
    taxonomy = _taxonomy(settings)
    config = load_ranking_config(settings.ranking_config)
    team = _digest_team(settings)
    with _store(settings) as session:
        started = time.perf_counter()
        digests = replay_digests(
            session,
            taxonomy,
            config=config,
            team_id=team,
            first=start,
            last=end,
            tz=settings.tz,
        )
        elapsed = time.perf_counter() - started
    if as_json_output:
        data = {
            "from": start.isoformat(),
            "to": end.isoformat(),
            "digests": [digest_json(d) for d in digests],
        }
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return
    table = Table("digest", "ecosystem › topic", "person", "score", "why now", show_lines=False)
    for replayed in digests:
        day = f"{replayed.period.end.astimezone(settings.tz):%Y-%m-%d}"
        if not replayed.entries:
            table.add_row(day, "", "[dim]no one new[/dim]", "", "")
        for entry in replayed.entries:
            table.add_row(
                day,
                escape(entry.label),
                escape(_person_label(entry.person)),
                f"{entry.score:.1f}",
                escape(entry.reason),
            )
    out.print(table)
    people_seen = {e.person_id for d in digests for e in d.entries}
    entries = sum(len(d.entries) for d in digests)
    per = elapsed / len(digests) if digests else 0.0
    out.print(
        f"{len(digests)} digests, {entries} entries, {len(people_seen)} people; "
        f"{per:.2f} s per digest"
    )


def _person_label(person: dict[str, Any]) -> str:
    """`Name @login` for the terminal's one-line mentions of a person."""
    shown = PersonView.from_dict(person)
    return f"{shown.label} @{shown.login}" if shown.login else shown.label


def _print_digest(found: Digest) -> None:
    count = len(found.entries)
    out.print(
        f"[bold]Newly active, {period_label(found.period)}[/bold] ({found.period.zone}): "
        f"{count} {'person' if count == 1 else 'people'}"
    )
    if not found.entries:
        out.print("no one crossed the bar in this period")
    for _, entries in found.by_ecosystem():
        out.print(f"\n[bold]{escape(entries[0].ecosystem_name)}[/bold]")
        for rank_number, entry in enumerate(entries, start=1):
            person = entry.person
            where = person.get("location") or person.get("region") or ""
            out.print(
                escape(
                    f"  {rank_number}. {_person_label(person)} ({where}) - {entry.topic_name}, "
                    f"score {entry.score:.1f}"
                ),
                soft_wrap=True,
            )
            out.print(escape(f"     {entry.reason}"), soft_wrap=True)
            for item in entry.evidence:
                out.print(
                    escape(
                        f"     • {item.title} ({item.when:%Y-%m-%d}, {item.size}) {item.url or ''}"
                    ),
                    soft_wrap=True,
                )


@app.command("map")
def talent_map_command(
    words: Annotated[
        list[str] | None, typer.Argument(help="an ecosystem or topic, e.g. triton or mlir linalg")
    ] = None,
    region: Annotated[
        str | None, typer.Option("--region", help="uk, eu, europe, us, other or unknown")
    ] = None,
    window_days: Annotated[int | None, typer.Option("--window-days", min=1)] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="YYYY-MM-DD")] = None,
    png: Annotated[
        Path | None, typer.Option("--png", help="Also draw the map as a PNG chart here.")
    ] = None,
    as_json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The talent map: an area's high-signal people by country, city, company and university."""
    check_region(region)
    if not words:
        raise CsfError("name an ecosystem or topic, e.g. `csf map triton` (see `csf topics`)")
    settings = load_settings()
    taxonomy = _taxonomy(settings)
    config = load_ranking_config(settings.ranking_config)
    when = _parse_date(as_of, "--as-of") if as_of else datetime.now(UTC)
    with _store(settings) as session:
        tmap = talent_map(
            session,
            taxonomy,
            read_query(taxonomy, words),
            config=config,
            as_of=when,
            region=region,
            window_days=window_days,
        )
    if as_json_output:
        print(json.dumps(talent_map_json(tmap), indent=2, ensure_ascii=False))
    else:
        out.print(f"[bold]{escape(map_title(tmap))}[/bold]")
        tables = []
        for name, counts in map_panels(tmap):
            table = Table(name.lower(), "people", title_justify="left")
            for count in counts[:15]:
                table.add_row(escape(count.label), str(count.people))
            tables.append(table)
        cities = Table("city", "people")
        for count in tmap.cities[:15]:
            cities.add_row(escape(count.label), str(count.people))
        out.print(Columns([tables[0], cities, *tables[1:]]))
    if png is not None:
        png.write_bytes(chart_png(tmap))
        err.print(f"chart written to {escape(str(png))}")


@app.command()
def outreach(
    login: Annotated[str, typer.Argument(help="GitHub login, address or #ID")],
    template: Annotated[
        str, typer.Option("--template", help="first_email, dm or follow_up")
    ] = "first_email",
    angle: Annotated[
        str | None,
        typer.Option("--angle", help="latest_pr, substantial_pr, reviews or design"),
    ] = None,
    role: Annotated[
        str | None, typer.Option("--role", help="Role to name (default: the company's first).")
    ] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="YYYY-MM-DD")] = None,
    as_json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Draft a personal message that cites the person's own work; csf never sends it."""
    if template not in OUTREACH_TEMPLATES:
        raise CsfError(f"--template {template!r}: choose one of {', '.join(OUTREACH_TEMPLATES)}")
    if angle is not None and angle not in OUTREACH_ANGLES:
        raise CsfError(f"--angle {angle!r}: choose one of {', '.join(OUTREACH_ANGLES)}")
    settings = load_settings()
    company = load_company(settings.company_profile)
    chosen_role = company.role(load_roles(settings.roles_path), role)
    taxonomy = _taxonomy(settings)
    config = load_ranking_config(settings.ranking_config)
    when = _parse_date(as_of, "--as-of") if as_of else datetime.now(UTC)
    with _store(settings) as session:
        found = people.find(session, login)
        draft = draft_outreach(
            session,
            taxonomy,
            found,
            company=company,
            role=chosen_role,
            as_of=when,
            template=template,
            angle=angle,
            config=config,
        )
    if as_json_output:
        print(json.dumps(outreach_json(draft), indent=2, ensure_ascii=False))
        return
    # Plain print: the draft is for copying, so no console markup or wrapping touches it.
    if draft.routes:
        print("To (routes they published):")
        for route in draft.routes:
            print(f"  {route.value}: {route.note}")
    else:
        print("To: they publish no contact route")
    if draft.subject:
        print(f"Subject: {draft.subject}")
    print()
    print(draft.body)
    print()
    others = [a for a in draft.angles if a != draft.angle]
    print(f"-- angle: {draft.angle}" + (f" (also: {', '.join(others)})" if others else ""))
    print(f"-- role: {draft.role_name}; theme: {draft.theme}")
    print("-- a draft: csf never sends it; read it, make it yours, send it yourself")


@app.command()
def demo(
    store: Annotated[
        Path | None,
        typer.Option(
            "--store", help="Keep the demo's SQLite store here (default: a temporary folder)."
        ),
    ] = None,
) -> None:
    """Run csf offline on a fictional sample world: sync it, ask, see the answers as in Slack."""
    started = time.perf_counter()
    if store is not None and store.exists():
        # A fictional world must never be mixed into a real store by a slip of the path.
        raise CsfError(f"{store} already exists: the demo fills a new store; choose another path")
    world = build_world()
    taxonomy = default_taxonomy()  # the sample world is laid out for the shipped taxonomy
    config = load_ranking_config(None)
    out.print(
        f"[bold]csf demo[/bold]: a fictional sample world of {len(world.people)} invented people "
        f"across MLIR, LLVM, TVM, Triton, XLA, IREE and Linux, as of "
        f"{world.now:%A %d %B %Y}. No network, no credentials: a GitHub on 127.0.0.1 serves it, "
        "and csf reads it with the same code that reads api.github.com."
    )
    with tempfile.TemporaryDirectory(prefix="csf-demo-") as folder:
        path = store or Path(folder) / "demo.db"
        engine = make_engine(f"sqlite:///{path}")
        try:
            upgrade(engine)
            with Session(engine) as session:
                report = _demo_load(session, taxonomy, world)
                for line in report.summaries:
                    out.print(f"  [dim]{escape(line)}[/dim]", soft_wrap=True)
                for line in report.skipped:
                    out.print(f"  [yellow]skipped {escape(line)}[/yellow]", soft_wrap=True)
                ctx = DemoContext(session, taxonomy, config, world)
                _demo_scenes(ctx)
        finally:
            engine.dispose()
    _demo_next_steps(store)
    out.print(f"[dim]demo finished in {time.perf_counter() - started:.1f} s[/dim]")


def _demo_load(session: Session, taxonomy: Taxonomy, world: SampleWorld) -> LoadReport:
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(bar_width=None, pulse_style="cyan"),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task("syncing the sample world", total=None, detail="")

        def show(event: SyncProgress) -> None:
            detail = f"{event.pages} pages, {event.items} items"
            progress.update(task, description=f"{event.repo} {event.stage}", detail=detail)

        return load_world(session, taxonomy, world, on_progress=show)


def _demo_scenes(ctx: DemoContext) -> None:
    """The questions a sourcer asks in their first minutes, with csf's Slack answers."""
    bufferization_words = ["mlir", "bufferization"]
    bufferization = who_scene(ctx, bufferization_words)
    amd_words = ["triton", "amd", "backend"]
    amd_uk = who_scene(ctx, amd_words, region="uk")
    candidates = amd_uk.results or bufferization.results
    scenes = [
        who_message_scene(
            "Who matters most in MLIR bufferization?", bufferization_words, bufferization
        ),
        who_message_scene("Who works on Triton's AMD backend, in the UK?", amd_words, amd_uk, "uk"),
        digest_scene(ctx),
    ]
    if candidates:
        person_id = candidates[0].person_id
        scenes += [
            profile_scene(ctx, person_id),
            role_fit_scene(ctx, person_id),
            outreach_scene(ctx, person_id),
        ]
    for scene in scenes:
        out.print()
        out.rule(f"[bold]▶ {escape(scene.command)}[/bold]  {escape(scene.title)}", align="left")
        if scene.message is None:
            out.print(f"  (arrives with {escape(scene.pending or 'a later issue')})")
            continue
        ephemeral = scene.command.startswith("/csf")
        note = "only visible to you" if ephemeral else None
        out.print(render_message(scene.message, title="csf", note=note))


def _demo_next_steps(store: Path | None) -> None:
    out.print()
    out.rule("[bold]Next: your own Slack and GitHub[/bold]", align="left")
    steps = [
        "Slack: create an app at https://api.slack.com/apps from [bold]manifest.yml[/bold] "
        "(From a manifest), install it, then set SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET and, "
        "for Socket Mode, SLACK_APP_TOKEN (see README, Connect Slack).",
        "GitHub: export GITHUB_TOKEN=... (a fine-grained token with public read access).",
        "Store: csf migrate (SQLite ./csf.db by default; CSF_DATABASE_URL for PostgreSQL).",
        "Follow repositories: csf track defaults, or csf track add llvm/llvm-project.",
        "Fill the store: csf sync (incremental; run it again any time).",
        "Ask in the terminal: csf who mlir bufferization; csf profile LOGIN.",
        "Run the bot: csf run (Socket Mode when SLACK_APP_TOKEN is set, else HTTP on $PORT).",
    ]
    for number, step in enumerate(steps, start=1):
        out.print(f"  {number}. {step}", soft_wrap=True)
    if store is not None:
        out.print(
            f"\nThe demo's store is kept at {escape(str(store))}; explore it with e.g. "
            f"CSF_DATABASE_URL=sqlite:///{escape(str(store))} csf who tvm meta_schedule "
            f"--as-of {DEMO_NOW:%Y-%m-%d}",
            soft_wrap=True,
        )


def main() -> None:
    """Console-script entry: one line per user-fixable failure, never a traceback."""
    try:
        setup_logging(load_settings())
    except CsfError:
        setup_logging()  # the command itself reports the bad setting, in one line
    try:
        app()
    except CsfError as error:
        print(f"csf: {redact(str(error))}", file=sys.stderr)
        sys.exit(1)
    except OperationalError as error:
        # Locked, read-only or vanished databases are the user's to fix, not a crash.
        reason = str(error.orig).strip().splitlines()[0] if error.orig else "refused"
        if "locked" in reason or "busy" in reason:
            print(
                "csf: the store is busy (another csf process is writing to it): "
                "try again in a moment",
                file=sys.stderr,
            )
        else:
            print(f"csf: the database refused the operation: {redact(reason)}", file=sys.stderr)
        sys.exit(1)

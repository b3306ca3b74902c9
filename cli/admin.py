"""Looking after the store: `csf migrate`, `csf audit`, `csf prune`, `csf scores refresh`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from bot.config import load_settings
from bot.ingest.retag import retag as retag_store
from bot.people.retention import prune as prune_store
from bot.store.audit import as_json as audit_json
from bot.store.audit import audit_log
from bot.store.engine import make_engine, upgrade
from cli.app import CLI_ACTOR, app, open_store, optional_date, refresh_cache, taxonomy_of
from cli.render import err, json_text, out, print_json

scores_app = typer.Typer(
    help="The score cache that answers known-topic `who` queries fast.", no_args_is_help=True
)
app.add_typer(scores_app, name="scores")


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
def audit(
    since: Annotated[str | None, typer.Option("--since", help="From YYYY-MM-DD.")] = None,
    as_json_output: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
) -> None:
    """Who searched, saved, changed, exported or forgot what, and when."""
    settings = load_settings()
    since_at = optional_date(since, "--since")
    with open_store(settings) as session:
        events = audit_log(session, since=since_at)
        if as_json_output:
            for event in events:
                print_json(audit_json(event), indent=None)
            return
        if not events:
            out.print("no audit events" + (f" since {since}" if since is not None else ""))
            return
        table = Table("when (UTC)", "who", "action", "target", "detail")
        for event in events:
            table.add_row(
                f"{event.at:%Y-%m-%d %H:%M}",
                event.actor,
                event.action,
                event.target or "",
                json_text(event.detail or {}, indent=None),
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
    with open_store(settings) as session:
        report = prune_store(
            session,
            now=datetime.now(UTC),
            years=settings.retention_years,
            dry_run=dry_run,
            actor=CLI_ACTOR,
        )
        out.print(report.summary(), soft_wrap=True, highlight=False)


@scores_app.command("refresh")
def scores_refresh(
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Sum as of YYYY-MM-DD instead of now (for replays)."),
    ] = None,
    retag: Annotated[
        bool,
        typer.Option(
            "--retag",
            help="First tag all stored work again under the taxonomy as it is now "
            "(after editing CSF_TAXONOMY or upgrading csf).",
        ),
    ] = False,
) -> None:
    """Sum every person's points in every topic again (sync and ingest do this at their end)."""
    settings = load_settings()
    when = optional_date(as_of, "--as-of")
    with open_store(settings) as session:
        if retag:
            with err.status("tagging stored work again") as status:
                done = retag_store(
                    session,
                    taxonomy_of(settings),
                    on_progress=lambda n: status.update(f"tagging stored work again: {n:,} read"),
                )
            out.print(done.summary(), soft_wrap=True, highlight=False)
        refresh_cache(session, settings, when)

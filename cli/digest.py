"""The weekly digest in the terminal: `csf digest` (show or post one), `csf digest backtest`."""

from __future__ import annotations

import time
from datetime import date, datetime
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from bot.config import Settings, load_settings
from bot.datafile import MOST_DAYS
from bot.dates import parse_date
from bot.errors import CsfError
from bot.ranking.who import load_ranking_config
from bot.reports.digest import as_json as digest_json
from bot.reports.digest import backtest as replay_digests
from bot.reports.digest import compute_digest, period_ending
from cli.app import CLI_ACTOR, app, open_store, taxonomy_of
from cli.render import out, person_label, print_digest, print_json
from slackui.blocks.digest import period_label
from slackui.digest_post import post_digest, team_of
from slackui.web import slack_from_terminal, web_client

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
    return parse_date(text, "--as-of").date()


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
    taxonomy = taxonomy_of(settings)
    config = load_ranking_config(settings.ranking_config)
    period = period_ending(
        _digest_day(as_of, settings), settings.tz, int(config["digest"]["period_days"])
    )
    with slack_from_terminal(settings, "csf digest --post"):
        team = _digest_team(settings)
    with open_store(settings) as session:
        found = compute_digest(session, taxonomy, config=config, team_id=team, period=period)
        if post:
            assert settings.digest_channel is not None
            with slack_from_terminal(settings, "the digest"):
                outcome = post_digest(
                    session, web_client(settings), taxonomy, found, channel=settings.digest_channel
                )
            out.print(f"digest {period_label(period)}: {outcome.note}", soft_wrap=True)
            return
        if as_json_output:
            print_json(digest_json(found))
            return
        print_digest(found)


@digest_app.command("backtest")
def digest_backtest(
    first: Annotated[str, typer.Option("--from", help="Date of the first digest (YYYY-MM-DD).")],
    last: Annotated[str, typer.Option("--to", help="Date of the last digest (YYYY-MM-DD).")],
    as_json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Replay every weekly digest from --from to --to, each from data before its own date."""
    settings = load_settings()
    start, end = parse_date(first, "--from").date(), parse_date(last, "--to").date()
    if end < start:
        raise CsfError("--to is before --from")
    if (end - start).days > MOST_DAYS:
        raise CsfError(f"--from {start} --to {end} is more than a century of digests: ask for less")
    taxonomy = taxonomy_of(settings)
    config = load_ranking_config(settings.ranking_config)
    team = _digest_team(settings)
    with open_store(settings) as session:
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
        print_json(data)
        return
    table = Table("digest", "ecosystem › topic", "person", "score", "why now", show_lines=False)
    for replayed in digests:
        day = f"{replayed.period.end.astimezone(settings.tz):%Y-%m-%d}"
        if not replayed.entries:
            table.add_row(day, "", Text("no one new", style="dim"), "", "")
        for entry in replayed.entries:
            table.add_row(
                day,
                entry.label,
                person_label(entry.person),
                f"{entry.score:.1f}",
                entry.reason,
            )
    out.print(table)
    people_seen = {e.person_id for d in digests for e in d.entries}
    entries = sum(len(d.entries) for d in digests)
    per = elapsed / len(digests) if digests else 0.0
    out.print(
        f"{len(digests)} digests, {entries} entries, {len(people_seen)} people; "
        f"{per:.2f} s per digest"
    )

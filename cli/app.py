"""The `csf` Typer app and what every command group shares: settings, the store, dates.

Each command group (`cli/who.py`, `cli/ingest.py`, ...) adds its commands to `app`;
`cli/main.py` imports them all and is the console script's entry point.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated

import typer
from sqlmodel import Session

import bot
from bot.config import Settings
from bot.datafile import MOST_DAYS
from bot.dates import parse_date
from bot.people.affiliations import use_affiliations
from bot.people.communities import refresh_communities
from bot.people.regions import infer_regions
from bot.ranking.scores import keep_if_unchanged, prepare_answers, refresh_scores
from bot.ranking.who import load_ranking_config
from bot.store.engine import make_engine, require_migrated
from bot.store.links import allow_archive_hosts
from bot.taxonomy.model import Taxonomy, load_taxonomy
from cli.render import err, out

app = typer.Typer(
    name="csf",
    help="csf finds, explains and tracks high-signal open-source compiler engineers.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
CLI_ACTOR = "cli"  # who the audit log and the shortlist name for work done from the terminal
WindowDays = Annotated[
    int | None,
    typer.Option(
        "--window-days",
        min=1,
        max=MOST_DAYS,
        help="Count the days before the date (default: the ranking file's window_days).",
    ),
]


def taxonomy_of(settings: Settings) -> Taxonomy:
    """The taxonomy the settings name (CSF_TAXONOMY), or the shipped one."""
    return load_taxonomy(settings.taxonomy_path)


@contextmanager
def open_store(settings: Settings) -> Iterator[Session]:
    """A session on a migrated store, committed on success."""
    engine = make_engine(settings.database_url, create=False)
    try:
        require_migrated(engine)
        use_affiliations(settings.affiliations_path)
        # Links are checked where each record is made, far from the settings: the archive
        # hosts a team allows (also from `.env`) hold for the process, as the affiliations do.
        allow_archive_hosts(settings.archive_hosts)
        with Session(engine) as session:
            yield session
            session.commit()
    finally:
        engine.dispose()


def optional_date(text: str | None, option: str) -> datetime | None:
    """A date option that may be left out (an empty one is still a mistake)."""
    return None if text is None else parse_date(text, option)


def as_of_date(text: str | None) -> datetime:
    """`--as-of DATE`, or now."""
    return datetime.now(UTC) if text is None else parse_date(text, "--as-of")


def refresh_cache(
    session: Session,
    settings: Settings,
    as_of: datetime | None = None,
    *,
    keep_unchanged: bool = False,
) -> None:
    """Rebuild the score cache from what is now in the store (after an ingest or a curation);
    `keep_unchanged`: not when the store holds just what the last refresh summed (an ingest
    that found nothing new)."""
    session.commit()  # what was ingested stays, whatever the refresh does
    summary = refresh_summary(session, settings, as_of, keep_unchanged=keep_unchanged)
    session.commit()
    out.print(summary, soft_wrap=True)


def refresh_summary(
    session: Session,
    settings: Settings,
    as_of: datetime | None = None,
    *,
    keep_unchanged: bool = False,
) -> str:
    """Refresh the score cache under a spinner, and prepare its answers (committed); its
    one-line summary."""
    config = load_ranking_config(settings.ranking_config)
    refresh = keep_if_unchanged if keep_unchanged else refresh_scores
    taxonomy = taxonomy_of(settings)
    with err.status("refreshing the score cache"):
        placed = infer_regions(session, enabled=settings.infer_region)
        refresh_communities(session)
        refreshed = refresh(session, taxonomy, config, as_of=as_of)
    with err.status("preparing the cached answers"):
        prepared = prepare_answers(session, taxonomy, config)
    where = (
        f"; {placed} people placed from their commits' clocks and address domains" if placed else ""
    )
    return "; ".join(filter(None, [refreshed.summary() + where, prepared.summary()]))


# No docstring: Typer would show a callback's docstring as the help of `csf` itself.
@app.callback(invoke_without_command=True)
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    if version:
        out.print(f"csf {bot.__version__}")
        raise typer.Exit()

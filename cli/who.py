"""Asking in the terminal: `csf who`, `csf map` and `csf topics`, the answers Slack gives."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.columns import Columns
from rich.table import Table

from bot.config import load_settings
from bot.errors import CsfError
from bot.people.communities import check_community
from bot.people.places import check_region
from bot.ranking.who import active_config, load_ranking_config, read_question
from bot.ranking.who import as_json as ranking_json
from bot.ranking.who import who as rank
from bot.reports.talent_map import as_json as talent_map_json
from bot.reports.talent_map import talent_map
from bot.store.writes import record_search
from bot.taxonomy.model import as_dict, load_taxonomy
from cli.app import CLI_ACTOR, WindowDays, app, as_of_date, open_store, taxonomy_of
from cli.files import check_target, write_file
from cli.render import err, out, print_json, print_who
from slackui.blocks.talent_map import chart_png
from slackui.blocks.talent_map import panels as map_panels
from slackui.blocks.talent_map import title as map_title

# Options `who` and `map` share.
StatedOption = Annotated[
    bool,
    typer.Option(
        "--stated",
        help="With --region: only people whose own profile places them there, not "
        "those placed as likely from their commits' clocks and address domains.",
    ),
]
CommunityOption = Annotated[
    str | None,
    typer.Option("--community", help="Only people whose work shows it: llvm, gpu, hpc, rust, pl."),
]


@app.command()
def topics(
    ecosystem: Annotated[str | None, typer.Argument(help="mlir, llvm, tvm, triton, ...")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    file: Annotated[
        str | None, typer.Option("--file", help="Validate and list this taxonomy file instead.")
    ] = None,
) -> None:
    """List the ecosystems and topics csf knows, with the aliases `who` understands."""
    taxonomy = load_taxonomy(file) if file else taxonomy_of(load_settings())
    ecosystems = list(taxonomy.ecosystems)
    if ecosystem is not None:
        eco = taxonomy.ecosystem(ecosystem)
        if eco is None:
            known = ", ".join(e.key for e in taxonomy.ecosystems)
            raise CsfError(f"unknown ecosystem {ecosystem!r}: choose one of {known}")
        ecosystems = [eco]
    if as_json:
        data = as_dict(taxonomy)
        print_json({eco.key: data[eco.key] for eco in ecosystems})
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


@app.command()
def who(
    words: Annotated[list[str], typer.Argument(help="e.g. mlir bufferization")],
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=200)] = 10,
    region: Annotated[
        str | None, typer.Option("--region", help="uk, eu, europe, us, other or unknown")
    ] = None,
    window_days: WindowDays = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Replay the answer of a past date (YYYY-MM-DD).")
    ] = None,
    active: Annotated[
        bool,
        typer.Option(
            "--active", help="Rank by recent activity alone (the last year), not expertise."
        ),
    ] = False,
    stated: StatedOption = False,
    community: CommunityOption = None,
    as_json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Rank the people who matter most in an area, with evidence.

    By default, depth built over the whole history blends with recent activity, so whoever
    built an area ranks beside whoever works on it now; each says which it is.
    """
    check_region(region)
    chosen = check_community(community)
    settings = load_settings()
    taxonomy = taxonomy_of(settings)
    config = load_ranking_config(settings.ranking_config)
    if active:
        config = active_config(config)
    when = as_of_date(as_of)
    with open_store(settings) as session:
        reading = read_question(session, taxonomy, words)
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
            stated=stated,
            community=chosen.key if chosen else None,
        )
        record_search(session, CLI_ACTOR, " ".join(words))
        if as_json_output:
            print_json(ranking_json(answer))
            return
        print_who(answer, region)


@app.command("map")
def talent_map_command(
    words: Annotated[
        list[str] | None, typer.Argument(help="an ecosystem or topic, e.g. triton or mlir linalg")
    ] = None,
    region: Annotated[
        str | None, typer.Option("--region", help="uk, eu, europe, us, other or unknown")
    ] = None,
    window_days: WindowDays = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="YYYY-MM-DD")] = None,
    png: Annotated[
        Path | None,
        typer.Option("--png", help="Also draw the map as a PNG chart in this new file."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace the --png file if it exists.")
    ] = False,
    stated: StatedOption = False,
    community: CommunityOption = None,
    as_json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The talent map: an area's high-signal people by country, city, company and university."""
    check_region(region)
    chosen = check_community(community)
    if not words:
        raise CsfError("name an ecosystem or topic, e.g. `csf map triton` (see `csf topics`)")
    if png is not None:
        check_target(png, force=force)
    settings = load_settings()
    taxonomy = taxonomy_of(settings)
    config = load_ranking_config(settings.ranking_config)
    when = as_of_date(as_of)
    with open_store(settings) as session:
        tmap = talent_map(
            session,
            taxonomy,
            read_question(session, taxonomy, words),
            config=config,
            as_of=when,
            region=region,
            window_days=window_days,
            stated=stated,
            community=chosen.key if chosen else None,
        )
        record_search(session, CLI_ACTOR, "map " + " ".join(words))  # people, as `who` is
    if as_json_output:
        print_json(talent_map_json(tmap))
    else:
        out.print(map_title(tmap), style="bold")
        tables = []
        for name, counts in map_panels(tmap):
            table = Table(name.lower(), "people", title_justify="left")
            for count in counts[:15]:
                table.add_row(count.label, str(count.people))
            tables.append(table)
        cities = Table("city", "people")
        for count in tmap.cities[:15]:
            cities.add_row(count.label, str(count.people))
        out.print(Columns([tables[0], cities, *tables[1:]]))
    if png is not None:
        write_file(png, chart_png(tmap), force=force)
        err.print(f"chart written to {png}")

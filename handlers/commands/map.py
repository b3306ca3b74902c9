"""`/csf map WORDS…`: where an area's high-signal people live, work and study."""

from __future__ import annotations

from sqlmodel import Session

from bot.ranking.who import read_question
from bot.reports.talent_map import talent_map
from handlers.answer import Answer, Asker, Picture
from handlers.commands.common import community_option, record_search, region_option
from handlers.commands.parse import needs_area
from handlers.commands.registry import Command, subcommand
from handlers.context import AppContext
from slackui.blocks.common import context
from slackui.blocks.talent_map import chart_png, map_message, title


@subcommand(
    "map",
    usage=(
        "map WORDS… [--region uk|eu|europe|us|other|unknown] [--window-days D] "
        "[--community llvm|gpu|hpc|rust|pl]"
    ),
    example="map mlir --region europe",
    what="where an area's high-signal people live, work and study",
    options=frozenset({"region", "window-days", "community"}),
    check=needs_area,
)
def map_answer(ctx: AppContext, session: Session, command: Command, asker: Asker) -> Answer:
    """Where the area's high-signal people (those `who` ranks highest) live and work."""
    days = command.options.get("window-days")
    tmap = talent_map(
        session,
        ctx.taxonomy,
        read_question(session, ctx.taxonomy, command.args),
        config=ctx.ranking,
        as_of=ctx.clock(),
        region=region_option(command.options, "map"),
        window_days=int(days) if days else None,
        community=community_option(command.options, "map"),
    )
    record_search(session, asker, "map " + command.text)  # a search over people, like who
    message = map_message(tmap)
    if not tmap.people:
        return Answer(message)
    # The picture goes to the asker's direct messages with csf: a file cannot be ephemeral.
    message["blocks"].append(context("A picture of this map follows in your messages with csf."))
    picture = Picture(chart_png(tmap), "csf-map.png", title(tmap))
    return Answer(message, picture=picture)

"""`/csf map WORDS…`: where an area's high-signal people live, work and study."""

from __future__ import annotations

from sqlmodel import Session

from bot.ranking.who import read_question
from bot.reports.talent_map import talent_map
from handlers.answer import Answer, Asker, Picture
from handlers.commands.common import community_option, record_search, region_option
from handlers.commands.parse import needs_area, written
from handlers.commands.registry import SUBCOMMANDS, Command, subcommand
from handlers.context import AppContext
from slackui.blocks.common import ACTION_SHARE_MAP, button, context
from slackui.blocks.talent_map import chart_png, map_message, title


@subcommand(
    "map",
    usage=(
        "map WORDS… [--region uk|eu|europe|us|other|unknown [--stated]] [--window-days D] "
        "[--community llvm|gpu|hpc|rust|pl]"
    ),
    example="map mlir --region europe",
    what="where an area's high-signal people live, work and study",
    options=frozenset({"region", "window-days", "community"}),
    flags=frozenset({"stated"}),
    check=needs_area,
)
def map_answer(ctx: AppContext, session: Session, command: Command, asker: Asker) -> Answer:
    """Where the area's high-signal people (those `who` ranks highest) live and work."""
    return map_for(ctx, session, command, asker)


def map_for(
    ctx: AppContext, session: Session, command: Command, asker: Asker, *, shared: bool = False
) -> Answer:
    """The map, for the asker alone, or `shared` in the channel (no Share button, no DM line)."""
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
        stated="stated" in command.options,
    )
    if not shared:  # a share shows the asker's own search to the channel: no new search
        record_search(session, asker, "map " + command.text)  # a search over people, like who
    message = map_message(tmap)
    if not tmap.people:
        return Answer(message)
    picture = Picture(chart_png(tmap), "csf-map.png", title(tmap))
    if shared:
        return Answer(message, picture=picture)
    # The picture goes to the asker's direct messages with csf: a file cannot be ephemeral.
    message["blocks"].append(context("A picture of this map follows in your messages with csf."))
    share = button("Share in channel", ACTION_SHARE_MAP, map_line(command))
    message["blocks"].append({"type": "actions", "block_id": "map_footer", "elements": [share]})
    return Answer(message, picture=picture)


def map_line(command: Command) -> str:
    """The `/csf map` line a Share button carries: read again, and checked, when clicked."""
    words = ["map", *(written(word) for word in command.args)]
    for key, value in sorted(command.options.items()):
        words += [f"--{key}"] if key in SUBCOMMANDS["map"].flags else [f"--{key}", value]
    return " ".join(words)

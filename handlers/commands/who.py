"""`/csf who WORDS…`: the people who matter most in an area, a page at a time."""

from __future__ import annotations

from sqlmodel import Session

from bot.dates import parse_date
from bot.ranking.who import WhoAnswer, active_config, read_question
from bot.ranking.who import who as rank
from handlers.answer import Answer, Asker
from handlers.commands.common import community_option, record_search, region_option
from handlers.commands.parse import needs_area
from handlers.commands.registry import Command, subcommand
from handlers.context import AppContext
from slackui.blocks.people import PAGE_SIZE, who_message
from slackui.blocks.who_state import WhoState


@subcommand(
    "who",
    usage=(
        "who WORDS… [--region uk|eu|europe|us|other|unknown] [--limit N] [--window-days D] "
        "[--as-of YYYY-MM-DD] [--active] [--stated] [--community llvm|gpu|hpc|rust|pl]"
    ),
    example="who mlir bufferization --region uk",
    what="the people who matter most in an area, with evidence (--active: active now)",
    options=frozenset({"region", "limit", "window-days", "as-of", "community"}),
    flags=frozenset({"active", "stated"}),
    check=needs_area,
)
def who_answer(ctx: AppContext, session: Session, command: Command, asker: Asker) -> Answer:
    return who_page(ctx, session, WhoState(command.text, command.options), asker)


def who_page(
    ctx: AppContext, session: Session, state: WhoState, asker: Asker, *, shared: bool = False
) -> Answer:
    """One page of a `who` answer; its More and Share buttons carry `state` to ask again."""
    query, options, page = state.query, state.options, state.page
    region = region_option(options, "who")
    wanted = int(options["limit"]) if "limit" in options else None
    fetch = page * PAGE_SIZE + 1
    if wanted is not None:
        fetch = min(fetch, wanted)
    reading = read_question(session, ctx.taxonomy, query.split())
    config = active_config(ctx.ranking) if "active" in options else ctx.ranking
    as_of = parse_date(options["as-of"], "--as-of") if "as-of" in options else None
    answer: WhoAnswer = rank(
        session,
        ctx.taxonomy,
        reading,
        config=config,
        as_of=as_of or ctx.clock(),
        window_days=int(options["window-days"]) if "window-days" in options else None,
        limit=fetch,
        region=region,
        stated="stated" in options,
        community=community_option(options, "who"),
        cached=as_of is None,  # a date asked for is replayed exactly, never from the cache
    )
    if page == 1 and not shared:
        record_search(session, asker, query)
    message = who_message(answer, state=state, shared=shared)
    start = (page - 1) * PAGE_SIZE
    shown = [r.person_id for r in answer.results[start : start + PAGE_SIZE]]
    return Answer(message, shown)

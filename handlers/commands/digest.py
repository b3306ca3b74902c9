"""`/csf digest`: what the weekly digest would post now, shown only to the asker."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from bot.reports.digest import compute_digest, period_ending
from handlers.answer import Answer, Asker
from handlers.commands.parse import at_most_one_word
from handlers.commands.registry import Command, subcommand
from handlers.context import AppContext
from slackui.blocks.common import MAX_BLOCKS, context
from slackui.blocks.digest import digest_blocks


@subcommand(
    "digest",
    usage="digest",
    example="digest",
    what="preview the next weekly digest (only to you)",
    check=at_most_one_word,
)
def digest_preview(ctx: AppContext, session: Session, _command: Command, asker: Asker) -> Answer:
    """What the digest would post if it ran now (its period ends tonight), only to the asker."""
    tz = ctx.settings.tz
    tonight = ctx.clock().astimezone(tz).date() + timedelta(days=1)
    period = period_ending(tonight, tz, int(ctx.ranking["digest"]["period_days"]))
    digest = compute_digest(
        session, ctx.taxonomy, config=ctx.ranking, team_id=asker.team_id, period=period
    )
    messages = digest_blocks(digest)
    blocks = [context("Preview, only to you: the weekly digest posts this on its schedule.")]
    for message in messages:
        if len(blocks) + len(message["blocks"]) > MAX_BLOCKS:
            blocks.append(context(f"… and more: `csf digest` prints all {len(digest.entries)}."))
            break
        blocks += message["blocks"]
    ids = [e.person_id for e in digest.entries]
    return Answer({"text": messages[0]["text"], "blocks": blocks}, ids)

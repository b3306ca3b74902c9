"""`/csf topics [ECOSYSTEM]`: the ecosystems and topics csf knows."""

from __future__ import annotations

from sqlmodel import Session

from handlers.answer import Answer, Asker
from handlers.commands.parse import at_most_one_word
from handlers.commands.registry import Command, UsageError, subcommand
from handlers.context import AppContext
from slackui.blocks.common import Message, context, section
from slackui.blocks.mrkdwn import escape


@subcommand(
    "topics",
    usage="topics [ECOSYSTEM]",
    example="topics mlir",
    what="the ecosystems and topics csf knows",
    check=at_most_one_word,
)
def topics_answer(ctx: AppContext, _session: Session, command: Command, _asker: Asker) -> Answer:
    return Answer(topics_message(ctx, command.args[0] if command.args else None))


def topics_message(ctx: AppContext, ecosystem: str | None) -> Message:
    ecosystems = list(ctx.taxonomy.ecosystems)
    if ecosystem is not None:
        eco = ctx.taxonomy.ecosystem(ecosystem)
        if eco is None:
            known = ", ".join(e.key for e in ctx.taxonomy.ecosystems)
            raise UsageError(f"csf knows no ecosystem “{ecosystem}”; it knows {known}", "topics")
        ecosystems = [eco]
    blocks = []
    if len(ecosystems) > 1:
        lines = [f"*{escape(e.name)}* (`{e.key}`): {len(e.topics)} topics" for e in ecosystems]
        blocks.append(section("\n".join(lines)))
        blocks.append(context("See one ecosystem's topics: `/csf topics mlir`"))
    else:
        eco = ecosystems[0]
        lines = [
            f"• `{escape(t.key)}` {escape(t.name)}"
            + (f" — also: {escape(', '.join(t.aliases[:4]))}" if t.aliases else "")
            for t in eco.topics
        ]
        text = f"*{escape(eco.name)}* (`{eco.key}`)\n" + "\n".join(lines)
        for start in range(0, len(text), 2900):
            blocks.append(section(text[start : start + 2900]))
        blocks.append(
            context(f"Ask: `/csf who {eco.key} {eco.topics[0].key if eco.topics else ''}`")
        )
    return {"text": "csf topics", "blocks": blocks[:50]}

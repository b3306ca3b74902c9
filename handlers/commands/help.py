"""`/csf help`, and the short help that answers input csf cannot read; both from the registry."""

from __future__ import annotations

from sqlmodel import Session

from handlers.answer import Answer, Asker
from handlers.commands.parse import at_most_one_word
from handlers.commands.registry import SUBCOMMANDS, Command, UsageError, subcommand
from handlers.context import AppContext
from slackui.blocks.common import Message, context, section
from slackui.blocks.mrkdwn import escape


@subcommand("help", usage="help", example="help", what="this list", check=at_most_one_word)
def help_answer(_ctx: AppContext, _session: Session, _command: Command, _asker: Asker) -> Answer:
    return Answer(help_message())


def help_message(error: UsageError | None = None) -> Message:
    """Every command with an example; led by what was wrong, when something was."""
    blocks = []
    if error is not None:
        lead = escape(str(error))
        if error.command in SUBCOMMANDS:
            known = SUBCOMMANDS[error.command]
            lead += (
                f"\nUsage: `/csf {escape(known.usage)}`\n"
                f"For example: `/csf {escape(known.example)}`"
            )
            blocks.append(section(lead))
            return {"text": f"csf: {escape(str(error))}", "blocks": blocks}
        blocks.append(section(lead))
    lines = [f"`/csf {escape(s.usage)}`\n      {s.what}" for s in SUBCOMMANDS.values()]
    blocks.append(section("*csf commands*\n" + "\n".join(lines)))
    blocks.append(context("For example: `/csf who mlir bufferization --region uk`"))
    text = f"csf: {escape(str(error))}" if error else "csf commands"
    return {"text": text, "blocks": blocks}

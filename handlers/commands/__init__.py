"""The `/csf` subcommands: one module each, registered in one list that parsing, help and
dispatch read (handlers/commands/registry.py).

Importing a subcommand's module registers it; the order of the imports below is the order
`/csf help` lists them in. Nothing here imports slack_bolt: answers are tested without Slack.
"""

from __future__ import annotations

from sqlmodel import Session

from handlers.answer import Answer, Asker

# The order of these imports is the order `/csf help` lists the subcommands in.
# isort: off
from handlers.commands import who  # noqa: F401
from handlers.commands import map  # noqa: F401
from handlers.commands import profile  # noqa: F401
from handlers.commands import outreach  # noqa: F401
from handlers.commands import saved  # noqa: F401
from handlers.commands import save  # noqa: F401
from handlers.commands import digest  # noqa: F401
from handlers.commands import track  # noqa: F401
from handlers.commands import topics  # noqa: F401
from handlers.commands import forget  # noqa: F401
from handlers.commands import help  # noqa: F401

# isort: on
from handlers.commands.parse import parse
from handlers.commands.registry import SUBCOMMANDS, Command, UsageError
from handlers.context import AppContext

__all__ = ["SUBCOMMANDS", "Command", "UsageError", "answer_command", "parse"]


def answer_command(ctx: AppContext, session: Session, command: Command, asker: Asker) -> Answer:
    """The reply to one parsed `/csf` command, from the subcommand registered under its name."""
    known = SUBCOMMANDS.get(command.name)
    if known is None:  # parse() admits only registered names
        raise UsageError(f"csf has no command “{command.name}”")
    return known.answer(ctx, session, command, asker)

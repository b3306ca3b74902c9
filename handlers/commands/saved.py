"""`/csf saved [STATUS]`: the team's shortlist, optionally one pipeline stage."""

from __future__ import annotations

from sqlmodel import Session

from bot.shortlist.saves import parse_status, pipeline
from handlers.answer import Answer, Asker
from handlers.commands.parse import at_most_one_word
from handlers.commands.registry import Command, subcommand
from handlers.context import AppContext
from slackui.blocks.shortlist import saved_message


@subcommand(
    "saved",
    usage="saved [saved|contacted|replied|interviewing|not_now|not_a_fit]",
    example="saved contacted",
    what="the team's shortlist",
    check=at_most_one_word,
)
def saved_answer(_ctx: AppContext, session: Session, command: Command, asker: Asker) -> Answer:
    status = parse_status(command.args[0]) if command.args else None
    entries = pipeline(session, asker.team_id, status)
    return Answer(saved_message(entries, status.value if status else None))

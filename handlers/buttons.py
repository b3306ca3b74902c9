"""The answers to buttons and menus that are not `/csf` subcommands: More and Share on a `who`
answer, Not a fit, Mark as contacted, the App Home's status menu and note button.

Buttons that repeat a subcommand (Profile, Outreach, Save, Erase) answer with that subcommand's
function, from its module in handlers/commands/. Nothing here imports slack_bolt.
"""

from __future__ import annotations

from dataclasses import replace

from sqlmodel import Session

from bot.shortlist.saves import mark
from bot.store.models import CandidateStatus
from handlers.answer import Answer, Asker, Message
from handlers.commands.parse import check
from handlers.commands.registry import Command, UsageError
from handlers.commands.save import person_name
from handlers.commands.who import who_page
from handlers.context import AppContext
from slackui.blocks.people import notice
from slackui.blocks.who_state import decode_who_state


def who_from_state(
    ctx: AppContext, session: Session, value: str, asker: Asker, *, shared: bool = False
) -> Answer:
    """Re-run the query a Share or More button carries, checked as if it had been typed."""
    try:
        state = decode_who_state(value)
    except ValueError as error:
        raise UsageError("that button is from an older csf; run the query again") from error
    command = Command("who", state.query.split(), dict(state.options))
    check(command)
    state = replace(state, page=max(1, min(state.page, 5)))
    return who_page(ctx, session, state, asker, shared=shared)


def not_a_fit(session: Session, person_id: int, asker: Asker) -> Message:
    mark(session, asker.team_id, person_id, CandidateStatus.NOT_A_FIT, actor=asker.user_id)
    name = person_name(session, person_id)
    return notice(f"Marked *{name}* as not a fit: they stay out of this team's digests.")

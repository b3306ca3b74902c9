"""The answers to buttons and menus that are not `/csf` subcommands: More and Share on a `who`
answer, Not a fit, Mark as contacted, the App Home's status menu and note button.

Buttons that repeat a subcommand (Profile, Outreach, Save, Erase) answer with that subcommand's
function, from its module in handlers/commands/. Nothing here imports slack_bolt.
"""

from __future__ import annotations

import json

from sqlmodel import Session

from bot.shortlist.saves import mark
from bot.store.models import CandidateStatus
from handlers.answer import Answer, Asker, Message
from handlers.commands.parse import parse
from handlers.commands.registry import UsageError
from handlers.commands.save import person_name
from handlers.commands.who import who_page
from handlers.context import AppContext
from slackui.blocks.people import notice


def who_from_state(
    ctx: AppContext, session: Session, value: str, asker: Asker, *, shared: bool = False
) -> Answer:
    """Re-run the query a Share or More button carries (its value is JSON: q, page)."""
    try:
        state = json.loads(value)
        page = max(1, min(int(state["page"]), 5))
        command = parse("who " + str(state["q"]))
    except (ValueError, KeyError, TypeError) as error:
        raise UsageError("that button is from an older csf; run the query again") from error
    return who_page(ctx, session, command.text, command.options, asker, page=page, shared=shared)


def not_a_fit(session: Session, person_id: int, asker: Asker) -> Message:
    mark(session, asker.team_id, person_id, CandidateStatus.NOT_A_FIT, actor=asker.user_id)
    name = person_name(session, person_id)
    return notice(f"Marked *{name}* as not a fit: they stay out of this team's digests.")

"""`/csf save LOGIN`, and the saving every other route shares (button, reaction)."""

from __future__ import annotations

from sqlmodel import Session

from bot.errors import CsfError
from bot.ranking.who import person_view
from bot.shortlist.saves import save
from bot.store.models import Person
from handlers.answer import Answer, Asker
from handlers.commands.parse import one_login
from handlers.commands.registry import Command, subcommand
from handlers.context import AppContext
from handlers.slack_links import GitHubRef, resolve_refs
from slackui.blocks.common import Message
from slackui.blocks.mrkdwn import escape
from slackui.blocks.people import display_name, notice


@subcommand(
    "save",
    usage="save LOGIN",
    example="save ada-fictional",
    what="put a person on the shortlist",
    check=one_login,
)
def save_login(_ctx: AppContext, session: Session, command: Command, asker: Asker) -> Answer:
    login = command.args[0]
    resolution = resolve_refs(session, [GitHubRef("login", None, login)])
    if resolution.suppressed:
        return Answer(
            notice(f"csf keeps no data about @{escape(login)}: they asked to be forgotten.")
        )
    if not resolution.person_ids:
        raise CsfError(f"@{login} is a bot account; csf does not shortlist bots")
    return Answer(save_people(session, resolution.person_ids, asker, source="command"))


def save_people(
    session: Session,
    person_ids: list[int],
    asker: Asker,
    *,
    source: str,
    source_ref: str | None = None,
) -> Message:
    """Save people to the team's shortlist and say so (a second save says it was already)."""
    lines = []
    for person_id in person_ids:
        outcome = save(
            session,
            asker.team_id,
            person_id,
            saved_by=asker.user_id,
            source=source,
            source_ref=source_ref,
        )
        name = person_name(session, person_id)
        if outcome.created:
            lines.append(f":bookmark: Saved *{name}* to the shortlist.")
        else:
            lines.append(f"*{name}* is already on the shortlist ({outcome.candidate.status}).")
    return notice("\n".join(lines))


def person_name(session: Session, person_id: int) -> str:
    """The person's display name, escaped for mrkdwn; `#id` once they are no longer held."""
    person = session.get(Person, person_id)
    return escape(display_name(person_view(session, person))) if person else f"#{person_id}"

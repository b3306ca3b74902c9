"""The answers to buttons and menus that are not `/csf` subcommands: More and Share on a `who`
answer, Not a fit, Mark as contacted, the App Home's status menu and note button; and reading
the person a button names.

Buttons that repeat a subcommand (Profile, Outreach, Save, Erase) answer with that subcommand's
function, from its module in handlers/commands/. Nothing here imports slack_bolt.
"""

from __future__ import annotations

from dataclasses import replace

from sqlmodel import Session

from bot.people.view import PersonView
from bot.shortlist.saves import find_candidate, mark, parse_status, set_status
from bot.store.models import CandidateStatus, Person
from handlers.answer import Answer, Asker
from handlers.commands.parse import check
from handlers.commands.registry import Command, UsageError
from handlers.commands.save import person_name
from handlers.commands.who import who_page
from handlers.context import AppContext
from slackui.blocks.common import Message
from slackui.blocks.mrkdwn import escape
from slackui.blocks.people import display_name, notice
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


def held(session: Session, person_id: int) -> Person:
    """The person a button names; they may have been forgotten since the message was sent."""
    person = session.get(Person, person_id)
    if person is None:
        raise UsageError("csf no longer holds that person")
    return person


def mark_contacted(session: Session, person_id: int, asker: Asker) -> Message:
    """Mark as contacted (from an outreach draft): the follow-up reminder starts counting."""
    person = held(session, person_id)
    mark(session, asker.team_id, person_id, CandidateStatus.CONTACTED, actor=asker.user_id)
    name = escape(display_name(PersonView.from_person(person).as_dict()))
    return notice(f"Moved *{name}* to Contacted; csf reminds you if nothing changes.")


def set_pipeline_status(session: Session, value: str, asker: Asker) -> None:
    """The App Home's status menu: its option value is `PERSON_ID:STATUS`."""
    person_id = person_id_of(value)
    new_status = parse_status(value.partition(":")[2])
    candidate = find_candidate(session, asker.team_id, person_id)
    if candidate is None:
        raise UsageError("that person is no longer on the shortlist")
    set_status(session, candidate, new_status, actor=asker.user_id)


def note_label(session: Session, person_id: int) -> str:
    """How the note modal names the person: raw, as every builder takes names (it escapes)."""
    person = held(session, person_id)
    return display_name(PersonView.from_person(person).as_dict())


def person_id_of(value: str | None) -> int:
    """The person id a button's value starts with (`ID`, or `ID:…` on the status menu)."""
    if not value or not value.split(":")[0].isdigit():
        raise UsageError("that button is from an older csf; run the query again")
    return int(value.split(":")[0])

"""`/csf profile LOGIN` (and the Profile button): one person across every topic, and role fit."""

from __future__ import annotations

from sqlmodel import Session

from bot.outreach.company import load_company
from bot.outreach.roles import Role, load_roles, role_fit
from bot.reports.profile import build_profile
from bot.store.models import Person
from handlers.answer import Answer, Asker
from handlers.commands.common import person_by_login, record_search
from handlers.commands.parse import one_person
from handlers.commands.registry import Command, subcommand
from handlers.context import AppContext
from slackui.blocks.common import MAX_BLOCKS
from slackui.blocks.outreach import role_fit_blocks
from slackui.blocks.people import profile_message


@subcommand(
    "profile",
    usage="profile LOGIN",
    example="profile ada-fictional",
    what="one person across every topic",
    check=one_person,
)
def profile_command(ctx: AppContext, session: Session, command: Command, asker: Asker) -> Answer:
    person = person_by_login(session, command.args[0])
    record_search(session, asker, "profile " + command.args[0])  # a look at one person
    return profile_answer(ctx, session, person)


def profile_answer(ctx: AppContext, session: Session, person: Person) -> Answer:
    """The profile, then how the person's public work fits the team's first role."""
    now = ctx.clock()
    shown = build_profile(session, ctx.taxonomy, person, config=ctx.ranking, as_of=now)
    assert person.id is not None
    message = profile_message(shown)
    role = _role(ctx, None)
    fit = role_fit_blocks(role_fit(session, person, role, as_of=now))
    message["blocks"] = (message["blocks"] + fit)[:MAX_BLOCKS]
    return Answer(message, [person.id])


def _role(ctx: AppContext, name: str | None) -> Role:
    """The role named, else the team's first (with a company profile), else the default."""
    book = load_roles(ctx.settings.roles_path)
    if name is None and ctx.settings.company_profile is not None:
        return load_company(ctx.settings.company_profile).role(book)
    return book.get(name)

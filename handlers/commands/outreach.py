"""`/csf outreach LOGIN` (and the Outreach buttons): a first message about the person's work."""

from __future__ import annotations

from sqlmodel import Session

from bot.outreach.company import load_company
from bot.outreach.drafts import draft_outreach
from bot.outreach.roles import load_roles
from bot.store.models import Person
from handlers.answer import Answer, Asker
from handlers.commands.common import person_by_login
from handlers.commands.parse import one_person
from handlers.commands.registry import Command, subcommand
from handlers.context import AppContext
from slackui.blocks.outreach import outreach_blocks, outreach_text


@subcommand(
    "outreach",
    usage="outreach LOGIN",
    example="outreach ada-fictional",
    what="a first message about their work",
    check=one_person,
)
def outreach_command(ctx: AppContext, session: Session, command: Command, _asker: Asker) -> Answer:
    return outreach_answer(ctx, session, person_by_login(session, command.args[0]))


def outreach_answer(
    ctx: AppContext,
    session: Session,
    person: Person,
    *,
    template: str = "first_email",
    angle: str | None = None,
    role: str | None = None,
) -> Answer:
    """A draft for a human to send, citing the person's own work (never sent by csf)."""
    company = load_company(ctx.settings.company_profile)
    draft = draft_outreach(
        session,
        ctx.taxonomy,
        person,
        company=company,
        role=company.role(load_roles(ctx.settings.roles_path), role),
        as_of=ctx.clock(),
        template=template,
        angle=angle,
        config=ctx.ranking,
    )
    assert person.id is not None
    return Answer({"text": outreach_text(draft), "blocks": outreach_blocks(draft)}, [person.id])

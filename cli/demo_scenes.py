"""What the demo shows: each scene is one thing a person does in Slack, and csf's answer.

A scene carries the Slack message csf would send (the same Block Kit the Slack app posts, built
by bot/views), so the terminal shows exactly what Slack would; each scene is one function
taking the demo's context.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.demo.world import SampleWorld
from bot.outreach.company import example_company
from bot.outreach.drafts import draft_outreach
from bot.outreach.roles import load_roles, role_fit
from bot.ranking.who import WhoAnswer, who
from bot.reports.digest import compute_digest, period_ending
from bot.reports.profile import build_profile
from bot.store.models import Person
from bot.taxonomy.model import Taxonomy
from bot.taxonomy.question import read_query
from slackui.blocks.common import MAX_BLOCKS, Message
from slackui.blocks.digest import digest_blocks
from slackui.blocks.outreach import outreach_blocks, outreach_text, role_fit_blocks
from slackui.blocks.people import profile_message, who_message
from slackui.blocks.who_state import WhoState

DEMO_TIMEZONE = "Europe/London"


@dataclass
class DemoContext:
    session: Session
    taxonomy: Taxonomy
    config: Mapping[str, Any]
    world: SampleWorld

    @property
    def as_of(self) -> datetime:
        """The sample world's fixed "now": answers are the same on every run."""
        return self.world.now


@dataclass
class Scene:
    title: str  # what the person wants to know
    command: str  # what they type in Slack (or where the message appears)
    message: Message | None = None
    pending: str | None = None  # why there is no message yet


def who_scene(ctx: DemoContext, words: list[str], region: str | None = None) -> WhoAnswer:
    """The ranking behind `/csf who WORDS [--region R]`, as of the world's now."""
    return who(
        ctx.session,
        ctx.taxonomy,
        read_query(ctx.taxonomy, words),
        config=ctx.config,
        as_of=ctx.as_of,
        region=region,
    )


def who_command(words: list[str], region: str | None = None) -> str:
    return "/csf who " + " ".join(words) + (f" --region {region}" if region else "")


def who_message_scene(
    title: str, words: list[str], answer: WhoAnswer, region: str | None = None
) -> Scene:
    command = who_command(words, region)
    return Scene(
        title, command, who_message(answer, state=WhoState(command.removeprefix("/csf who ")))
    )


def profile_scene(ctx: DemoContext, person_id: int) -> Scene:
    person = ctx.session.get(Person, person_id)
    assert person is not None
    profile = build_profile(ctx.session, ctx.taxonomy, person, config=ctx.config, as_of=ctx.as_of)
    return Scene(
        f"Who is {person.name or person.login}?",
        f"/csf profile {person.login}",
        profile_message(profile),
    )


def role_fit_scene(ctx: DemoContext, person_id: int) -> Scene:
    """How the candidate fits the team's first open role (the profile's role-fit part)."""
    person = _person(ctx, person_id)
    role = example_company().role(load_roles())
    fit = role_fit(ctx.session, person, role, as_of=ctx.as_of)
    message = {"text": f"Role fit: {role.name}", "blocks": role_fit_blocks(fit)}
    return Scene("How do they fit our roles?", f"/csf profile {person.login}", message)


def digest_scene(ctx: DemoContext) -> Scene:
    """This week's digest, as it lands in the talent channel on Monday morning."""
    period = period_ending(ctx.as_of.date(), ZoneInfo(DEMO_TIMEZONE))
    digest = compute_digest(
        ctx.session, ctx.taxonomy, config=ctx.config, team_id="demo", period=period, featured=[]
    )
    messages = digest_blocks(digest)
    blocks = [block for message in messages for block in message["blocks"]][:MAX_BLOCKS]
    message = {"text": messages[0]["text"], "blocks": blocks}
    return Scene("Who became active this week?", "#talent, Monday 09:00", message)


def outreach_scene(ctx: DemoContext, person_id: int) -> Scene:
    """A first message to the candidate that names their own work (the example company)."""
    person = _person(ctx, person_id)
    company = example_company()
    draft = draft_outreach(
        ctx.session,
        ctx.taxonomy,
        person,
        company=company,
        role=company.role(load_roles()),
        as_of=ctx.as_of,
        config=ctx.config,
    )
    message = {"text": outreach_text(draft), "blocks": outreach_blocks(draft)}
    return Scene("How do we reach out?", f"/csf outreach {person.login}", message)


def _person(ctx: DemoContext, person_id: int) -> Person:
    person = ctx.session.get(Person, person_id)
    assert person is not None
    return person

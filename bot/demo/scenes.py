"""What the demo shows: each scene is one thing a person does in Slack, and csf's answer.

A scene carries the Slack message csf would send (the same Block Kit the Slack app posts, built
by bot/views), so the terminal shows exactly what Slack would. Scenes whose feature has not
landed yet return a `pending` note instead; each is one function taking the demo's context, so
wiring a feature in is one call in its body (look for HOOK).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.demo.world import SampleWorld
from bot.models import Person
from bot.profile import build_profile
from bot.query import read_query
from bot.ranking import WhoAnswer, who
from bot.taxonomy import Taxonomy
from bot.views.people import profile_message, who_message

Message = dict[str, Any]  # a Slack message: {"text": ..., "blocks": [...]}


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
    return Scene(title, command, who_message(answer, query=command.removeprefix("/csf who ")))


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
    """How the candidate fits the team's open roles (the profile's role-fit part).

    HOOK(issue #8): return `Scene(title, command, message)` with the role-fit blocks from
    bot/roles.py for `person_id`.
    """
    return Scene("How do they fit our roles?", "Profile › role fit", pending="issue #8")


def digest_scene(ctx: DemoContext) -> Scene:
    """This week's digest, as it lands in the talent channel on Monday morning.

    HOOK(issue #7): return `Scene(title, command, message)` with the digest message from
    bot/digest.py for the week ending `ctx.as_of` (a Monday).
    """
    return Scene("Who became active this week?", "#talent, Monday 09:00", pending="issue #7")


def outreach_scene(ctx: DemoContext, person_id: int) -> Scene:
    """A first message to the candidate that names their own work.

    HOOK(issue #8): return `Scene(title, command, message)` with the outreach draft from
    bot/outreach.py for `person_id`.
    """
    person = ctx.session.get(Person, person_id)
    login = person.login if person is not None else person_id
    return Scene("How do we reach out?", f"/csf outreach {login}", pending="issue #8")

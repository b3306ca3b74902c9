"""What every answer csf gives in Slack is made of: who asked, and the message they get back.

Shared by the `/csf` subcommands (handlers/commands/), the buttons (handlers/buttons.py) and
reactions (handlers/reactions.py), so the three compute answers the same way and none of them
imports slack_bolt: each is tested without Slack.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from slackui.blocks.common import Message

# Shows a message to the person who asked, wherever they asked (a response URL, a modal, an
# ephemeral message): see handlers/replies.py. Not a reply object: GitHub's HTTP reply
# (bot.sources.github.http.Reply) is the only `Reply`.
SendToAsker = Callable[[Message], None]


@dataclass
class Asker:
    """Who is asking, and where: Slack's team, user and channel ids."""

    team_id: str
    user_id: str
    channel_id: str | None = None


@dataclass(frozen=True)
class Picture:
    """A picture that goes with an answer (the talent map), sent to the asker alone."""

    content: bytes
    filename: str
    title: str


@dataclass
class Answer:
    """A message, and the people it shows (recorded when it is posted, for save-by-reaction)."""

    message: Message
    person_ids: list[int] = field(default_factory=list)
    picture: Picture | None = None

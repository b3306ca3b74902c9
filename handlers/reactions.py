"""The answer to the save emoji on a message: save the one person it is about.

Kept out of the event listener so it is tested without Slack; the listener hands in how to
fetch the message and its permalink, and this module never imports slack_bolt.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from bot.shortlist.saves import posted_people
from handlers.answer import Asker
from handlers.commands.save import save_people
from handlers.context import AppContext
from handlers.slack_links import github_refs, resolve_refs
from slackui.blocks.common import Message
from slackui.blocks.people import notice

REACTION_HINT = (
    "csf saves people from its own cards and digests, or from messages that link a GitHub "
    "profile, PR or commit; it found no one to save in that message."
)


def save_by_reaction(
    ctx: AppContext,
    session: Session,
    asker: Asker,
    *,
    channel: str,
    ts: str,
    fetch_message: Callable[[], dict[str, Any] | None],
    permalink: Callable[[], str | None],
) -> Message:
    """Save the person a reacted message is about.

    csf's own messages resolve from what it recorded when posting (no Web API call); other
    messages are fetched and their GitHub links resolved. A message about several people is
    ambiguous, so it gets a hint instead of saving everyone.
    """
    person_ids = posted_people(session, channel, ts)
    if person_ids is None:
        message = fetch_message()
        if message is None:
            return notice(REACTION_HINT)
        resolution = resolve_refs(session, github_refs(message), ctx.pull_author)
        if resolution.suppressed and not resolution.person_ids:
            return notice("csf keeps no data about that person: they asked to be forgotten.")
        person_ids = resolution.person_ids
    if not person_ids:
        return notice(REACTION_HINT)
    if len(person_ids) > 1:
        return notice(
            f"That message is about {len(person_ids)} people; press *Save* on the one you mean, "
            "or react to a message about one person."
        )
    ref = permalink() or f"{channel}/{ts}"
    return save_people(session, person_ids, asker, source="reaction", source_ref=ref)

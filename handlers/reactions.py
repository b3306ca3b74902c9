"""The answer to the save emoji on a message: save the one person it is about.

Kept out of the event listener so it is tested without Slack; the listener hands in how to
fetch the message and its permalink, and this module never imports slack_bolt.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from bot.shortlist.saves import claim_event, posted_message
from handlers.answer import Asker
from handlers.commands.save import save_people
from handlers.context import AppContext
from handlers.slack_links import github_refs, resolve_refs
from slackui.blocks.common import Message
from slackui.blocks.people import notice

REACTION_HINT = (
    "csf saves people from its own cards and digests, or from messages that link a GitHub "
    "profile, PR or commit; it found no one to save in that message. (csf says this once; "
    "other reactions on such messages are left alone.)"
)
CANNOT_READ = {
    "not_in_channel": "csf is not in this channel, so it cannot read that message: invite it "
    "with `/invite @csf`, then react again.",
    "channel_not_found": "csf cannot see this channel (private, or csf was never added): "
    "invite it with `/invite @csf`, then react again.",
    "missing_scope": "csf lacks Slack's permission to read messages here: an admin can grant "
    "it `channels:history` and `groups:history` and reinstall the app (see the README).",
}


@dataclass(frozen=True)
class Reacted:
    """The reacted message as Slack gave it, or the error Slack answered instead."""

    message: dict[str, Any] | None
    error: str | None = None


@dataclass(frozen=True)
class ReactionAnswer:
    """What to say (None: stay silent), and in which thread."""

    message: Message | None
    thread_ts: str | None = None


def save_by_reaction(
    ctx: AppContext,
    session: Session,
    asker: Asker,
    *,
    channel: str,
    ts: str,
    fetch_message: Callable[[], Reacted],
    permalink: Callable[[], str | None],
) -> ReactionAnswer:
    """Save the person a reacted message is about, and say so in the message's thread.

    csf's own messages resolve from what it recorded when posting (no Web API call); other
    messages are fetched and their GitHub links resolved. A message about several people is
    ambiguous, so it gets a hint instead of saving everyone. The save emoji is also a plain
    bookmark to many people: on a message about no one, csf says how it works once per
    person and then stays silent.
    """
    posted = posted_message(session, channel, ts)
    thread = posted.thread_ts if posted is not None else None
    if posted is not None:
        person_ids = list(posted.person_ids)
    else:
        reacted = fetch_message()
        if reacted.error in CANNOT_READ:
            return ReactionAnswer(notice(CANNOT_READ[reacted.error]))
        message = reacted.message
        if message is None:
            return _hint_once(session, asker, None)
        if message.get("thread_ts") not in (None, ts):
            thread = str(message["thread_ts"])
        resolution = resolve_refs(session, github_refs(message), ctx.pull_author)
        if resolution.suppressed and not resolution.person_ids:
            return ReactionAnswer(
                notice("csf keeps no data about that person: they asked to be forgotten."),
                thread,
            )
        person_ids = resolution.person_ids
    if not person_ids:
        return _hint_once(session, asker, thread)
    if len(person_ids) > 1:
        return ReactionAnswer(
            notice(
                f"That message is about {len(person_ids)} people; press *Save* on the one you "
                "mean, or react to a message about one person."
            ),
            thread,
        )
    ref = permalink() or f"{channel}/{ts}"
    saved = save_people(session, person_ids, asker, source="reaction", source_ref=ref)
    return ReactionAnswer(saved, thread)


def _hint_once(session: Session, asker: Asker, thread: str | None) -> ReactionAnswer:
    if claim_event(session, f"reaction-hint:{asker.team_id}:{asker.user_id}"):
        return ReactionAnswer(notice(REACTION_HINT), thread)
    return ReactionAnswer(None)

"""Events: save by reaction, and the App Home.

Slack retries an event delivery when the ack is slow or lost (`X-Slack-Retry-Num`); the event
id is claimed in the database first, so a retry — or a second process — does nothing.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.shortlist.saves import claim_event
from handlers.answer import Asker
from handlers.context import AppContext
from handlers.guard import guard, permitted, persist
from handlers.reactions import Reacted, ReactionAnswer, save_by_reaction
from handlers.replies import publish_home

log = logging.getLogger("csf.slack")


def fetch_message(client: WebClient, channel: str, ts: str) -> Reacted:
    """The reacted message: top-level through history, else a reply through its thread.

    `conversations.replies` takes the ts of any message in a thread; the one whose ts matches
    is picked from what it returns, in whatever order (the parent comes first as Slack sends
    it, but nothing here depends on that). Slack's error, if any, is kept to say what to do.
    """
    try:
        history = client.conversations_history(channel=channel, latest=ts, inclusive=True, limit=1)
        for message in history.get("messages") or []:
            if message.get("ts") == ts:
                return Reacted(dict(message))
        cursor = None
        for _ in range(3):  # the time range leaves at most the message and its parent
            replies = client.conversations_replies(
                channel=channel,
                ts=ts,
                oldest=ts,
                latest=ts,
                inclusive=True,
                limit=15,
                **({"cursor": cursor} if cursor else {}),
            )
            for message in replies.get("messages") or []:
                if message.get("ts") == ts:
                    return Reacted(dict(message))
            cursor = (replies.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
    except SlackApiError as error:
        reason = str(error.response.get("error") or "")
        log.info("could not read %s/%s: %s", channel, ts, reason)
        return Reacted(None, reason)
    return Reacted(None)


def permalink(client: WebClient, channel: str, ts: str) -> str | None:
    try:
        return str(client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"])
    except (SlackApiError, KeyError):
        return None


def register(app: App, ctx: AppContext) -> None:
    @app.event("reaction_added")
    def reaction_added(body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
        # `bookmark::skin-tone-3` is the same emoji to the person who chose it.
        if str(event.get("reaction") or "").split("::", 1)[0] != ctx.settings.save_emoji:
            return
        item = event.get("item") or {}
        channel, ts = item.get("channel"), item.get("ts")
        if item.get("type") != "message" or not channel or not ts:
            return
        asker = Asker(str(body.get("team_id") or ""), str(event.get("user") or ""), channel)

        thread: dict[str, str] = {}  # the reacted message's thread, once known

        def reply(message: dict[str, Any]) -> None:
            client.chat_postEphemeral(
                channel=channel, user=asker.user_id, thread_ts=thread.get("thread_ts"), **message
            )

        event_id = str(body.get("event_id") or f"{channel}/{ts}/{asker.user_id}")
        if not permitted(ctx, asker, reply, what="save by reaction"):
            return
        # Slack will not deliver an acknowledged event again: a locked store is waited out
        # (claim and save are each safe to repeat), and only then is the person told.
        found: list[Reacted] = []

        def message_once() -> Reacted:
            if not found:  # one Web API read, however often the save is retried
                found.append(fetch_message(client, channel, ts))
            return found[0]

        def claim() -> bool:
            with ctx.session() as session:
                return claim_event(session, event_id)

        def save() -> ReactionAnswer:
            with ctx.session() as session:
                return save_by_reaction(
                    ctx,
                    session,
                    asker,
                    channel=channel,
                    ts=ts,
                    fetch_message=message_once,
                    permalink=lambda: permalink(client, channel, ts),
                )

        with guard(reply, what="save by reaction"):
            if not persist(claim):
                log.info("event %s already handled (retry %s)", event_id, body.get("retry"))
                return
            answer = persist(save)
            if answer.thread_ts:
                thread["thread_ts"] = answer.thread_ts
            if answer.message is None:
                return  # a bookmark on a message about no one, after the one hint
            reply(answer.message)
            publish_home(ctx, client, asker)

    @app.event(re.compile(r"^(?!reaction_added$|app_home_opened$).*"))
    def other_event() -> None:
        """Events csf does not act on (a workspace may subscribe the app to more): acked with
        a 200, since Slack counts a 404 as a failed delivery and retries it."""

    @app.event("app_home_opened")
    def app_home_opened(body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        asker = Asker(str(body.get("team_id") or ""), str(event.get("user") or ""), None)
        if not ctx.allowed(asker.user_id, None):
            client.views_publish(
                user_id=asker.user_id,
                view={
                    "type": "home",
                    "blocks": [
                        {
                            "type": "section",
                            "text": {"type": "mrkdwn", "text": "csf is not enabled for you."},
                        }
                    ],
                },
            )
            return
        with guard(lambda _m: None, what="app home"):
            publish_home(ctx, client, asker)

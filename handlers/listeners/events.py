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
from handlers.reactions import save_by_reaction
from handlers.replies import publish_home

log = logging.getLogger("csf.slack")


def fetch_message(client: WebClient, channel: str, ts: str) -> dict[str, Any] | None:
    """The reacted message: top-level through history, else a thread reply through replies."""
    try:
        history = client.conversations_history(channel=channel, latest=ts, inclusive=True, limit=1)
        for message in history.get("messages") or []:
            if message.get("ts") == ts:
                return dict(message)
        replies = client.conversations_replies(
            channel=channel, ts=ts, latest=ts, inclusive=True, limit=1
        )
        for message in replies.get("messages") or []:
            if message.get("ts") == ts:
                return dict(message)
    except SlackApiError as error:
        log.info("could not read %s/%s: %s", channel, ts, error.response.get("error"))
    return None


def permalink(client: WebClient, channel: str, ts: str) -> str | None:
    try:
        return str(client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"])
    except (SlackApiError, KeyError):
        return None


def register(app: App, ctx: AppContext) -> None:
    @app.event("reaction_added")
    def reaction_added(body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
        if event.get("reaction") != ctx.settings.save_emoji:
            return
        item = event.get("item") or {}
        channel, ts = item.get("channel"), item.get("ts")
        if item.get("type") != "message" or not channel or not ts:
            return
        asker = Asker(str(body.get("team_id") or ""), str(event.get("user") or ""), channel)

        def reply(message: dict[str, Any]) -> None:
            client.chat_postEphemeral(channel=channel, user=asker.user_id, **message)

        event_id = str(body.get("event_id") or f"{channel}/{ts}/{asker.user_id}")
        if not permitted(ctx, asker, reply, what="save by reaction"):
            return
        # Slack will not deliver an acknowledged event again: a locked store is waited out
        # (claim and save are each safe to repeat), and only then is the person told.
        found: dict[str, dict[str, Any] | None] = {}

        def message_once() -> dict[str, Any] | None:
            if "message" not in found:  # one Web API read, however often the save is retried
                found["message"] = fetch_message(client, channel, ts)
            return found["message"]

        def claim() -> bool:
            with ctx.session() as session:
                return claim_event(session, event_id)

        def save() -> dict[str, Any]:
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
            reply(persist(save))
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

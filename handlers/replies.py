"""Where an answer goes: the response URL of a command or message button, else a modal (App
Home buttons have no response URL), else an ephemeral message; and the App Home refresh."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.shortlist.saves import pipeline
from handlers.answer import Asker, SendToAsker
from handlers.context import AppContext
from slackui.blocks.shortlist import home_view

log = logging.getLogger("csf.slack")


def asker_of(body: dict[str, Any]) -> Asker:
    """Team, user and channel of an interaction payload (block actions, view submissions)."""
    user = body.get("user") or {}
    team = body.get("team") or {}
    channel = body.get("channel") or {}
    return Asker(
        team_id=str(team.get("id") or user.get("team_id") or ""),
        user_id=str(user.get("id") or ""),
        channel_id=channel.get("id"),
    )


def modal_of(message: dict[str, Any], title: str = "csf") -> dict[str, Any]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": title[:24]},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": message["blocks"][:100],
    }


def reply_to(body: dict[str, Any], respond: Respond, client: WebClient) -> SendToAsker:
    """A function that shows a message to the person who acted, wherever they acted."""

    def send(message: dict[str, Any]) -> None:
        if body.get("response_url") or (body.get("response_urls") or []):
            respond(response_type="ephemeral", replace_original=False, **message)
        elif body.get("trigger_id"):
            client.views_open(trigger_id=body["trigger_id"], view=modal_of(message))
        elif channel := (body.get("channel") or {}).get("id"):
            client.chat_postEphemeral(channel=channel, user=asker_of(body).user_id, **message)
        else:
            log.warning("no way to reply to %s", body.get("type"))

    return send


def loading_modal(
    client: WebClient, trigger_id: str, what: str, fallback: SendToAsker
) -> SendToAsker:
    """Open a modal now, while the click's trigger id lives; the reply fills it in later.

    If Slack refuses the modal (the trigger expired already), the answer goes the ordinary way.
    A modal the person closed meanwhile cannot be updated: they closed it, so the answer is
    logged and dropped.
    """
    try:
        opened = client.views_open(trigger_id=trigger_id, view=_loading_view(what))
        view_id = str((opened.get("view") or {})["id"])
    except (SlackApiError, KeyError):
        log.warning("could not open a loading modal for %s", what, exc_info=True)
        return fallback

    def send(message: dict[str, Any]) -> None:
        try:
            client.views_update(view_id=view_id, view=modal_of(message))
        except SlackApiError as error:
            if error.response.get("error") != "not_found":
                raise
            log.info("the %s modal was closed before its answer came", what)

    return send


def _loading_view(what: str) -> dict[str, Any]:
    noun = what.removesuffix(" button")
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "csf"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [
            {
                "type": "section",
                "text": {"type": "plain_text", "text": f"Working on the {noun}…"},
            }
        ],
    }


def publish_home(ctx: AppContext, client: WebClient, asker: Asker) -> None:
    """Refresh the person's App Home with the team's pipeline."""
    with ctx.session() as session:
        view = home_view(pipeline(session, asker.team_id))
    client.views_publish(user_id=asker.user_id, view=view)

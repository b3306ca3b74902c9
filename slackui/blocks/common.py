"""Pieces every csf message shares: action ids, person buttons, limits.

The action ids are the contract between the blocks csf posts (who cards, digest entries,
profiles) and the listeners in `handlers/`; a button's value carries only the person id, so a
click works the same on any message, however old.
"""

from __future__ import annotations

from typing import Any

ACTION_SAVE = "csf_save"
ACTION_NOT_A_FIT = "csf_not_a_fit"
ACTION_OUTREACH = "csf_outreach"
ACTION_PROFILE = "csf_profile"
ACTION_STATUS = "csf_status"
ACTION_NOTE = "csf_note"
ACTION_MORE = "csf_more"
ACTION_SHARE = "csf_share"
ACTION_SHARE_MAP = "csf_share_map"  # value: the `/csf map …` line, re-read when clicked
ACTION_ANOTHER_ANGLE = "csf_outreach_angle"  # value: see slackui.blocks.outreach.outreach_value
ACTION_MARK_CONTACTED = "csf_mark_contacted"  # value: the person id
ACTION_FORGET = "csf_forget"
ACTION_SAVED_MORE = "csf_saved_more"  # value: `stage:page` of `/csf saved STAGE`

MAX_BLOCKS = 50  # per message; 100 per view (App Home, modals)
MAX_VIEW_BLOCKS = 100
MAX_TEXT = 3000  # section text
MAX_BUTTON_VALUE = 2000
MAX_FALLBACK_TEXT = 3000  # the message's top-level `text`, kept short for notifications

Block = dict[str, Any]
Message = dict[str, Any]  # a Slack message: {"text": fallback, "blocks": [...]}


def person_block_id(person_id: int, position: int = 0) -> str:
    """A block id naming the person it shows (unique within a message by position)."""
    return f"person:{person_id}:{position}"


def person_from_block_id(block_id: str | None) -> int | None:
    if not block_id or not block_id.startswith("person:"):
        return None
    part = block_id.split(":")[1]
    return int(part) if part.isdigit() else None


def button(text: str, action_id: str, value: str, *, style: str | None = None) -> Block:
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "action_id": action_id,
        "value": value[:MAX_BUTTON_VALUE],
    }
    if style:
        element["style"] = style
    return element


def person_buttons(person_id: int, position: int = 0) -> Block:
    """Save · Outreach · Profile · Not a fit for one person."""
    value = str(person_id)
    return {
        "type": "actions",
        "block_id": f"actions:{person_id}:{position}",
        "elements": [
            button("Save", ACTION_SAVE, value, style="primary"),
            button("Outreach", ACTION_OUTREACH, value),
            button("Profile", ACTION_PROFILE, value),
            button("Not a fit", ACTION_NOT_A_FIT, value, style="danger"),
        ],
    }


def section(text: str, *, block_id: str | None = None) -> Block:
    block: Block = {"type": "section", "text": {"type": "mrkdwn", "text": text[:MAX_TEXT]}}
    if block_id:
        block["block_id"] = block_id
    return block


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:MAX_TEXT]}]}


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": text[:150], "emoji": True}}


def divider() -> Block:
    return {"type": "divider"}

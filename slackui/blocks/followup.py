"""The follow-up reminder DM: who went quiet after being contacted, with their buttons."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.shortlist.followup import Followup
from slackui.blocks.common import context, person_block_id, person_buttons, section
from slackui.blocks.mrkdwn import escape, truncate
from slackui.blocks.people import display_name, person_heading


def followup_message(followup: Followup, *, now: datetime) -> dict[str, Any]:
    days = max((now - followup.since).days, 1)
    person_id = int(followup.person["id"])
    name = escape(truncate(display_name(followup.person), 80))
    text = (
        f"You marked *{name}* as contacted; nothing has changed for {days} days. "
        "Did they reply? Update their status in csf's App Home, or add a note."
    )
    return {
        "text": f"Follow up with {name}? Contacted {days} days ago, nothing since.",
        "blocks": [
            section(text),
            section(person_heading(followup.person), block_id=person_block_id(person_id)),
            person_buttons(person_id),
            context(f"Last change: {followup.since:%Y-%m-%d}."),
        ],
    }

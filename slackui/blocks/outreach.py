"""Outreach drafts and role fit as Block Kit: what the Outreach button and `/csf outreach` show.

Drafts hold text from GitHub (titles, names) and from a team's files; all of it is escaped for
mrkdwn here. The draft is shown as plain sections, not a code block, so it reads as the message
it is; long bodies are split at paragraph boundaries to stay within Slack's 3000 characters per
section. csf never sends the draft: the card says so, and a person copies it into their mail.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from bot.outreach.drafts import ANGLES, TEMPLATES, Draft, next_angle, plain
from bot.outreach.roles import Rating, RoleFit
from slackui.blocks.common import (
    ACTION_ANOTHER_ANGLE,
    ACTION_MARK_CONTACTED,
    MAX_BLOCKS,
    MAX_TEXT,
    Block,
    button,
    context,
    divider,
    header,
    person_block_id,
    section,
)
from slackui.blocks.mrkdwn import escape, link, truncate

TEMPLATE_LABELS = {
    "first_email": "First email",
    "dm": "Short note (LinkedIn/DM)",
    "follow_up": "Follow-up",
}
_MARKS = {
    Rating.STRONG: "●●●",
    Rating.MODERATE: "●●○",
    Rating.LIMITED: "●○○",
    Rating.NONE: "○○○",
}


@dataclass(frozen=True)
class OutreachRequest:
    """What an "Another angle" click asks for, carried in the button's value."""

    person_id: int
    template: str
    angle: str
    role: str


def outreach_value(person_id: int, template: str, angle: str, role: str) -> str:
    return json.dumps({"p": person_id, "t": template, "a": angle, "r": role}, separators=(",", ":"))


def parse_outreach_value(value: str) -> OutreachRequest | None:
    """The request in a button value, or None when it is not one csf made."""
    try:
        data = json.loads(value)
        request = OutreachRequest(int(data["p"]), str(data["t"]), str(data["a"]), str(data["r"]))
    except (ValueError, TypeError, KeyError):
        return None
    if request.template not in TEMPLATES or request.angle not in ANGLES:
        return None
    return request


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Escaped mrkdwn cut into pieces of at most `limit`: at paragraphs, then at spaces.

    Never inside an `&amp;`-style entity: a cut there would show a broken character.
    """
    pieces: list[str] = []
    current = ""
    for paragraph in text.split("\n\n"):
        candidate = f"{current}\n\n{paragraph}" if current else paragraph
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
        current = paragraph
        while len(current) > limit:
            cut = current.rfind(" ", 0, limit + 1)
            if cut <= 0:
                cut = limit
                amp = current.rfind("&", cut - 6, cut)
                if amp > 0 and ";" not in current[amp:cut]:
                    cut = amp
            pieces.append(current[:cut].rstrip())
            current = current[cut:].lstrip()
    if current:
        pieces.append(current)
    return pieces


def _label(draft: Draft) -> str:
    return draft.name or draft.login or f"#{draft.person_id}"


def outreach_text(draft: Draft) -> str:
    """The message's top-level `text` (notifications, screen readers)."""
    return escape(truncate(f"Outreach draft for {_label(draft)} ({draft.role_name})", 300))


def _route(kind: str, value: str, note: str) -> str:
    # A website is on a host of the person's choosing: shown as the text it is, never as csf's
    # link (Slack may still make it clickable, showing exactly where it goes).
    shown = link(value, value) if kind == "github" else escape(value)
    return f"• {shown} — {escape(note)}"


def outreach_blocks(draft: Draft) -> list[Block]:
    """The draft, where it points, what it cites, and the buttons to move on from it."""
    # plain_text: Slack renders no markup there; `plain` drops control and bidi characters.
    blocks: list[Block] = [header(plain(f"Outreach draft: {_label(draft)}", 150))]
    angle = ANGLES.get(draft.angle, draft.angle)
    blocks.append(
        context(
            f"{escape(TEMPLATE_LABELS.get(draft.template, draft.template))} · angle: "
            f"{escape(angle)} · role: {escape(draft.role_name)} · theme: "
            f"{escape(truncate(draft.theme, 200))}. A draft: csf never sends it; "
            "read it, make it yours, and send it yourself."
        )
    )
    if draft.routes:
        routes = "\n".join(_route(r.kind, r.value, r.note) for r in draft.routes)
        blocks.append(section(f"*Where they invite contact*\n{routes}"))
    else:
        blocks.append(section("*Where they invite contact*\nThey publish no contact route."))
    blocks.append(divider())
    if draft.subject:
        blocks.append(section(f"*Subject:* {escape(truncate(draft.subject, 300))}"))
    room = MAX_BLOCKS - len(blocks) - 3  # the cites, the buttons, a marker if cut
    pieces = split_text(escape(draft.body))
    for piece in pieces[:room]:
        blocks.append(section(piece))
    if len(pieces) > room:
        blocks.append(
            context("The draft is longer than Slack shows; `csf outreach` prints it all.")
        )
    blocks.append(divider())
    if draft.cites:
        cited = " · ".join(
            f"{link(c.url, c.title, limit=120)} ({escape(c.area)}, {c.when:%Y-%m-%d})"
            for c in draft.cites
        )
        blocks.append(context(f"Cites: {cited}"))
    elements = []
    if len(draft.angles) > 1:
        value = outreach_value(draft.person_id, draft.template, next_angle(draft), draft.role)
        elements.append(button("Another angle", ACTION_ANOTHER_ANGLE, value))
    elements.append(
        button("Mark as contacted", ACTION_MARK_CONTACTED, str(draft.person_id), style="primary")
    )
    blocks.append(
        {
            "type": "actions",
            "block_id": person_block_id(draft.person_id),
            "elements": elements,
        }
    )
    return blocks


def role_fit_blocks(fit: RoleFit) -> list[Block]:
    """Each dimension with its rating, the finding behind it and up to three links."""
    person = fit.name or fit.login or f"#{fit.person_id}"
    blocks: list[Block] = [
        header(plain(f"{fit.role_name} fit: {person}", 150)),
        section(escape(fit.summary)),
    ]
    for dimension in fit.dimensions[: MAX_BLOCKS - 3]:
        findings = escape("; ".join(dimension.findings))
        examples = " · ".join(link(e.url, e.title or e.kind, limit=90) for e in dimension.examples)
        head = f"{_MARKS[dimension.rating]} *{escape(dimension.name)}*: {dimension.rating.label}"
        text = f"{head}\n{findings}"
        if examples and len(text) + len(examples) + 1 <= MAX_TEXT:
            text += f"\n{examples}"
        blocks.append(section(text if len(text) <= MAX_TEXT else split_text(text)[0]))
    blocks.append(
        context(
            f"From public work in the {fit.window_days} days to {fit.as_of:%Y-%m-%d}. "
            "No public evidence is a question to ask, not a no: much compiler work is private."
        )
    )
    return blocks

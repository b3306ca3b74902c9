"""The team's pipeline in Slack: the App Home tab, `/csf saved`, and the note modal."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from bot.people.view import PersonView
from bot.shortlist.saves import PIPELINE, STATUS_LABELS, PipelineEntry
from bot.store.models import CandidateStatus
from slackui.blocks.common import (
    ACTION_NOTE,
    ACTION_OUTREACH,
    ACTION_PROFILE,
    ACTION_SAVED_MORE,
    ACTION_STATUS,
    MAX_BLOCKS,
    MAX_VIEW_BLOCKS,
    Block,
    button,
    context,
    divider,
    header,
    person_block_id,
    section,
)
from slackui.blocks.mrkdwn import escape, truncate
from slackui.blocks.people import person_heading

NOTE_MODAL = "csf_note_modal"
NOTE_BLOCK = "note"
NOTE_INPUT = "text"
_SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,20}$")


def who_did(actor: str) -> str:
    """A Slack mention for Slack user ids; anything else (the CLI's user) as plain text."""
    return f"<@{actor}>" if _SLACK_USER.match(actor) else escape(actor)


def _status_select(entry: PipelineEntry) -> Block:
    person_id = entry.candidate.person_id
    options: list[dict[str, Any]] = [
        {
            "text": {"type": "plain_text", "text": STATUS_LABELS[s.value]},
            "value": f"{person_id}:{s.value}",
        }
        for s in CandidateStatus
    ]
    current = next(o for o in options if o["value"] == f"{person_id}:{entry.candidate.status}")
    return {
        "type": "static_select",
        "action_id": ACTION_STATUS,
        "options": options,
        "initial_option": current,
    }


def _when(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d}"


def entry_blocks(entry: PipelineEntry, position: int, *, with_controls: bool) -> list[Block]:
    candidate, person_id = entry.candidate, entry.candidate.person_id
    saved = f"saved by {who_did(candidate.saved_by)} on {_when(candidate.saved_at)}"
    text = f"{person_heading(PersonView.from_person(entry.person).as_dict())}\n{saved}"
    main = section(text, block_id=person_block_id(person_id, position))
    if with_controls:
        main["accessory"] = _status_select(entry)
    blocks = [main]
    if entry.notes:
        latest = entry.notes[0]
        more = f" (+{len(entry.notes) - 1} more)" if len(entry.notes) > 1 else ""
        blocks.append(
            context(
                f":memo: {escape(truncate(latest.text, 280))} — {who_did(latest.author)}, "
                f"{_when(latest.created_at)}{more}"
            )
        )
    if with_controls:
        value = str(person_id)
        blocks.append(
            {
                "type": "actions",
                "block_id": f"home:{person_id}:{position}",
                "elements": [
                    button("Add note", ACTION_NOTE, value),
                    button("Outreach", ACTION_OUTREACH, value),
                    button("Profile", ACTION_PROFILE, value),
                ],
            }
        )
    return blocks


def _grouped(entries: list[PipelineEntry], limit: int, *, with_controls: bool) -> list[Block]:
    """The entries by pipeline stage, within `limit` blocks: every stage that has people shows.

    Each stage keeps room for its heading and an "and N more" line first; then the stages take
    turns adding one person each, so sixty saved never push Contacted or Interviewing off the
    page. A stage cut short says how to see all of it (`/csf saved STAGE`, which pages).
    """
    order = [s.value for s in PIPELINE] + ["not_a_fit"]
    every = {status: [e for e in entries if e.candidate.status == status] for status in order}
    groups = {status: group for status, group in every.items() if group}
    left = limit - 3 * len(groups)  # divider, heading and "and N more" for each stage
    rendered: dict[str, list[Block]] = {status: [] for status in groups}
    shown = dict.fromkeys(groups, 0)
    growing = True
    while growing:
        growing = False
        for status, group in groups.items():
            if shown[status] == len(group):
                continue
            position = shown[status]
            more = entry_blocks(group[position], position, with_controls=with_controls)
            if len(more) > left:
                continue
            rendered[status] += more
            shown[status] += 1
            left -= len(more)
            growing = True
    blocks: list[Block] = []
    for status, group in groups.items():
        heading = section(f"*{STATUS_LABELS[status]}* ({len(group)})")
        blocks += [divider(), heading, *rendered[status]]
        hidden = len(group) - shown[status]
        if hidden:
            blocks.append(context(f"and {hidden} more: `/csf saved {status}`"))
    return blocks[:limit]


def home_view(entries: list[PipelineEntry]) -> dict[str, Any]:
    """The App Home tab: the pipeline by status, newest change first."""
    blocks: list[Block] = [header("Shortlist")]
    if not entries:
        blocks.append(
            section(
                "No one saved yet. Find people with `/csf who mlir bufferization`, then press "
                "*Save* or react with the save emoji on a message that links them."
            )
        )
    else:
        counts = ", ".join(
            f"{STATUS_LABELS[s]} {n}"
            for s in STATUS_LABELS
            if (n := sum(e.candidate.status == s for e in entries))
        )
        blocks.append(context(counts))
        blocks += _grouped(entries, MAX_VIEW_BLOCKS - len(blocks), with_controls=True)
    return {"type": "home", "blocks": blocks[:MAX_VIEW_BLOCKS]}


SAVED_PAGE = 20  # people per page of `/csf saved STAGE` (each takes one or two blocks)


def saved_message(
    entries: list[PipelineEntry], status: str | None, *, page: int = 1
) -> dict[str, Any]:
    """`/csf saved [STATUS]` as a message (no controls: those live in the App Home).

    One stage is paged (`More` shows the next page in place), so a stage of any length can be
    read in full; the whole shortlist shows every stage, each pointing at its own pages.
    """
    what = STATUS_LABELS.get(status or "", "Shortlist")
    if not entries:
        text = f"*{what}*: no one yet."
        return {"text": f"csf: {what}: no one yet", "blocks": [section(text)]}
    blocks: list[Block] = [section(f"*{what}* ({len(entries)}) — manage it in the csf App Home")]
    if status is None:
        blocks += _grouped(entries, MAX_BLOCKS - 1, with_controls=False)
        return {"text": f"csf: {what} ({len(entries)})", "blocks": blocks}
    start = (page - 1) * SAVED_PAGE
    shown = entries[start : start + SAVED_PAGE]
    if not shown:
        blocks.append(section("That is everyone in this stage."))
    for position, entry in enumerate(shown, start=start):
        blocks += entry_blocks(entry, position, with_controls=False)
    end = start + len(shown)
    if end < len(entries):
        blocks.append(context(f"{start + 1}–{end} of {len(entries)}"))
        blocks.append(
            {
                "type": "actions",
                "block_id": f"saved:{status}:{page}",
                "elements": [button("More", ACTION_SAVED_MORE, f"{status}:{page + 1}")],
            }
        )
    return {"text": f"csf: {what} ({len(entries)})", "blocks": blocks}


def parse_saved_more(value: str) -> tuple[str, int] | None:
    """A More button's `stage:page`, or None for a value csf did not build."""
    status, _, page = value.partition(":")
    if status not in STATUS_LABELS or not page.isdigit() or not 1 < int(page) <= 10_000:
        return None
    return status, int(page)


def note_modal(person_id: int, person_label: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": NOTE_MODAL,
        "private_metadata": str(person_id),
        "title": {"type": "plain_text", "text": "Add a note"},
        "submit": {"type": "plain_text", "text": "Save note"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            section(f"A note on *{escape(person_label)}*, for the team"),
            {
                "type": "input",
                "block_id": NOTE_BLOCK,
                "label": {"type": "plain_text", "text": "Note"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": NOTE_INPUT,
                    "multiline": True,
                    "max_length": 3000,
                },
            },
        ],
    }

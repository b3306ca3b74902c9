"""Block Kit for the weekly digest: a header message, then one message per person in its thread.

A reaction names a whole message, so each person gets a message of their own (carrying their
id in its block ids and buttons): a :bookmark: on an entry saves exactly that person. The
header names everyone by ecosystem and topic, in sections that stay within Block Kit's limits
however many ecosystems a team tracks.
"""

from __future__ import annotations

from datetime import timedelta

from bot.reports.digest import Digest, Entry, Period
from slackui.blocks.common import (
    MAX_BLOCKS,
    MAX_TEXT,
    Block,
    Message,
    context,
    header,
    person_block_id,
    person_buttons,
    section,
)
from slackui.blocks.mrkdwn import escape, truncate
from slackui.blocks.people import display_name, evidence_line, person_heading

EVIDENCE_SHOWN = 3


def period_label(period: Period) -> str:
    """ "2 Mar – 8 Mar 2026": the days covered, as people in the team's zone count them."""
    first = period.start.astimezone(period.tz)
    last = (period.end - timedelta(microseconds=1)).astimezone(period.tz)
    return f"{first.day} {first:%b} – {last.day} {last:%b %Y}"


def digest_blocks(digest: Digest) -> list[Message]:
    """The header message, then one message per entry (to be posted in the header's thread)."""
    return [header_message(digest), *(entry_message(e) for e in digest.entries)]


def header_message(digest: Digest) -> Message:
    label = period_label(digest.period)
    blocks: list[Block] = [header(f"Newly active compiler engineers, {label}")]
    count = len(digest.entries)
    if not count:
        blocks.append(
            section("No one crossed the bar this week: no newly active, high-signal contributors.")
        )
        return {"text": f"csf weekly digest, {label}: no one new this week", "blocks": blocks}
    groups = digest.by_ecosystem()
    room = MAX_BLOCKS - len(blocks) - 1
    for ecosystem, entries in groups[:room]:
        lines = [f"*{escape(entries[0].ecosystem_name)}*"]
        lines += [
            f"• {escape(truncate(display_name(e.person), 60))} — {escape(e.topic_name)}"
            for e in entries
        ]
        blocks.append(section(_fit("\n".join(lines)), block_id=f"digest:{ecosystem}"))
    people = "person" if count == 1 else "people"
    blocks.append(
        context(
            f"{count} {people} in {len(groups)} ecosystem{'s' if len(groups) != 1 else ''}. "
            "Each is in the thread with the reason, evidence and buttons; react with the save "
            "emoji to an entry to shortlist that person."
        )
    )
    names = ", ".join(display_name(e.person) for e in digest.entries[:5])
    more = f" and {count - 5} more" if count > 5 else ""
    return {"text": escape(f"csf weekly digest, {label}: {names}{more}"), "blocks": blocks}


def entry_message(entry: Entry, position: int = 0) -> Message:
    """One person: topic, who and where, why now, the proof, and Save / Outreach / Not a fit."""
    lines = [
        f"*{escape(entry.label)}*",
        person_heading(entry.person),
        escape(entry.reason),
        *(evidence_line(e) for e in entry.evidence[:EVIDENCE_SHOWN]),
    ]
    blocks = [
        section(_fit("\n".join(lines)), block_id=person_block_id(entry.person_id, position)),
        context(f"score {entry.score:.1f} (recent work in the topic, newest weighing most)"),
        person_buttons(entry.person_id, position),
    ]
    text = escape(f"{display_name(entry.person)}: {entry.reason}")
    return {"text": truncate(text, MAX_TEXT), "blocks": blocks}


def _fit(text: str) -> str:
    """Text within a section's limit, cut at a line break rather than inside a link."""
    if len(text) <= MAX_TEXT:
        return text
    cut = text[: MAX_TEXT - 1].rsplit("\n", 1)[0]
    return cut + "\n…"

"""Block Kit for people: `who` answers as cards, profiles, the shortlist.

A card is what a sourcer scans in a second: who (name, login link), where (flag, region), why
(the reason line) and the proof (two or three linked contributions), with the buttons that act
on that person. Every string that came from GitHub goes through `escape`/`link`.
"""

from __future__ import annotations

from typing import Any

from bot.people.view import PersonView
from bot.ranking.who import Evidence, Result, WhoAnswer, answer_notes, empty_hint, namesake_line
from bot.ranking.words import activity as activity_words
from bot.ranking.words import did, score_parts
from bot.reports.profile import Profile
from slackui.blocks.common import (
    ACTION_MORE,
    ACTION_SHARE,
    MAX_BLOCKS,
    Block,
    button,
    context,
    person_block_id,
    person_buttons,
    person_from_block_id,
    section,
)
from slackui.blocks.mrkdwn import escape, link, truncate
from slackui.blocks.who_state import WhoState, encode_who_state

GITHUB = "https://github.com/"
PAGE_SIZE = 10
REGION_FLAGS = {"uk": ":flag-gb:", "eu": ":flag-eu:", "us": ":flag-us:"}
EVIDENCE_SHOWN = 3
BLOCKS_PER_CARD = 3


def display_name(person: dict[str, Any]) -> str:
    return str(person.get("name") or person.get("login") or f"person #{person.get('id')}")


def flag(person: dict[str, Any]) -> str:
    """A flag emoji for the person's country (or region) so talent pools read at a glance."""
    country = person.get("country")
    if isinstance(country, str) and len(country) == 2 and country.isalpha():
        return f":flag-{country.lower()}:"
    return REGION_FLAGS.get(str(person.get("region")), ":globe_with_meridians:")


def person_heading(person: dict[str, Any]) -> str:
    """`*Name* · <login link> · :flag: Location (region)`, escaped."""
    parts = [f"*{escape(truncate(display_name(person), 80))}*"]
    login = person.get("login")
    if login:
        parts.append(link(GITHUB + str(login), "@" + str(login)))
    elif person.get("id") is not None:  # known from git alone: `/csf profile #ID` finds them
        parts.append(f"#{int(person['id'])}")
    where = escape(truncate(str(person.get("location") or "location unknown"), 60))
    region = escape(str(person.get("region") or "unknown"))
    if person.get("region_level") == "likely":
        why = escape(truncate(str(person.get("region_why") or ""), 90))
        parts.append(f"{flag(person)} {where} (likely {region}: _{why}_)")
    else:
        parts.append(f"{flag(person)} {where} ({region})")
    return " · ".join(parts)


def evidence_line(item: Evidence) -> str:
    """`• authored <link|title> (date, size)`: what they did, on what, how big."""
    title = item.title or item.kind
    size = f", {escape(item.size)}" if item.size else ""
    return f"• {did(item)} {link(item.url, title, limit=120)} ({item.when:%Y-%m-%d}{size})"


def who_card(result: Result, position: int) -> list[Block]:
    person = result.person
    lines = [f"{result.rank}. {person_heading(person)}"]
    career = PersonView.from_dict(person).career_line
    if career:
        lines.append(f"_{escape(truncate(career, 200))}_")
    lines.append(escape(result.reason))
    if same := namesake_line(result):  # the note above the cards says to look here
        lines.append(escape(same))
    lines += [evidence_line(e) for e in result.evidence[:EVIDENCE_SHOWN]]
    parts = score_parts(result.components)
    return [
        section("\n".join(lines), block_id=person_block_id(result.person_id, position)),
        context(f"score {result.score:.1f} — {escape(parts)}"),
        person_buttons(result.person_id, position),
    ]


def who_message(
    answer: WhoAnswer,
    *,
    state: WhoState,
    page_size: int = PAGE_SIZE,
    shared: bool = False,
) -> dict[str, Any]:
    """The answer to `/csf who`, one page of cards, with Share and More buttons.

    `answer` holds the results up to the end of `state`'s page; earlier pages are skipped.
    The buttons carry `state` (slackui/blocks/who_state.py). A shared copy (posted to the
    channel) has no Share/More buttons: those act for one person.
    """
    page = state.page
    reading = answer.reading
    window = f"{answer.window_days} days to {answer.as_of:%Y-%m-%d}"
    title = f"*{escape(reading.label)}* ({window})"
    notes = answer_notes(answer)
    if notes:
        title += "\n" + "\n".join(f"_{escape(note)}_" for note in notes)
    start = (page - 1) * page_size
    shown = answer.results[start : start + page_size]
    blocks: list[Block] = [section(title)]
    if not shown:
        blocks.append(section(_nothing_found(answer, page)))
        return {"text": escape(f"csf: {reading.label}: no one found"), "blocks": blocks}
    for position, result in enumerate(shown):
        if len(blocks) + BLOCKS_PER_CARD + 2 > MAX_BLOCKS:
            break
        blocks += who_card(result, position)
    if not shared:
        footer = [button("Share in channel", ACTION_SHARE, encode_who_state(state))]
        if len(answer.results) > start + page_size:
            footer.append(button("More", ACTION_MORE, encode_who_state(state.next_page())))
        blocks.append({"type": "actions", "block_id": "who_footer", "elements": footer})
    names = ", ".join(display_name(r.person) for r in shown[:5])
    return {"text": escape(f"csf: {reading.label}: {names}"), "blocks": blocks}


def _nothing_found(answer: WhoAnswer, page: int) -> str:
    reading = answer.reading
    if page > 1:
        return "That is everyone csf found."
    if reading.suggestions:
        return "No one found. Did you mean: " + ", ".join(
            f"`{escape(s)}`" for s in reading.suggestions
        )
    if not reading.tags:
        return (
            "No known ecosystem or topic in that, and no work matches its words. "
            "Try `/csf topics` to see the areas csf knows."
        )
    hint = escape(empty_hint(answer))
    return f"No one found: {hint}."


def person_ids_of(message: dict[str, Any]) -> list[int]:
    """The people a message built here shows, in order (from their block ids)."""
    seen: list[int] = []
    for block in message.get("blocks", []):
        person = person_from_block_id(block.get("block_id"))
        if person is not None and person not in seen:
            seen.append(person)
    return seen


def profile_message(profile: Profile) -> dict[str, Any]:
    person = profile.person
    person_id = int(person["id"])
    lines = [person_heading(person)]
    if person.get("company"):
        lines.append(escape(truncate(str(person["company"]), 100)))
    career = PersonView.from_dict(person).career_line
    if career:
        lines.append(f"Over time: {escape(truncate(career, 200))}")
    total = sum(profile.monthly)
    lines.append(f"last 12 months `{profile.sparkline}` ({total} contributions)")
    if profile.languages:
        lines.append("languages: " + ", ".join(f"{lang} {pct}%" for lang, pct in profile.languages))
    blocks: list[Block] = [section("\n".join(lines), block_id=person_block_id(person_id))]
    if profile.topics:
        rows = []
        for activity in profile.topics[:8]:
            counts = activity_words(activity.counts)
            rows.append(
                f"• *{escape(activity.name)}* (`{escape(activity.topic)}`) score "
                f"{activity.score:.1f}: {escape(counts)}, last {activity.last_active:%Y-%m-%d}"
            )
        blocks.append(section("\n".join(rows)))
    if profile.evidence:
        blocks.append(section("\n".join(evidence_line(e) for e in profile.evidence[:5])))
    blocks.append(person_buttons(person_id))
    return {"text": escape(f"csf profile: {display_name(person)}"), "blocks": blocks}


def notice(text: str) -> dict[str, Any]:
    """A one-section message; `text` must already be mrkdwn-safe."""
    return {"text": text, "blocks": [section(text)]}

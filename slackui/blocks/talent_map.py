"""The talent map as a picture (PNG bar charts) and as a message (the text fallback).

Where people would rather look than read: three bar charts side by side, countries, companies
and universities, saved from the terminal (`csf map --png`). The message carries the same
numbers as text: it is what `/csf map` answers in Slack (csf asks for no files:write scope).
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from bot.reports.talent_map import Count, TalentMap
from slackui.blocks.common import Block, context, section
from slackui.blocks.mrkdwn import escape

TOP = 10
_COLOURS = ("#4a154b", "#1264a3", "#2eb67d")


def title(tmap: TalentMap) -> str:
    where = f", {tmap.region}" if tmap.region else ""
    return (
        f"{tmap.reading.label}: {tmap.people} high-signal people "
        f"({tmap.window_days} days to {tmap.as_of:%Y-%m-%d}{where})"
    )


def panels(tmap: TalentMap) -> list[tuple[str, list[Count]]]:
    return [
        ("Countries", tmap.countries),
        ("Companies", tmap.companies),
        ("Universities", tmap.universities),
    ]


def chart_png(tmap: TalentMap, *, top: int = TOP) -> bytes:
    """Three horizontal bar charts in one PNG (a Figure without pyplot: no global state)."""
    from matplotlib.figure import Figure  # imported here: every other command starts faster

    figure = Figure(figsize=(14, 5), dpi=100, layout="constrained")
    axes = figure.subplots(1, 3)
    for ax, (name, counts), colour in zip(axes, panels(tmap), _COLOURS, strict=True):
        shown = counts[:top][::-1]
        ax.barh([c.label for c in shown], [c.people for c in shown], color=colour)
        ax.set_title(name)
        ax.set_xlabel("people")
        ax.xaxis.get_major_locator().set_params(integer=True)
        if not shown:
            ax.text(0.5, 0.5, "none", ha="center", va="center", transform=ax.transAxes)
    figure.suptitle(title(tmap))
    buffer = BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def map_message(tmap: TalentMap, *, top: int = TOP) -> dict[str, Any]:
    """The text version: each panel's top rows, escaped for mrkdwn."""
    blocks: list[Block] = [section(f"*{escape(title(tmap))}*")]
    for name, counts in panels(tmap):
        rows = ", ".join(f"{escape(c.label)} {c.people}" for c in counts[:top]) or "none"
        blocks.append(section(f"*{name}*: {rows}"))
    blocks.append(context("High-signal: the people `/csf who` ranks highest in this area."))
    return {"text": escape(f"csf map: {title(tmap)}"), "blocks": blocks}

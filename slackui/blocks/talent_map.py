"""The talent map as a picture (PNG bar charts) and as a message (the text fallback).

Where people would rather look than read: the area's people on a map of Europe, with bars for
companies and universities beside it, saved from the terminal (`csf map --png`) and sent to the
asker's direct messages by `/csf map`. The message carries the same numbers as text: it is the
answer in Slack, and the fallback when a picture cannot be sent.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from bot.reports.geography import bounds, centre, city_points, outlines
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
    """The area's people on a map of Europe, beside bars for companies and universities.

    A Figure without pyplot (no global state). On the map: countries shaded by how many of the
    area's people are there, a filled dot per city a profile names (stated), a ring per country
    clues place people in (likely); people placed elsewhere or nowhere are counted in its title.
    """
    from matplotlib.figure import Figure  # imported here: every other command starts faster
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(15, 7), dpi=100, layout="constrained")
    grid = figure.add_gridspec(2, 2, width_ratios=(3, 2))
    draw_europe(figure.add_subplot(grid[:, 0]), tmap)
    bars = [figure.add_subplot(grid[0, 1]), figure.add_subplot(grid[1, 1])]
    named = [("Companies", tmap.companies), ("Universities", tmap.universities)]
    for ax, (name, counts), colour in zip(bars, named, _COLOURS[1:], strict=True):
        shown = counts[:top][::-1]
        ax.barh([c.label for c in shown], [c.people for c in shown], color=colour)
        ax.set_title(name)
        ax.set_xlabel("people")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if not shown:
            ax.text(0.5, 0.5, "none", ha="center", va="center", transform=ax.transAxes)
            ax.set_xticks([])
            ax.set_yticks([])
    figure.suptitle(title(tmap))
    buffer = BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


@dataclass(frozen=True)
class Drawn:
    """What the map shows: for a test to check, and for the map's own title."""

    countries: int  # outlines drawn
    shaded: dict[str, int]  # country -> people there
    cities: dict[str, int]  # city -> people a profile places there (stated)
    likely: dict[str, int]  # country -> people clues place there
    in_europe: int  # placed in Europe, no country known (Central European clocks)
    elsewhere: int  # outside the map, or placed nowhere


def draw_europe(ax: Any, tmap: TalentMap) -> Drawn:
    """The map of Europe on `ax`; returns what was drawn."""
    from matplotlib.patches import Polygon

    shaded: Counter[str] = Counter()
    cities: Counter[str] = Counter()
    likely: Counter[str] = Counter()
    points = city_points()
    shapes = outlines()
    elsewhere = in_europe = 0
    for person in tmap.placed:
        if person.country is None and person.region in ("uk", "eu", "europe"):
            in_europe += 1
            continue
        if person.country is None or person.country not in shapes:
            elsewhere += 1
            continue
        shaded[person.country] += 1
        if person.level == "likely":
            likely[person.country] += 1
        elif person.city in points:
            cities[person.city] += 1
    most = max(shaded.values(), default=1)
    for code, rings in shapes.items():
        share = shaded.get(code, 0) / most
        colour = (
            (0.93 - 0.55 * share, 0.94 - 0.45 * share, 0.96 - 0.2 * share)
            if share
            else (
                0.93,
                0.93,
                0.93,
            )
        )
        for ring in rings:
            ax.add_patch(Polygon(ring, closed=True, facecolor=colour, edgecolor="#8a8a8a", lw=0.4))
    for city, count in cities.items():
        x, y = points[city]
        ax.scatter([x], [y], s=30 + 25 * count, color=_COLOURS[0], zorder=3)
        ax.annotate(
            f"{city.title()} {count}",
            (x, y),
            xytext=(4, 4),
            textcoords="offset points",
            fontsize=8,
            zorder=4,
        )
    for code, count in likely.items():
        where = centre(code)
        if where is None:
            continue
        ax.scatter(
            [where[0]],
            [where[1]],
            s=60 + 25 * count,
            facecolors="none",
            edgecolors=_COLOURS[2],
            linewidths=1.5,
            zorder=3,
        )
        ax.annotate(
            f"likely {count}",
            where,
            xytext=(4, -10),
            textcoords="offset points",
            fontsize=8,
            color=_COLOURS[2],
            zorder=4,
        )
    west, south, east, north = bounds()
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_aspect(1.6)  # degrees of longitude are shorter up here: a plain, honest projection
    ax.set_xticks([])
    ax.set_yticks([])
    notes = ["dots: cities profiles name", "rings: countries clues suggest (likely)"]
    if in_europe:
        notes.append(f"{in_europe} in Europe, country unknown")
    if elsewhere:
        notes.append(f"{elsewhere} elsewhere or unplaced")
    ax.set_title("; ".join(notes), fontsize=10)
    return Drawn(len(shapes), dict(shaded), dict(cities), dict(likely), in_europe, elsewhere)


def map_message(tmap: TalentMap, *, top: int = TOP) -> dict[str, Any]:
    """The text version: each panel's top rows, escaped for mrkdwn."""
    blocks: list[Block] = [section(f"*{escape(title(tmap))}*")]
    for name, counts in panels(tmap):
        rows = ", ".join(f"{escape(c.label)} {c.people}" for c in counts[:top]) or "none"
        blocks.append(section(f"*{name}*: {rows}"))
    blocks.append(context("High-signal: the people `/csf who` ranks highest in this area."))
    return {"text": escape(f"csf map: {title(tmap)}"), "blocks": blocks}

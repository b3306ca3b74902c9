"""The shipped geography the talent map is drawn on: Europe's country outlines and city points.

No network, ever: the outlines are Natural Earth's 1:110m countries (public domain) for the
part of the world between 25°W-45°E and 34°N-72°N, rounded to 0.1° (bot/reports/europe.json,
30 KB); the cities are those of bot/people/places.yml in Europe, placed to a tenth of a degree
(bot/reports/city_points.yml). A face draws them; this module only reads them.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from bot.datafile import shipped

Ring = list[tuple[float, float]]


@cache
def outlines() -> dict[str, list[Ring]]:
    """ISO alpha-2 code (or Natural Earth's name) -> the country's rings of (lon, lat)."""
    text = resources.files("bot.reports").joinpath("europe.json").read_text(encoding="utf-8")
    data = json.loads(text)
    return {
        code: [[(float(x), float(y)) for x, y in ring] for ring in rings]
        for code, rings in data["countries"].items()
    }


@cache
def bounds() -> tuple[float, float, float, float]:
    """(west, south, east, north) of the map, in degrees."""
    text = resources.files("bot.reports").joinpath("europe.json").read_text(encoding="utf-8")
    west, south, east, north = json.loads(text)["bbox"]
    return float(west), float(south), float(east), float(north)


@cache
def city_points() -> dict[str, tuple[float, float]]:
    """Lower-case city name -> (lon, lat)."""
    text = resources.files("bot.reports").joinpath("city_points.yml").read_text(encoding="utf-8")
    return {str(k): (float(v[0]), float(v[1])) for k, v in (shipped(text) or {}).items()}


def centre(code: str) -> tuple[float, float] | None:
    """Where to put a country's mark: the middle of its largest ring inside the map."""
    rings = outlines().get(code)
    if not rings:
        return None
    west, south, east, north = bounds()
    inside = [
        [(x, y) for x, y in ring if west <= x <= east and south <= y <= north] for ring in rings
    ]
    ring = max(inside, key=len)
    if not ring:
        return None
    xs, ys = [x for x, _ in ring], [y for _, y in ring]
    return (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2

"""The talent map, on the sample world loaded through the real sync (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from sqlmodel import Session

from bot.demo.load import load_world
from bot.demo.world import build_world
from bot.people.places import place
from bot.ranking.who import load_ranking_config, who
from bot.reports.talent_map import (
    NOT_STATED,
    UNKNOWN,
    affiliation_of,
    city_of,
    country_name,
    is_university,
    talent_map,
)
from bot.taxonomy.model import default_taxonomy
from bot.taxonomy.question import read_query
from slackui.blocks.talent_map import chart_png, map_message


def test_reading_profiles() -> None:
    assert country_name("GB") == "United Kingdom"
    assert country_name("TW") == "Taiwan"
    assert country_name(None, "europe") == "Europe (country unknown)"
    assert country_name(None, None) == UNKNOWN
    assert city_of("Zürich, Switzerland") == "Zürich"
    assert city_of("  ") == UNKNOWN
    assert affiliation_of(" @amd ") == "amd"
    assert affiliation_of("@") is None
    for school in ("ETH Zürich", "University of Edinburgh", "Imperial College London", "KU Leuven"):
        assert is_university(school), school
    for company in ("AMD", "Google", "Tuxedo Computers", "Mitre Labs"):
        assert not is_university(company), company


def test_talent_map_of_the_sample_world(session: Session) -> None:
    world = build_world()
    taxonomy = default_taxonomy()
    config = load_ranking_config(None)
    load_world(session, taxonomy, world)
    as_of = world.now

    reading = read_query(taxonomy, ["mlir"])
    tmap = talent_map(session, taxonomy, reading, config=config, as_of=as_of)
    ranked = who(session, taxonomy, reading, config=config, as_of=as_of, limit=50).results
    assert tmap.people == len(ranked) > 20
    # Counted from the world's own definition of where each ranked person lives.
    places = [place(world.person(r.person["login"]).location) for r in ranked]
    expected = Counter(country_name(p.country, p.region) for p in places)
    assert {c.label: c.people for c in tmap.countries} == dict(expected)
    assert sum(c.people for c in tmap.cities) == tmap.people
    assert sum(c.people for c in tmap.companies + tmap.universities) == tmap.people
    assert tmap.countries[0].people >= tmap.countries[1].people
    vague = [c.label for c in tmap.companies if c.label == NOT_STATED]
    assert vague in ([], [tmap.companies[-1].label])

    uk = talent_map(
        session,
        taxonomy,
        read_query(taxonomy, ["triton", "amd"]),
        config=config,
        as_of=as_of,
        region="uk",
    )
    assert [c.label for c in uk.countries] == ["United Kingdom"]
    assert uk.countries[0].people == uk.people >= 3

    png = chart_png(uk)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    message = map_message(uk)
    assert "United Kingdom" in message["blocks"][1]["text"]["text"]


def test_an_empty_area_maps_to_nothing(session: Session) -> None:
    taxonomy = default_taxonomy()
    tmap = talent_map(
        session,
        taxonomy,
        read_query(taxonomy, ["tvm"]),
        config=load_ranking_config(None),
        as_of=datetime(2026, 3, 2, tzinfo=UTC),
    )
    assert tmap.people == 0
    assert tmap.countries == []
    assert chart_png(tmap).startswith(b"\x89PNG")
    assert "none" in map_message(tmap)["blocks"][1]["text"]["text"]


def test_the_png_is_a_map_of_europe_with_stated_and_likely_people_told_apart() -> None:
    """The picture is opened and checked: its size, that most of the map is country fill (a
    map, not an empty frame), and that what it marks is what the people are."""
    from io import BytesIO

    from matplotlib.figure import Figure
    from matplotlib.image import imread

    from bot.reports.talent_map import Count, Placed, TalentMap
    from slackui.blocks.talent_map import draw_europe

    tmap = TalentMap(
        reading=read_query(default_taxonomy(), ["mlir"]),
        as_of=datetime(2026, 3, 2, tzinfo=UTC),
        window_days=365,
        region=None,
        people=5,
        countries=[Count("United Kingdom", 2), Count("Germany", 1)],
        cities=[Count("London (GB)", 1)],
        companies=[Count("Arm", 2)],
        universities=[Count("ETH Zurich", 1)],
        placed=[
            Placed("GB", "london", "stated", "uk"),
            Placed("GB", None, "likely", "uk"),
            Placed("DE", "munich", "likely", "eu"),  # a likely person is shown by country
            Placed(None, None, "likely", "europe"),
            Placed("US", "boston", "stated", "us"),
        ],
    )
    drawn = draw_europe(Figure().add_subplot(), tmap)
    assert drawn.countries >= 45
    assert drawn.shaded == {"GB": 2, "DE": 1}
    assert drawn.cities == {"london": 1}
    assert drawn.likely == {"GB": 1, "DE": 1}
    assert (drawn.in_europe, drawn.elsewhere) == (1, 1)
    image = imread(BytesIO(chart_png(tmap)))
    height, width, _ = image.shape
    assert (width, height) == (1500, 700)
    grey = ((abs(image[..., 0] - 0.93) < 0.01) & (abs(image[..., 1] - 0.93) < 0.01)).mean()
    assert grey > 0.1, grey  # the countries with no one there fill much of the picture
    assert image[..., :3].std() > 0.1  # and it is not a blank frame

"""Talent pools from free-text locations: placed when the text says so, unknown otherwise."""

from __future__ import annotations

import pytest

from bot.errors import CsfError
from bot.people.places import REGIONS, Place, check_region, in_region, place


@pytest.mark.parametrize(
    ("location", "country", "region"),
    [
        ("London", "GB", "uk"),
        ("Greater London Area", "GB", "uk"),
        ("Edinburgh, Scotland", "GB", "uk"),
        ("Cambridge, UK", "GB", "uk"),
        ("Cambridge, MA", "US", "us"),
        ("Zürich 🇨🇭", "CH", "europe"),
        ("Oslo", "NO", "europe"),
        ("Munich, DE", "DE", "eu"),
        ("München", "DE", "eu"),
        ("Leuven, Belgium", "BE", "eu"),
        ("Warszawa", "PL", "eu"),
        ("Mountain View, CA", "US", "us"),
        ("Bay Area", "US", "us"),
        ("Bengaluru, India", "IN", "other"),
        ("Toronto, Canada", "CA", "other"),
        ("Berlin / London", None, "europe"),
        ("Europe", None, "europe"),
    ],
)
def test_places_people_where_the_text_says(location: str, country: str | None, region: str) -> None:
    assert place(location) == Place(country, region)


@pytest.mark.parametrize(
    "location",
    [
        "",
        None,
        "Cambridge",
        "Dublin",
        "Waterloo, ON",
        "Springfield, IL",
        "Earth",
        "Remote",
        "CA",
        "Vancouver, CA",
    ],
)
def test_ambiguous_or_empty_stays_unknown(location: str | None) -> None:
    assert place(location) == Place(None, None)


def test_region_filters() -> None:
    assert in_region("uk", "europe")
    assert in_region("eu", "europe")
    assert in_region("europe", "europe")
    assert not in_region("us", "europe")
    assert not in_region("uk", "eu")
    assert in_region(None, "unknown")
    assert not in_region("other", "unknown")


@pytest.mark.parametrize("region", [None, *REGIONS])
def test_every_pool_region_takes_passes_the_check(region: str | None) -> None:
    assert check_region(region) == region


@pytest.mark.parametrize("region", ["mars", "UK", "", "europe "])
def test_an_unknown_region_is_one_line_naming_the_pools(region: str) -> None:
    with pytest.raises(CsfError) as caught:
        check_region(region)
    assert str(caught.value) == (
        f"--region {region!r}: choose one of uk, eu, europe, us, other, unknown"
    )

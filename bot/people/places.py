"""Talent pools: a free-text profile location mapped to a country and a region.

Profiles say "London", "Cambridge, MA", "Zürich 🇨🇭", "Bay Area", "Earth" or nothing. The rule is
to place a person only when the text says so: a city that exists in several countries
(Cambridge, Dublin, Waterloo) stays unknown unless the rest of the location decides, and
two-letter codes that are also US states (CA, DE, IN, MA) count as states only after a US city.
A wrong guess would put someone in the wrong pool; unknown is honest.

Regions: `uk`, `eu` (EU member states), `europe` (EFTA countries, or just "Europe"), `us`,
`other`; None is unknown. The `europe` filter covers uk, eu and europe.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import pycountry

from bot.datafile import shipped
from bot.errors import CsfError

_EU_CODES = "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE"
EU = frozenset(_EU_CODES.split(" "))
EFTA = frozenset({"IS", "LI", "NO", "CH"})
REGIONS = ("uk", "eu", "europe", "us", "other", "unknown")
_STATE_CODES = (
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ "
    "NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC"
)
_US_STATES = frozenset(_STATE_CODES.split(" "))
_SPLIT = re.compile(r"\s*(?:,|/|;|\||·|•|\bor\b|\band\b|&)\s*", re.IGNORECASE)
_NOISE = re.compile(r"[^\w\s.'-]", re.UNICODE)


@dataclass(frozen=True)
class Place:
    country: str | None  # ISO 3166 alpha-2
    region: str | None  # one of REGIONS but "unknown"; None when unknown


def region_of(country: str | None) -> str | None:
    if country is None:
        return None
    if country == "GB":
        return "uk"
    if country in EU:
        return "eu"
    if country in EFTA:
        return "europe"
    if country == "US":
        return "us"
    return "other"


def check_region(region: str | None) -> str | None:
    """`region` if it names a pool `--region` accepts (None: no filter); else a one-line error.

    Every face takes `--region` (the CLI, `/csf who`, `/csf map`); checking it here keeps the
    list of pools and the wording of the complaint the same wherever it is typed.
    """
    if region is not None and region not in REGIONS:
        raise CsfError(f"--region {region!r}: choose one of {', '.join(REGIONS)}")
    return region


def in_region(region: str | None, wanted: str) -> bool:
    """Whether a person's region falls in the pool a user asked for."""
    if wanted == "unknown":
        return region is None
    if wanted == "europe":
        return region in ("uk", "eu", "europe")
    return region == wanted


@cache
def _gazetteer() -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    text = resources.files("bot.people").joinpath("places.yml").read_text(encoding="utf-8")
    data: dict[str, Any] = shipped(text)
    cities = {str(k).casefold(): tuple(v) for k, v in data["cities"].items()}
    countries = {str(k).casefold(): str(v) for k, v in data["countries"].items()}
    return cities, countries


def _country_by_name(token: str) -> str | None:
    _, aliases = _gazetteer()
    folded = token.casefold()
    if folded in aliases:
        return aliases[folded]
    if len(folded) <= 3:
        return None  # codes are handled with their context, not looked up blindly
    try:
        return str(pycountry.countries.lookup(token).alpha_2)
    except LookupError:
        return None


def place(location: str | None) -> Place:
    """Map a free-text location to a country and region (unknown when in doubt)."""
    if not location or not location.strip():
        return Place(None, None)
    pieces = (" ".join(_NOISE.sub(" ", t).split()).strip(" .") for t in _SPLIT.split(location))
    tokens = [piece for piece in pieces if piece]
    cities, _ = _gazetteer()
    countries: set[str] = set()
    city_options: list[tuple[str, ...]] = []
    codes: list[str] = []
    vague_europe = False
    for token in tokens:
        folded = token.casefold()
        if folded in ("europe", "eu", "european union"):
            vague_europe = True
            continue
        country = _country_by_name(token)
        if country:
            countries.add(country)
            continue
        if folded in cities:
            city_options.append(cities[folded])
            continue
        words = folded.split()
        # "Greater London Area", "Munich Germany": look at word runs too.
        found = False
        for size in (3, 2, 1):
            for start in range(len(words) - size + 1):
                phrase = " ".join(words[start : start + size])
                if phrase in cities:
                    city_options.append(cities[phrase])
                    found = True
                elif size > 1 or len(phrase) > 3:
                    by_name = _country_by_name(phrase)
                    if by_name:
                        countries.add(by_name)
                        found = True
            if found:
                break
        if not found and len(token) == 2 and token.isupper():
            codes.append(token)
    us_city = any("US" in options for options in city_options)
    for code in codes:
        as_country = any(code in options for options in city_options)
        if code in _US_STATES and as_country:
            continue  # "Vancouver, CA": Canada, or Vancouver in Washington state? Unknown.
        if code in _US_STATES and us_city and not countries:
            countries.add("US")  # "Cambridge, MA"; a state code without a US city decides nothing
        elif as_country:
            countries.add(code)  # "Munich, DE"
    if not countries:
        candidates = [set(options) for options in city_options]
        if candidates:
            common = set.intersection(*candidates)
            if len(common) == 1:
                countries = common
            elif all(len(options) == 1 for options in candidates):
                countries = set.union(*candidates)  # several places, each unambiguous
    if len(countries) == 1:
        country = next(iter(countries))
        return Place(country, region_of(country))
    if len(countries) > 1:  # "Berlin / London": no one country, maybe one pool
        regions = {region_of(c) for c in countries}
        if len(regions) == 1:
            return Place(None, regions.pop())
        return Place(None, "europe" if regions <= {"uk", "eu", "europe"} else None)
    return Place(None, "europe" if vague_europe else None)

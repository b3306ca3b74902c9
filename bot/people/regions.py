"""Where people are when no profile says so: their commits' clocks and their addresses' domains.

Most people csf knows from git history alone have no profile location, so every card would say
"unknown" and `--region uk` would find almost no one. Two clues are in the history itself:

- **The clock.** `git` records each commit's UTC offset (`%aI`). A history at +00:00 in winter
  and +01:00 in summer is UK, Irish or Portuguese time; +01:00/+02:00 is Central European time.
  Daylight saving is what makes this a clue: a clock at +00:00 all year is more often a server
  or a UTC-configured laptop than London, and a history from summer months alone cannot tell
  UK summer time from Central European winter time. Offsets with no daylight saving and no
  such doubt (India's +05:30, China's +08:00, Japan's +09:00) are clues on their own.
- **The address.** A country-code domain (`.ac.uk`, `.de`, `.ethz.ch`, held as the domain of a
  hashed address, never the address) places someone, unless the code is sold as a vanity name
  (`.io`, `.ai`, `.co`, `.dev`...).

A profile's location is always stronger (`stated`); consistent clues give `likely`, with the
reasons in words; clues that disagree, or too few, leave a person `unknown`, with the reason.
A team can switch inference off (CSF_INFER_REGION=false); `unknown` then means what it did.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session

from bot.people.affiliations import organisation_of
from bot.people.places import EFTA, EU, region_of
from bot.store.models import Contribution, Identity, Person

STATED = "stated"
LIKELY = "likely"
SUMMER = frozenset({4, 5, 6, 7, 8, 9})  # months wholly inside northern daylight saving time
WINTER = frozenset({11, 12, 1, 2})  # months wholly outside it
# Commits in each season before a clock with daylight saving says anything: the pair of
# offsets (+00:00 in winter, +01:00 in summer) is what is telling, not the count.
MIN_SEASON = 2
MIN_STEADY = 3  # commits at a steady offset (no daylight saving) before it says anything
SHARE = 0.7  # of a season's commits at the zone's offset


@dataclass(frozen=True)
class Zone:
    words: str  # how the reason names it
    winter: int  # minutes east of UTC
    summer: int
    region: str
    country: str | None = None
    # Whether winter months alone place someone: not UK time (UTC is every server's clock)
    # nor Eastern European time (South Africa, Egypt and Israel keep it all year).
    winter_alone: bool = False


# Zones with daylight saving, told apart by the pair of offsets.
_SEASONAL = (
    Zone("UK time", 0, 60, "uk", "GB"),
    # Central and Eastern European time are kept in and out of the EU (Switzerland, Norway,
    # Serbia, Ukraine): they place someone in Europe, not in the EU.
    Zone("Central European time", 60, 120, "europe", winter_alone=True),
    Zone("Eastern European time", 120, 180, "europe"),
    Zone("US Eastern time", -300, -240, "us", "US", winter_alone=True),
    Zone("US Central time", -360, -300, "us", "US", winter_alone=True),
    Zone("US Mountain time", -420, -360, "us", "US", winter_alone=True),
    Zone("US Pacific time", -480, -420, "us", "US", winter_alone=True),
)
# Offsets that no daylight-saving zone of another region shares, kept all year.
_STEADY = {
    330: Zone("India time", 330, 330, "other", "IN"),
    420: Zone("Indochina or western Indonesia time", 420, 420, "other"),
    480: Zone("China, Singapore or Taiwan time", 480, 480, "other"),
    540: Zone("Japan or Korea time", 540, 540, "other"),
    -180: Zone("Brazil or Argentina time", -180, -180, "other"),
}
# Country codes sold as names, which say nothing about where their owner is.
_VANITY = frozenset(
    {
        *("io", "ai", "co", "me", "tv", "cc", "ws", "sh", "ly", "to", "fm", "am", "gg", "im"),
        *("la", "nu", "gl", "ag", "sc", "so", "vc", "re", "bz", "st", "tk", "ml", "ga", "cf"),
        *("gq", "as", "fo", "ms", "dj", "cx"),
    }
)


@dataclass(frozen=True)
class Clue:
    region: str | None
    country: str | None
    why: str


def _share(counts: Counter[int], offset: int, *, zeros: bool) -> tuple[int, int]:
    """(commits at `offset`, commits that count); with `zeros=False` commits at +00:00 do not
    count: tools that rewrite or merge commits (web edits, squash merges, CI) stamp UTC, so
    beside a local clock they are noise, not a second place."""
    total = sum(n for k, n in counts.items() if zeros or k != 0)
    return counts[offset], total


def _zone_clue(winter: Counter[int], summer: Counter[int]) -> Clue | None:
    for zone in _SEASONAL:
        # UK winter time is UTC, so only there do winter commits at +00:00 count as a clue.
        won, w = _share(winter, zone.winter, zeros=zone.winter == 0)
        sun, s = _share(summer, zone.summer, zeros=False)
        if w >= MIN_SEASON and s >= MIN_SEASON and won >= SHARE * w and sun >= SHARE * s:
            return Clue(
                zone.region,
                zone.country,
                f"commit times in {zone.words} on {won + sun} of {w + s} commits "
                "from winter and summer months",
            )
        # Winter alone, where no other region's clock shows the same offset in winter.
        if zone.winter_alone and s < MIN_SEASON and w >= MIN_SEASON and won >= SHARE * w:
            return Clue(
                zone.region,
                zone.country,
                f"commit times in {zone.words} on {won} of {w} commits from winter months "
                "(none from summer ones)",
            )
    return None


def clock_clue(offsets: Iterable[tuple[int, int, int]]) -> Clue | None:
    """What (offset minutes, month, commits) rows say; None when there are no rows."""
    winter: Counter[int] = Counter()
    summer: Counter[int] = Counter()
    every: Counter[int] = Counter()
    for offset, month, count in offsets:
        every[offset] += count
        if month in WINTER:
            winter[offset] += count
        elif month in SUMMER:
            summer[offset] += count
    total = sum(every.values())
    if not total:
        return None
    zoned = _zone_clue(winter, summer)
    if zoned is not None:
        return zoned
    offset, count = every.most_common(1)[0]
    if offset == 0 and len(every) > 1:
        offset, count = every.most_common(2)[1]  # UTC stamps of tools beside a local clock
    local = sum(n for k, n in every.items() if k != 0) or total
    steady = _STEADY.get(offset)
    if steady is not None and count >= MIN_STEADY and count >= SHARE * local:
        return Clue(
            steady.region,
            steady.country,
            f"commit times in {steady.words} on {count} of {total} commits",
        )
    w, s = sum(winter.values()), sum(summer.values())
    if s >= MIN_SEASON and w < MIN_SEASON:
        return Clue(
            None,
            None,
            f"commit times from summer months only ({s} commits): UK "
            "summer time and Central European winter time look alike",
        )
    if every[0] >= SHARE * total:
        return Clue(None, None, "commit times in UTC all year: a server's clock, not a place")
    return Clue(None, None, f"commit times in no one zone ({total} commits)")


def domain_clue(domains: Iterable[str]) -> Clue | None:
    """What a person's address domains say of where they are; None when none says anything.

    A university or institute the shipped table knows is where the table puts it (`kit.edu` is
    in Germany); otherwise a country-code domain (`.de`, `.ac.uk`), and `.edu` for the US.
    """
    found: dict[str, tuple[str, str | None, str]] = {}  # domain: region, country, words
    for domain in domains:
        organisation = organisation_of(domain)
        if organisation is not None and organisation.country:
            region = region_of(organisation.country) or "other"
            found[domain] = (region, organisation.country, organisation.name)
            continue
        code = domain.rsplit(".", 1)[-1].lower()
        if code == "edu":
            found[domain] = ("us", "US", "a .edu domain")
            continue
        if code in _VANITY or len(code) != 2 or not code.isalpha():
            continue
        iso = "GB" if code == "uk" else code.upper()
        words = f"a .{code} domain"
        if iso == "EU":
            found[domain] = ("eu", None, words)
        elif iso in EU or iso in EFTA or iso in ("GB", "US"):
            found[domain] = (region_of(iso) or "other", iso, words)
        elif _is_country(iso):
            found[domain] = ("other", iso, words)
    if not found:
        return None
    regions = {region for region, _, _ in found.values()}
    shown = ", ".join(sorted({words for _, _, words in found.values()})[:3])
    if len(regions) > 1:
        return Clue(None, None, f"addresses at places in different regions ({shown})")
    countries = {country for _, country, _ in found.values()}
    country = next(iter(countries)) if len(countries) == 1 else None
    return Clue(regions.pop(), country, f"an address at {shown}")


def _is_country(code: str) -> bool:
    import pycountry

    return pycountry.countries.get(alpha_2=code) is not None


def combine(clock: Clue | None, domain: Clue | None) -> tuple[str | None, str | None, str | None]:
    """(region, country, why) from the two clues: agreeing or alone they give a region."""
    placed = [c for c in (clock, domain) if c is not None and c.region is not None]
    said = "; ".join(c.why for c in (clock, domain) if c is not None)
    if not placed:
        return None, None, said or None
    if len({c.region for c in placed}) > 1:
        return None, None, "clues disagree: " + said
    country = next((c.country for c in placed if c.country), None)
    return placed[0].region, country, said


def infer_regions(session: Session, *, enabled: bool = True) -> int:
    """Give everyone without a stated region the region their clues agree on (or none).

    Returns how many people are placed `likely`. With `enabled=False` every inferred region
    is taken back (the team switched inference off).
    """
    p = Person.__table__  # type: ignore[attr-defined]
    if not enabled:
        session.execute(
            sa.update(p)
            .where(p.c.region_level.is_distinct_from(STATED))
            .values(region=None, country_code=None, region_level=None, region_why=None)
        )
        return 0
    c = Contribution.__table__  # type: ignore[attr-defined]
    month = sa.extract("month", c.c.occurred_at)
    clocks: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for person_id, offset, when, count in session.execute(
        sa.select(c.c.person_id, c.c.utc_offset, month, sa.func.count())
        .where(c.c.kind == "commit", c.c.utc_offset.is_not(None))
        .group_by(c.c.person_id, c.c.utc_offset, month)
    ):
        clocks[person_id].append((int(offset), int(when), int(count)))
    i = Identity.__table__  # type: ignore[attr-defined]
    domains: dict[int, list[str]] = defaultdict(list)
    for person_id, domain in session.execute(
        sa.select(i.c.person_id, i.c.domain).where(i.c.kind == "email", i.c.domain.is_not(None))
    ):
        domains[person_id].append(str(domain))
    placed = 0
    updates = []
    for person_id, region, country, level, why in session.execute(
        sa.select(p.c.id, p.c.region, p.c.country_code, p.c.region_level, p.c.region_why).where(
            p.c.region_level.is_distinct_from(STATED), p.c.is_bot.is_(False)
        )
    ):
        found = combine(
            clock_clue(clocks.get(person_id, ())), domain_clue(domains.get(person_id, ()))
        )
        new_level = LIKELY if found[0] is not None else None
        if found[0] is not None:
            placed += 1
        if (found[0], found[1], new_level, found[2]) != (region, country, level, why):
            updates.append(
                {
                    "pid": person_id,
                    "r": found[0],
                    "cc": found[1],
                    "lvl": new_level,
                    "why": found[2][:500] if found[2] else None,
                }
            )
    if updates:
        session.execute(
            sa.update(p)
            .where(p.c.id == sa.bindparam("pid"))
            .values(
                region=sa.bindparam("r"),
                country_code=sa.bindparam("cc"),
                region_level=sa.bindparam("lvl"),
                region_why=sa.bindparam("why"),
            ),
            updates,
        )
    return placed

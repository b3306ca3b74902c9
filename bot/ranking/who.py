"""The signal model and the `who` answer: who matters in a topic, with every score explained.

Weights live in `bot/ranking/ranking.yml` (documented there) and can be overridden by a team's file
named in CSF_RANKING_CONFIG. The answer is plain data (`WhoAnswer`), so Slack, the CLI and a
notebook render the same thing.

`as_of` replays the past: only activity before it counts, each contribution at the time it
happened (a PR merged after `as_of` had not been merged then, and is left out).

The score cache: summing a big topic's year of history costs hundreds of milliseconds, so
after each sync the points of every person in every topic are summed once (`bot/ranking/scores.py`,
table `topic_score`). A known-topic query (one topic or ecosystem, no free words) in the default
window whose `as_of` falls within `score_cache.max_age_hours` after that refresh is answered
from it, as of the refresh, and says so in `scores_as_of`: the same answer `who` gives for that
moment without the cache. (Evidence and counts are read live, so work ingested after the refresh
can show there before the next refresh puts it in the score; sync and git ingest refresh at
their end.) Anything else (a past date, another window, free words, several topics, changed
settings or taxonomy) is summed live; free words, several topics and named repositories in the
default window are summed as of the refresh too, with each person's activity (focus, breadth)
as the refresh kept it, so they agree with the cached answers given beside them.
"""

from __future__ import annotations

import bisect
import copy
import hashlib
import json
import logging
import math
import re
import tomllib
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.datafile import MOST_DAYS, load, read_text, shipped
from bot.errors import CsfError
from bot.people.communities import communities, memberships
from bot.people.places import in_region
from bot.people.suggest import MAX_GROUP
from bot.people.view import load_views
from bot.ranking.months import (
    MonthPlan,
    month_sums_sql,
    months_fingerprint,
    plan_months,
    recency_factors,
)
from bot.ranking.words import did
from bot.sources.owners import maintainer_scope
from bot.store.identity import GENERIC_LOCAL_PARTS, looks_like_handle, name_key
from bot.store.models import (
    CodeOwner,
    Contribution,
    ContributionTerm,
    ContributionTopic,
    Identity,
    IdentityKind,
    Person,
    PersonWindow,
    Repo,
    ScoreCache,
    StoreChange,
    StoreState,
    TopicFacts,
    TopicMonth,
    TopicScore,
)
from bot.store.threads import names_thread
from bot.store.writes import counted_once
from bot.taxonomy.model import Taxonomy, as_dict, glob_to_regex, normalise_phrase
from bot.taxonomy.nature import why
from bot.taxonomy.question import Reading, read_query
from bot.taxonomy.terms import (
    folder_term,
    is_structural,
    query_terms,
    stems_of,
    structural_term,
)

_DISCUSSION = {"issue", "rfc", "comment"}


# -- configuration ------------------------------------------------------------------------------


_SETTING = "CSF_RANKING_CONFIG"
log = logging.getLogger("csf.ranking")
_MOST = 1_000_000  # beyond any sensible weight, factor or count
# Before any recorded work: an area's founding work is counted over its whole history.
_BEGINNING = datetime(1970, 1, 1, tzinfo=UTC)
# How far `Scope.led` counts each part of a question, and how far it counts on while the
# counts cannot tell whether one part is far smaller than the others.
_LEAD_COUNTS = (20_000, 500_000, 5_000_000)
# What looking a row up in another part by key costs, in rows read in order (`Scope.led`): the
# smallest part leads when its rows and their lookups cost less than reading every part.
_LOOKUP_COST = 3


@cache
def _defaults() -> dict[str, Any]:
    text = resources.files("bot.ranking").joinpath("ranking.yml").read_text(encoding="utf-8")
    loaded: dict[str, Any] = shipped(text)
    return loaded


def load_ranking_config(path: str | Path | None = None) -> dict[str, Any]:
    """The defaults, with a team's overrides (YAML or TOML) merged in and checked."""
    config = _merge({}, _defaults())
    if path is None:
        return config
    file = Path(path)
    text = read_text(file, "ranking file", _SETTING, error=CsfError)
    if file.suffix == ".toml":
        try:
            override = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise CsfError(f"{_SETTING}: {file} is not valid: {error}") from None
        except RecursionError:
            raise CsfError(f"{_SETTING}: {file} is nested too deeply to be settings") from None
    else:
        override = load(text, f"{_SETTING}: {file}", error=CsfError)
    if override is not None and not isinstance(override, Mapping):
        raise CsfError(f"{_SETTING}: {file} must hold settings (a mapping), not a list")
    settings = _without_retired(override or {}, file)
    _check(settings, _defaults(), str(file), "")
    return _merge(config, settings)


# Settings csf once had, which teams' files may still carry: (section, keys, what replaced them).
_RETIRED = (
    (
        "size",
        ("substantial_files", "substantial_lines", "substantial_factor"),
        "a change's size now counts the square root of its lines added over 'size.reference_lines'",
    ),
)


def _without_retired(override: Mapping[str, Any], file: Path) -> Mapping[str, Any]:
    """`override` without the settings csf no longer uses, said in one line per kind."""
    out = dict(override)
    for section, keys, instead in _RETIRED:
        table = out.get(section)
        if not isinstance(table, Mapping):
            continue  # absent, or wrong: `_check` names it
        found = [f"'{section}.{key}'" for key in keys if key in table]
        if not found:
            continue
        out[section] = {k: v for k, v in table.items() if k not in keys}
        names = found[0] if len(found) == 1 else f"{', '.join(found[:-1])} and {found[-1]}"
        verb = "is" if len(found) == 1 else "are"
        log.warning(
            "%s: %s: %s %s no longer used and %s ignored: %s (see bot/ranking/ranking.yml)",
            _SETTING,
            file,
            names,
            verb,
            verb,
            instead,
        )
    return out


def _merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        out[key] = _merge(out.get(key, {}), value) if isinstance(value, Mapping) else value
    return out


def _check(override: Mapping[str, Any], defaults: Mapping[str, Any], file: str, where: str) -> None:
    for key, value in override.items():
        name = f"{where}{key}"
        if key not in defaults:
            raise CsfError(f"{file}: unknown setting {name!r} (see bot/ranking/ranking.yml)")
        if isinstance(defaults[key], Mapping):
            if not isinstance(value, Mapping):
                raise CsfError(f"{file}: {name!r} must be a table of settings")
            _check(value, defaults[key], file, f"{name}.")
            continue
        problem = _number_problem(value, *_bounds(name))
        if problem is None and name in _POSITIVE and value == 0:
            problem = f"more than 0 ({_POSITIVE[name]})"
        if problem is not None:
            raise CsfError(f"{file}: {name!r} must be {problem}")


# Settings that divide: zero would make the Python and SQL forms of the points disagree.
_POSITIVE = {"size.reference_lines": "the lines added that count 1"}


def _bounds(name: str) -> tuple[float, float]:
    """The values a setting may take: spans of time are added to dates, counts become SQL limits."""
    if name.endswith("_days"):
        return 1, MOST_DAYS
    if name.endswith("_hours"):
        return 0, MOST_DAYS * 24
    if name.endswith(("share", "floor")):  # a part of a whole
        return 0, 1
    return 0, _MOST


def _number_problem(value: Any, low: float, high: float) -> str | None:
    if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
        return "a number of zero or more"
    if not math.isfinite(value):
        return f"a finite number, not {value}"
    if value < low:
        return f"{low:g} or more"
    if value > high:
        return f"at most {high:,.0f}"
    return None


# -- the answer ---------------------------------------------------------------------------------


@dataclass
class Evidence:
    kind: str
    title: str | None
    url: str | None
    when: datetime
    size: str  # "+240/-30 in 3 files"
    state: str | None
    nature: str | None = None  # upkeep (bot.taxonomy.nature), with the rule that says so
    nature_why: str | None = None
    built: bool = False  # it created files in the area (see `built:` in ranking.yml)


@dataclass
class Result:
    person_id: int
    rank: int = 0
    score: float = 0.0
    components: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    owned: list[str] = field(default_factory=list)
    first_active: datetime | None = None
    last_active: datetime | None = None  # their latest work in the area (within the window)
    active_now: bool = False  # that work is within `active_days` of the as-of date
    founder: bool = False  # some of their work is among the area's founding work (`founding:`)
    evidence: list[Evidence] = field(default_factory=list)
    reason: str = ""
    person: dict[str, Any] = field(default_factory=dict)
    # Other records (not bots) whose git name is this person's full name: maybe one person
    # committing from two addresses, which csf never joins on a name alone.
    namesakes: tuple[int, ...] = ()


@dataclass
class WhoAnswer:
    reading: Reading
    as_of: datetime  # the moment the answer holds for: the cache's, when it answered
    window_days: int
    results: list[Result]
    # Set when the answer came from the score cache: the moment its scores were summed (then
    # equal to `as_of`). None when summed live.
    scores_as_of: datetime | None = None
    # Free words that match no work at all (in the named repositories): said, then left out.
    unmatched: tuple[str, ...] = ()
    # When nobody has real work in the area within `active_days`: the last time anyone had
    # (the answer then lists the people who built it).
    dormant_since: datetime | None = None
    # The question as first read, when its topics held no work where it looked and its words
    # were searched in paths and titles instead (`reading` is then what was searched).
    first_reading: Reading | None = None
    # Free words that narrowed the topics to no one, so the topics alone were answered.
    widened: tuple[str, ...] = ()
    region: str | None = None  # the region filter asked for
    # People left out for only trace work here (score under `min_score`); `thin` when no one
    # reached it, so the trace workers are what is shown.
    trace_only: int = 0
    thin: bool = False
    store_empty: bool = False  # set on an empty answer when the store holds no work at all
    # Words the index keeps out as too common in titles ("support", "update"): never searched.
    too_common: tuple[str, ...] = ()


# -- scoring ------------------------------------------------------------------------------------


@dataclass
class ContributionRow:
    id: int
    person_id: int
    repo_id: int
    kind: str
    state: str | None
    when: datetime
    files: int
    additions: int
    deletions: int
    title: str | None
    url: str | None
    parent_number: int | None
    nature: str | None = None  # upkeep (bot.taxonomy.nature) weighs `nature:` of its points
    built: bool = False  # it created files in the question's area (`built:` in ranking.yml)
    founding: bool = False  # among the area's founding work (`founding:` in ranking.yml)


def row_columns(contribution: Any) -> list[Any]:
    """The columns of a `ContributionRow`, in its order, from a contribution table."""
    c = contribution.c
    return [
        c.id,
        c.person_id,
        c.repo_id,
        c.kind,
        c.state,
        c.occurred_at,
        c.files_changed,
        c.additions,
        c.deletions,
        c.title,
        c.url,
        c.parent_number,
        c.nature,
    ]


def _base_points(kind: str, state: str | None, config: Mapping[str, Any]) -> float:
    points = config["points"]
    if kind == "pr":
        key = {"merged": "merged_pr", "open": "open_pr"}.get(state or "", "closed_pr")
        return float(points[key])
    if kind == "review":
        return float(points.get(f"review_{state}", points["review_commented"]))
    return float(points.get(kind, 0.0))


def points_of(row: ContributionRow, config: Mapping[str, Any]) -> float:
    base = _base_points(row.kind, row.state, config)
    if row.kind in ("pr", "commit", "review"):
        base *= _size_factor(row, config["size"])
    if row.nature is not None:
        base *= float(config["nature"].get(row.nature, 1.0))
    if row.built:
        base *= 1.0 + float(config["built"])
    if row.founding:
        base *= 1.0 + float(config["founding"]["factor"])
    return base


def _size_factor(row: ContributionRow, size: Mapping[str, Any]) -> float:
    lines = row.additions + row.deletions
    if row.files >= size["mass_change_files"]:
        return float(size["mass_change_factor"])
    if row.files <= 1 and lines <= size["trivial_lines"]:
        return float(size["trivial_factor"])
    steps = size_steps(size)
    # The last step whose least is at most the lines added (the first step's least is 0: every
    # change is in a step); an answer's evidence weighs tens of thousands of rows this way.
    at = bisect.bisect_right(_leasts(steps), row.additions) - 1
    return steps[at][1] if at >= 0 else 1.0


@lru_cache(maxsize=8)
def _leasts(steps: tuple[tuple[float, float], ...]) -> tuple[float, ...]:
    return tuple(least for least, _ in steps)


def size_steps(size: Mapping[str, Any]) -> tuple[tuple[float, float], ...]:
    """(least lines added, factor) in rising order: the square root of the lines added over
    `reference_lines`, in half-octave steps (so SQL can compute it with a CASE), up to
    `largest_factor`.

    Owner files name the people who wrote an area's code: summed over a history, the square
    root of each change's size tells them from people with as many small fixes there (measured
    against owner files in bench/owners.py), where a count of changes cannot.
    """
    return _size_steps(float(size["reference_lines"]), float(size["largest_factor"]))


@lru_cache(maxsize=8)
def _size_steps(reference: float, largest: float) -> tuple[tuple[float, float], ...]:
    steps: list[tuple[float, float]] = []
    k = -4
    while True:
        least = reference * 2 ** (k / 2) if steps else 0.0  # the smallest changes: half
        factor = min(2 ** (k / 4), largest)
        steps.append((least, factor))
        if factor >= largest or k > 80:
            return tuple(steps)
        k += 1


def recency_weight(age_days: float, half_life_days: float) -> float:
    """0.5 ** (age / half-life), as `recency_of` computes it in SQL (ages before 0 count as 0)."""
    if half_life_days <= 0:
        return 1.0
    return float(0.5 ** (max(0.0, age_days) / half_life_days))


def decay(when: datetime, as_of: datetime, half_life_days: float) -> float:
    return recency_weight((as_of - when).total_seconds() / 86400, half_life_days)


def blended_decay(when: datetime, as_of: datetime, config: Mapping[str, Any]) -> float:
    """The weight of work done at `when`: expertise (slow decay) plus activity (fast decay).

    See `blend:` in ranking.yml; `recency_sql` computes the same in the database.
    """
    blend = config["blend"]
    return float(blend["expertise"]) * decay(
        when, as_of, float(blend["expertise_half_life_days"])
    ) + float(blend["activity"]) * decay(when, as_of, float(config["half_life_days"]))


def active_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """The settings of `--active`: recent activity alone, in the activity window."""
    settings: dict[str, Any] = copy.deepcopy(dict(config))
    settings["blend"]["expertise"] = 0.0
    settings["blend"]["activity"] = 1.0
    settings["founding"]["factor"] = 0.0
    settings["window_days"] = int(config["active_window_days"])
    return settings


def who(
    session: Session,
    taxonomy: Taxonomy,
    reading: Reading,
    *,
    config: Mapping[str, Any],
    as_of: datetime,
    window_days: int | None = None,
    limit: int = 10,
    region: str | None = None,
    cached: bool = True,
    stated: bool = False,
    community: str | None = None,
    keep: list[dict[str, Any]] | None = None,
) -> WhoAnswer:
    """Rank the people of the topics `reading` names; see the module doc and ranking.yml.

    `cached=False` always sums history live (the score cache is used only when it gives the
    same answer anyway). `keep`: an answer from the score cache puts there, as `TopicFacts`
    rows, the facts it read from its people's rows (`bot.ranking.scores.prepare_answers`
    writes them, for later answers to read instead), so that the answer itself writes nothing.
    """
    days = int(window_days if window_days is not None else config["window_days"])

    def ask_instead(other: Reading) -> WhoAnswer:
        """The same question, read another way, with every other option as asked."""
        return who(
            session,
            taxonomy,
            other,
            config=config,
            as_of=as_of,
            window_days=window_days,
            limit=limit,
            region=region,
            cached=cached,
            stated=stated,
            community=community,
        )

    tags = reading.tags
    repo_ids = _repo_ids(session, reading.repos)
    reading = _as_structure(session, reading, repo_ids)
    terms, unmatched = _known_terms(session, _terms(reading.free_words), repo_ids)
    common = tuple(w for w in reading.free_words if not is_structural(w) and not query_terms([w]))
    if common and not terms and not reading.topics:
        # "llvm support": asked on its own, a word titles are full of names a folder here.
        folded = {w: f for w in common if (f := folder_term(w))}
        terms = _known_terms(session, list(folded.values()), repo_ids)[0]
        common = tuple(w for w in common if folded.get(w) not in terms)
    kept = tuple(w for w in reading.free_words if w not in common)
    if common and (kept or reading.topics or reading.repos or reading.ecosystem):
        reading = replace(reading, free_words=kept)  # the heading shows what was searched
    if reading.unjoined is not None and set(reading.joined) & set(unmatched):
        # "mlir to llvm": no work here is named `mlirtollvm`, so the words are asked apart.
        return ask_instead(reading.unjoined)
    # A fresh score cache answers one topic whole. Any other question (free words, several
    # topics, repositories) is summed live, but as of the same moment: then each shortlisted
    # person's activity (focus and breadth) is the cache's too, which live costs a read of
    # their whole window, the larger part of a free-word answer on a big store. (Work ingested
    # after the refresh counts in the sums but not yet in that activity: the refresh that ends
    # every sync and ingest closes the gap.)
    refreshed = score_cache_for(session, taxonomy, config, as_of, days) if cached else None
    cache = refreshed if len(tags) == 1 and not terms and not repo_ids else None
    if refreshed is not None:
        as_of = refreshed.as_of  # the answer the store gave then, exactly
    start = as_of - timedelta(days=days)
    scope = Scope(tags, terms, start, as_of, reading.tag_groups, repo_ids).led(session)
    if not scope.tags and not scope.terms and not scope.repo_ids:
        empty = WhoAnswer(reading, as_of, days, [], unmatched=unmatched, region=region)
        empty.too_common = common
        return _empty(session, empty)
    # Score everyone in SQL (or read the cache); load the contributions themselves only for the
    # people who make the list.
    cut = founding_cut(session, scope, config)
    counted: list[int] = []  # the area's own work, when summed with the people
    if cache is not None:
        owners = _cached_owners(session, tags[0])
        groups = _cached_aggregate(session, tags[0], config, region, owners)
    else:
        owners = topic_owners(session, taxonomy, scope) if tags or scope.terms else {}
        extra = () if scope.terms else owners
        groups = _aggregate(session, scope, config, region, extra, cut, counted)
    # The area's own work, counted before any filter: a filter only removes people.
    area = _cached_area_work(session, tags[0]) if cache is not None else None
    if counted:
        area = counted[0]  # summed with the people, before any filter but the region's
    if scope.terms:  # free words narrow the topic: owners count only with matching work
        owners = {person: owned for person, owned in owners.items() if person in groups}
    candidates = set(groups) | set(owners)

    if not candidates and reading.unjoined is not None:
        # "mlir x to bufferization": some work elsewhere is named `xtobufferization`, none
        # here; the words asked apart may still name people.
        return ask_instead(reading.unjoined)
    eco = reading.ecosystem
    if (
        not candidates
        and eco is not None
        and reading.ecosystem_words
        and not reading.topics
        and not _has_work(session, eco.key, repo_ids)
        and not _known_terms(session, _terms(reading.ecosystem_words), repo_ids)[1]
    ):
        # "kernels" (one slip from the kernel's name) or "llvm" asked of a store that holds no
        # work of that ecosystem: the word was meant as the repository's own (compute kernels,
        # a `third_party/llvm` folder), and is searched as such; the answer says so.
        answer = ask_instead(
            replace(
                reading,
                ecosystem=None,
                free_words=(*reading.ecosystem_words, *reading.free_words),
                corrected=(),
                ecosystem_words=(),
            )
        )
        answer.first_reading = answer.first_reading or reading
        return answer
    if (
        not candidates
        and eco is not None
        and not reading.topics
        and reading.free_words
        and not _has_work(session, eco.key, repo_ids)
    ):
        # Words read in an ecosystem that has no work here ("vulkan", IREE's word, asked of a
        # store without IREE): the words alone, wherever they name work.
        answer = ask_instead(replace(reading, ecosystem=None))
        answer.first_reading = answer.first_reading or reading
        return answer
    if not candidates and reading.topics and reading.free_words:
        # "triton gpu kernels": the topic has people, but none of its work also says "gpu"
        # (all of Triton is GPU code). The topic alone answers; the words it dropped are said.
        answer = ask_instead(replace(reading, free_words=(), structure=()))
        # Only when the topic answered as itself: a topic with no work here at all is asked as
        # words below, with every word ("xnnpack quantization" where only another ecosystem
        # has a Quantization topic), not as its own words with the others dropped.
        if answer.results and answer.first_reading is None:
            # Only words that match work elsewhere were dropped to widen; a word matching no
            # work at all is said as such, not as one the topic lacks.
            answer.widened = tuple(w for w in reading.free_words if w not in unmatched)
            answer.unmatched = tuple(dict.fromkeys((*answer.unmatched, *unmatched)))
            answer.reading = reading
            return answer
    if (
        not candidates
        and reading.topics
        and reading.topic_words
        and not _known_terms(session, _terms(reading.topic_words), repo_ids)[1]
    ):
        # The topic names nothing here (MLIR's Tensor dialect in a repository that has none),
        # but its words name work here: the repository's own, as anyone reading it would mean.
        answer = ask_instead(reading.as_words())
        answer.first_reading = reading
        return answer
    flags = _flags(session, candidates)
    members = memberships(session, candidates) if community else {}
    ownership = float(config["points"]["ownership"])
    results: dict[int, Result] = {}
    for person_id in candidates:
        is_bot, person_region, stated_here = flags.get(person_id, (True, None, False))
        if is_bot or (region is not None and not in_region(person_region, region)):
            continue
        if stated and region not in (None, "unknown") and not stated_here:
            continue  # `--stated`: only people whose own profile puts them there
        if community and community not in members.get(person_id, ()):
            continue  # `--community rust`: only people whose work shows it
        result = Result(person_id)
        parts: dict[str, float] = defaultdict(float)
        for component, value in groups.get(person_id, {}).items():
            parts[component] += value
        if person_id in owners:
            parts["ownership"] = ownership
            result.owned = sorted(owners[person_id])
        here = parts.pop("count", 0.0)
        result.counts["topic_contributions"] = int(here)
        result.components = {k: round(v, 3) for k, v in parts.items()}
        result.score = sum(parts.values())
        results[person_id] = result
    shortlist = sorted(results.values(), key=lambda r: -r.score)[: int(config["candidates"])]
    if area is None:
        area = _area_work(session, scope) if shortlist else 0
    totals = _focus_and_breadth(
        session, shortlist, tags, start, as_of, config, area, cached=refreshed is not None
    )
    shortlist.sort(key=lambda r: (-r.score, r.person_id))
    scored = [r for r in shortlist if r.score > 0]
    floor = float(config["min_score"])
    solid = [r for r in scored if r.score >= floor]
    read = _one_per_name(session, solid or scored, limit)
    top = read.top
    traces = len(scored) - len(solid) if solid else 0
    # Their rows are read through the area's index, which picks them out, or, when the area is
    # far larger than their windows, through their own work (`AREA_READ`): an area's main
    # people can each have hundreds of thousands of rows elsewhere.
    theirs = sum(totals.get(r.person_id, 0) for r in top)
    listed = [r.person_id for r in top]
    remembered = _remembered_facts(session, cache, tags[0], listed, cut, config) if cache else {}
    missing = [person_id for person_id in listed if person_id not in remembered]
    facts = _answer_facts(
        session,
        scope,
        missing,
        config,
        as_of,
        cut,
        by_area=area < AREA_READ * theirs,
        tallied=cache is None,
    )
    if keep is not None and cache is not None:
        keep += _facts_rows(cache, tags[0], missing, facts)  # before tallies are added to them
    facts.update(remembered)
    if cache is not None:
        for person_id, tally in _cached_tallies(session, tags[0], listed).items():
            facts.setdefault(person_id, Facts()).add(tally, cut)
    views = person_views(
        session, list(_people(session, [r.person_id for r in top]).values()), as_of=as_of
    )
    for rank, result in enumerate(top, start=1):
        result.rank = rank
        _explain(
            result,
            facts.get(result.person_id, Facts()),
            views[result.person_id],
            config,
            as_of,
            days,
        )
    _namesakes(read)
    shown = memberships(session, [r.person_id for r in top])
    names = communities()
    for result in top:
        result.person["communities"] = sorted(
            names[k].name for k in shown.get(result.person_id, ())
        )
    dormant = _dormant_since(session, scope, config) if top else None
    answer = WhoAnswer(
        _searched(reading, unmatched),
        as_of,
        days,
        top,
        cache.as_of if cache is not None else None,
        unmatched,
        dormant,
        region=region,
    )
    answer.trace_only = traces
    answer.too_common = common
    answer.thin = bool(top) and not solid
    return answer if top else _empty(session, answer)


def _empty(session: Session, answer: WhoAnswer) -> WhoAnswer:
    """An empty answer, told whether the store holds any work at all (for its hint)."""
    c = Contribution.__table__  # type: ignore[attr-defined]
    answer.store_empty = session.execute(sa.select(c.c.id).limit(1)).first() is None
    return answer


WIDEST_HINT_DAYS = 3650  # the widest window both faces take


def empty_hint(answer: WhoAnswer) -> str:
    """What would actually help when an answer is empty, in words both faces show."""
    if answer.store_empty:
        return (
            "csf holds no work yet: ingest a repository first (`csf ingest git PATH --repo "
            "OWNER/NAME`, or `csf track add` then `csf sync`)"
        )
    if answer.region is not None:
        return f"no one in region {answer.region} has work here: try without `--region`"
    if answer.window_days < WIDEST_HINT_DAYS:
        return (
            f"no one has work here in {answer.window_days} days: try "
            f"`--window-days {WIDEST_HINT_DAYS}`"
        )
    return (
        f"no one has work here in {answer.window_days} days: csf holds none of this area; "
        "track the repositories where it happens (`csf track add OWNER/NAME`)"
    )


def _one_per_name(session: Session, ranked: Sequence[Result], limit: int) -> _Names:
    """The first `limit` results, a name listed once; for each record kept, the records left
    to its card; and the names and their holders read to decide, for the cards.

    A record that holds, as one of its names, the name of a better-ranked record that names
    one person (`_full_names`), where at most `MAX_GROUP` records hold it (the most `csf
    people suggest` takes as evidence), is left to that record's card (`namesakes` names it
    first) instead of taking a second place. Nothing
    is joined (rule 5 of the git ingest): each record keeps its own score, and the card says
    how to merge them. On real histories one person committing from a work and a personal
    address took two places in a third of the answers (mlir-air: 94 of 337 folder
    questions), places the next people were owed; a name more records hold is too common to
    say they are one person, and each keeps its place.
    """
    names = _full_names(session, [r.person_id for r in ranked])
    holders = _name_holders(session, set(names.values()))
    top: list[Result] = []
    kept: dict[str, int] = {}  # a name -> the record that took its place
    folded: dict[int, list[int]] = defaultdict(list)
    for result in ranked:
        key = names.get(result.person_id)
        held = holders.get(key, set()) if key is not None else set()
        if key in kept and result.person_id in held and len(held) <= MAX_GROUP:
            folded[kept[key]].append(result.person_id)
            continue
        if key is not None:
            kept.setdefault(key, result.person_id)
        top.append(result)
        if len(top) >= limit:
            break
    return _Names(top, folded, names, holders)


@dataclass(frozen=True)
class _Names:
    """What `_one_per_name` kept, what it left to whose card, and the names it read."""

    top: list[Result]
    left_to: dict[int, list[int]]
    names: dict[int, str]  # record -> the name that names them (`_full_names`)
    holders: dict[str, set[int]]  # name -> the records holding it


def _full_names(session: Session, ids: Sequence[int]) -> dict[int, str]:
    """Each record's shown name as a name identity holds it, when it names one person: two
    words or more, or one word that is a handle (a digit, `-` or `_` in it, or someone's
    GitHub login: one person was a login and three more records of that git name in TVM)."""
    if not ids:
        return {}
    p = Person.__table__  # type: ignore[attr-defined]
    names: dict[int, str] = {}
    single: dict[int, str] = {}
    for person_id, name in session.execute(sa.select(p.c.id, p.c.name).where(p.c.id.in_(ids))):
        if not isinstance(name, str) or not name.strip():
            continue
        key = name_key(name).value
        if len(name.split()) >= 2:
            names[person_id] = key
        elif len(key) >= 3 and key not in GENERIC_LOCAL_PARTS:  # never `admin`, `dev`, `root`
            single[person_id] = key
    handles = {key for key in single.values() if looks_like_handle(key)}
    if rest := sorted(set(single.values()) - handles):
        i = Identity.__table__  # type: ignore[attr-defined]
        handles.update(
            session.scalars(
                sa.select(i.c.value).where(
                    i.c.kind == IdentityKind.GITHUB.value, i.c.value.in_(rest)
                )
            )
        )
    names.update({person_id: key for person_id, key in single.items() if key in handles})
    return names


def _name_holders(session: Session, names: set[str]) -> dict[str, set[int]]:
    """The records (not bots) holding each of `names` as a name identity: one query."""
    if not names:
        return {}
    i = Identity.__table__  # type: ignore[attr-defined]
    p = Person.__table__  # type: ignore[attr-defined]
    holders: dict[str, set[int]] = defaultdict(set)
    for value, person_id in session.execute(
        sa.select(i.c.value, i.c.person_id)
        .join(p, p.c.id == i.c.person_id)
        .where(
            i.c.kind == IdentityKind.NAME.value,
            i.c.value.in_(sorted(names)),
            p.c.is_bot.is_(False),
        )
    ):
        holders[value].add(person_id)
    return holders


def _namesakes(read: _Names) -> None:
    """Mark the kept results whose name (one that names one person: `_full_names`) other
    records hold; the records left to a result's card come first."""
    for result in read.top:
        key = read.names.get(result.person_id)
        if key is None:
            continue
        folded = read.left_to.get(result.person_id, [])
        holders = read.holders.get(key, set())
        others = [*folded, *sorted(holders - {result.person_id} - set(folded))]
        result.namesakes = tuple(others[: max(5, len(folded))])


def namesake_line(result: Result) -> str | None:
    """A card's line naming the person's other records under the same name, if any."""
    if not result.namesakes:
        return None
    return "same name as " + ", ".join(f"#{n}" for n in result.namesakes) + " (maybe one person)"


def answer_notes(answer: WhoAnswer) -> list[str]:
    """What a reader must know besides the ranking: words left out, an area gone quiet."""
    notes = []
    for typed, meant in answer.reading.corrected:
        notes.append(f'"{typed}" was read as "{meant}"')
    if answer.first_reading is not None:
        # What has no work is what the words were first read as (its free words may have some).
        first = answer.first_reading
        named = replace(first, free_words=()) if first.topics or first.ecosystem else first
        notes.append(
            f"{named.label} has no work here, so its words were searched in paths and titles "
            "instead"
        )
    if answer.widened:
        words = " ".join(f'"{w}"' for w in answer.widened)
        topics = " + ".join(t.name for t in answer.reading.topics)
        notes.append(f"no work in {topics} also matches {words}, so this is all of {topics}")
    if answer.too_common:
        words = ", ".join(f'"{w}"' for w in answer.too_common)
        notes.append(
            f'{words} is too common a word in change titles ("add support for …") to search '
            "for, so it was left out"
        )
    if answer.unmatched:
        words = ", ".join(f'"{w}"' for w in answer.unmatched)
        notes.append(f"{words} matches no work csf holds, so it was left out of the search")
    if split := sum(1 for result in answer.results if result.namesakes):
        # Said once: on real histories most of a top ten has a second address, and a note per
        # person pushed the answer itself off the screen. Each card names the other records.
        who_ = "person here has" if split == 1 else "people here have"
        notes.append(
            f"{split} {who_} other records under the same name (see their card): if one "
            "person, `csf people merge` joins them (`csf people suggest` shows the evidence)"
        )
    if answer.trace_only:
        others = "person" if answer.trace_only == 1 else "people"
        notes.append(
            f"{answer.trace_only} more {others} with only trace work here left out "
            "(a small fix or a passing review)"
        )
    if answer.thin:
        notes.append(
            "the area is thin here: everyone shown has only trace work in it (a small fix or a "
            "passing review), so treat them as leads rather than experts"
        )
    if answer.dormant_since is not None:
        notes.append(
            f"no one has been active in {answer.reading.label} since "
            f"{answer.dormant_since:%Y-%m}; these are the people who built it"
        )
    return notes


def read_question(session: Session, taxonomy: Taxonomy, words: Sequence[str]) -> Reading:
    """A question's reading, with the store's repositories as names it may use."""
    repos = [(name, eco) for name, eco in session.exec(select(Repo.full_name, Repo.ecosystem))]
    return read_query(taxonomy, list(words), repos)


def _repo_ids(session: Session, names: Sequence[str]) -> tuple[int, ...]:
    if not names:
        return ()
    wanted = {n.lower() for n in names}
    rows = session.exec(select(Repo.id, Repo.full_name))
    return tuple(sorted(rid for rid, name in rows if rid is not None and name.lower() in wanted))


def _searched(reading: Reading, unmatched: Sequence[str]) -> Reading:
    """The reading as searched: words that matched no work are left out of the heading (the
    answer says so), unless nothing else would be left to show."""
    left_out = set(unmatched)
    words = tuple(w for w in reading.free_words if not set(_terms([w])) <= left_out)
    if not left_out or words == reading.free_words:
        return reading
    if not (words or reading.topics or reading.repos or reading.ecosystem):
        return reading
    return replace(reading, free_words=words)


def _terms(words: Sequence[str]) -> list[str]:
    """A question's index terms: its words folded, and structure (`dialect:torch`) as it is."""
    return [
        *query_terms(w for w in words if not is_structural(w)),
        *(w for w in words if is_structural(w)),
    ]


def _as_structure(session: Session, reading: Reading, repo_ids: Sequence[int]) -> Reading:
    """ "torch dialect": each free word as the dialect it names, where the store holds one.

    A word that names no such piece here stays a word ("who mlir tiling dialect" still asks
    about tiling), so naming structure never empties an answer.
    """
    if not reading.structure or not reading.free_words:
        return reading
    words = []
    for word in reading.free_words:
        folded = query_terms([word])
        named = [structural_term(kind, folded[0]) for kind in reading.structure if folded]
        known = _known_terms(session, named, repo_ids)[0]
        words.append(known[0] if known else word)
    return replace(reading, free_words=tuple(words))


def _has_work(session: Session, tag: str, repo_ids: Sequence[int]) -> bool:
    """Whether any contribution (in these repositories, if any) carries the topic tag."""
    t = ContributionTopic.__table__  # type: ignore[attr-defined]
    return _any_in(session, t, t.c.topic == tag, repo_ids)


def _any_in(session: Session, index: Any, match: Any, repo_ids: Sequence[int]) -> bool:
    """Whether an index (topics or terms) has a row matching, in these repositories if any."""
    probe = sa.select(index.c.contribution_id).where(match)
    if repo_ids:
        c = Contribution.__table__  # type: ignore[attr-defined]
        probe = probe.join(c, c.c.id == index.c.contribution_id).where(
            c.c.repo_id.in_(list(repo_ids))
        )
    return session.execute(probe.limit(1)).first() is not None


def _known_terms(
    session: Session, terms: Sequence[str], repo_ids: Sequence[int]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The query's words that match some work, and those that match none (said, not used).

    A word no contribution carries would empty the whole answer: a typo or a word csf does not
    index should be reported, not answered with "no one found".
    """
    w = ContributionTerm.__table__  # type: ignore[attr-defined]
    known: list[str] = []
    unknown: list[str] = []
    for term in terms:
        found = _any_in(session, w, w.c.term.in_(stems_of(term)), repo_ids)
        (known if found else unknown).append(term)
    return tuple(known), tuple(unknown)


def _dormant_since(session: Session, scope: Scope, config: Mapping[str, Any]) -> datetime | None:
    """The last real work in scope, when it is older than `active_days`; else None."""
    c = Contribution.__table__  # type: ignore[attr-defined]
    recent = scope.end - timedelta(days=int(config["active_days"]))
    size = config["size"]

    def real(within: Scope) -> sa.ColumnElement[bool]:
        return sa.and_(
            c.c.id.in_(within.ids()),
            c.c.kind.in_(["pr", "commit"]),
            c.c.nature.is_(None),
            (c.c.additions + c.c.deletions) > size["trivial_lines"],
        )

    # Most areas asked about are active: one look at the recent part of the index says so,
    # without finding the latest work in the whole window of a big topic.
    lately = replace(scope, start=max(scope.start, recent))
    if session.execute(sa.select(sa.literal(1)).where(real(lately)).limit(1)).first():
        return None
    last = session.execute(sa.select(sa.func.max(c.c.occurred_at)).where(real(scope))).scalar()
    if last is None:
        return None
    if isinstance(last, str):  # SQLite without declared types in an aggregate
        last = datetime.fromisoformat(last)
    if last.tzinfo is None:
        last = last.replace(tzinfo=UTC)
    return last if last < recent else None


def scoring_fingerprint(config: Mapping[str, Any], taxonomy: Taxonomy) -> str:
    """What cached scores depend on: the ranking settings and the taxonomy (for ownership)."""
    settings = {k: v for k, v in config.items() if k != "score_cache"}

    def digest() -> str:
        text = json.dumps({"config": settings, "taxonomy": as_dict(taxonomy)}, sort_keys=True)
        return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()

    # Checked on every cached answer; serialising the whole taxonomy each time cost ~2.5 ms.
    return taxonomy.memo(("fingerprint", json.dumps(settings, sort_keys=True)), digest)


def score_cache_for(
    session: Session, taxonomy: Taxonomy, config: Mapping[str, Any], as_of: datetime, days: int
) -> ScoreCache | None:
    """The score cache, if it may stand for a query for `as_of` over `days`; else None."""
    max_age = float(config["score_cache"]["max_age_hours"])
    if max_age <= 0 or days != int(config["window_days"]):
        return None
    cache = latest_score_cache(session)
    if cache is None or cache.window_days != days:
        return None
    if not cache.as_of <= as_of <= cache.as_of + timedelta(hours=max_age):
        return None  # a replay of the past, or a cache too old to stand for "now"
    if cache.fingerprint != scoring_fingerprint(config, taxonomy):
        return None
    return cache


def latest_score_cache(session: Session) -> ScoreCache | None:
    """The last refresh of the score cache, if any."""
    return session.exec(select(ScoreCache).order_by(col(ScoreCache.id).desc()).limit(1)).first()


def _cached_owners(session: Session, tag: str) -> dict[int, set[str]]:
    s = TopicScore.__table__  # type: ignore[attr-defined]
    statement = sa.select(s.c.person_id, s.c.owned).where(s.c.topic == tag, s.c.owner.is_(True))
    return {person_id: set(owned) for person_id, owned in session.execute(statement)}


def _cached_aggregate(
    session: Session,
    tag: str,
    config: Mapping[str, Any],
    region: str | None,
    extra: Iterable[int],
) -> dict[int, dict[str, float]]:
    """`_aggregate` for one topic, read from the score cache instead of summed."""
    s = TopicScore.__table__  # type: ignore[attr-defined]
    p = Person.__table__  # type: ignore[attr-defined]
    people_filter = [p.c.is_bot.is_(False)]
    if region is not None:
        people_filter.append(_region_clause(p.c.region, region))
    active = sa.and_(s.c.topic == tag, s.c.contributions > 0)
    best = (
        sa.select(s.c.person_id)
        .join(p, p.c.id == s.c.person_id)
        .where(active, *people_filter)
        .order_by(s.c.score.desc())
        .limit(int(config["candidates"]) * 5)
    )
    ids = set(session.execute(best).scalars()) | set(extra)
    out: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    if not ids:
        return out
    rows = sa.select(s.c.person_id, s.c.components, s.c.contributions).where(
        active, s.c.person_id.in_(sorted(ids))
    )
    for person_id, components, count in session.execute(rows):
        for component, points in components.items():
            out[person_id][component] += float(points)
        out[person_id]["count"] += count
    return out


def component_of(kind: str) -> str:
    """The score part a kind of contribution counts toward."""
    if kind == "pr":
        return "pull_requests"
    if kind == "review":
        return "reviews"
    if kind == "commit":
        return "commits"
    return "discussion"


# Kinds an answer counts but never shows as evidence: the most numerous by far (a busy
# reviewer has tens of thousands of comments), so they are tallied in SQL, not loaded.
TALLIED = ("issue", "comment")
# A shortlist's rows are read through the area's index (its people picked out in the index)
# unless the area holds this many times more rows than the shortlist's whole windows: on the 5M
# benchmark an area row costs about 1.4 µs that way and a shortlisted person's row about 7 µs
# through their own (person, time) index, each checked against the question.
AREA_READ = 10


@dataclass(frozen=True)
class Tally:
    """A person's tallied work in scope: how much, from when to when, and the earliest that
    is not upkeep (which makes them one of the area's founders when it is before the cut)."""

    count: int
    first: datetime
    last: datetime
    first_plain: datetime | None


@dataclass
class Facts:
    """What an answer says of one person's work in scope (`_answer_facts`): how much of each
    kind, from when to when, whether any of it founded the area, and the few rows that can be
    its evidence (the best of their own work and of their reviews)."""

    merged_prs: int = 0
    reviews: int = 0
    commits: int = 0
    discussion: int = 0
    authors_reviewed: int = 0
    first: datetime | None = None
    last: datetime | None = None
    founder: bool = False
    rows: list[ContributionRow] = field(default_factory=list)

    def add(self, tally: Tally, cut: datetime | None) -> None:
        """The score cache's tally of the kinds not read here (issues, comments)."""
        self.discussion += tally.count
        self.first = tally.first if self.first is None else min(self.first, tally.first)
        self.last = tally.last if self.last is None else max(self.last, tally.last)
        plain = tally.first_plain
        self.founder = self.founder or (cut is not None and plain is not None and plain <= cut)


# The kinds `evidence_from` shows, and how many of each side (own work, reviews) it can pick.
_SHOWN = ("pr", "commit", "review", "rfc")
_EVIDENCE = 3


def _answer_facts(
    session: Session,
    scope: Scope,
    person_ids: list[int],
    config: Mapping[str, Any],
    as_of: datetime,
    cut: datetime | None,
    *,
    by_area: bool = False,
    tallied: bool = True,
) -> dict[int, Facts]:
    """The `Facts` of these people's work in the query's window (each contribution once),
    summed in SQL in one statement over one read of the rows: a cached answer's top ten can
    hold tens of thousands of rows, and loading them to count them and pick three cost most of
    its time (at 5M contributions the biggest topics' p95 went from 0.75-0.8 s to about 0.5 s,
    the same answers). Without `tallied`, the kinds answers tally (issues, comments) are left
    out: the score cache keeps them (`_cached_tallies`, `Facts.add`).

    Read through the people's (person, time) index, each row checked against the scope, or
    `by_area`: through the scope's own indexes, each row looked up by id. The same facts.
    """
    if not person_ids:
        return {}
    c = Contribution.__table__  # type: ignore[attr-defined]
    source: sa.FromClause = c
    where = [c.c.person_id.in_(sorted(set(person_ids))), counted_once(c)]
    built: sa.ColumnElement[bool] = scope.built(c)
    single = scope.single_index(sorted(set(person_ids))) if by_area else None
    if single is not None:
        # One topic or word: its index rows carry `built`, read with the ids.
        ids = single.subquery()
        source = c.join(ids, ids.c.contribution_id == c.c.id)
        built = ids.c.built
    elif by_area:
        ids = scope.distinct_ids(sorted(set(person_ids))).subquery()
        source = c.join(ids, ids.c.contribution_id == c.c.id)
    else:
        where.append(scope.matches(c))
    if not tallied:
        where.append(c.c.kind.not_in(TALLIED))
    # One read of the rows, kept for the three questions asked of them below (each would
    # otherwise read them again: the read is most of the cost). MATERIALIZED needs SQLite 3.35
    # or PostgreSQL 12.
    weight = points_sql(c, config, as_of, session.get_bind().dialect.name)
    if cut is not None:  # the factors in the sums' order (founding, then built)
        weight = weight * founding_factor(c, cut, config)
    weight = weight * built_factor(built, config)
    founding = founding_sql(c, cut, config) if cut is not None else sa.false()
    rows = (
        sa.select(
            c.c.id,
            c.c.person_id,
            c.c.repo_id,
            c.c.kind,
            c.c.parent_number,
            c.c.occurred_at,
            sa.case((sa.and_(c.c.kind == "pr", c.c.state == "merged"), 1), else_=0).label("merged"),
            sa.case((founding, 1), else_=0).label("founding"),
            sa.case((built, 1), else_=0).label("built"),
            sa.case((c.c.kind.in_(_SHOWN), weight), else_=sa.null()).label("weight"),
        )
        .select_from(source)
        .where(*where)
        .cte("answer_rows")
        .prefix_with("MATERIALIZED")
    )
    when = sa.type_coerce(rows.c.occurred_at, c.c.occurred_at.type)

    def number(test: Any) -> Any:
        return sa.func.sum(sa.case((test, 1), else_=0))

    sums = sa.select(
        sa.literal(0).label("part"),
        rows.c.person_id,
        sa.func.sum(rows.c.merged).label("a"),
        number(rows.c.kind == "review"),
        number(rows.c.kind == "commit"),
        number(rows.c.kind.in_(sorted(_DISCUSSION))),
        sa.func.max(rows.c.founding),
        sa.func.min(when).label("first"),
        sa.func.max(when).label("last"),
    ).group_by(rows.c.person_id)
    # The authors whose PRs they reviewed, found by the reviews' PR numbers.
    reviewed = (
        sa.select(rows.c.person_id, rows.c.repo_id, rows.c.parent_number)
        .where(rows.c.kind == "review", rows.c.parent_number.is_not(None))
        .distinct()
        .subquery()
    )
    pr = c.alias("pr")
    authors = (
        sa.select(
            sa.literal(1),
            reviewed.c.person_id,
            sa.func.count(sa.distinct(pr.c.person_id)),
            *[sa.literal(0)] * 4,
            *[sa.null()] * 2,
        )
        .select_from(reviewed)
        .join(pr, names_thread(pr, reviewed, "pr"))
        .where(pr.c.person_id != reviewed.c.person_id)
        .group_by(reviewed.c.person_id)
    )
    # Evidence: each person's best rows of each side, weighed as `evidence_from` weighs them.
    side = sa.case((rows.c.kind == "review", 1), else_=0)
    place = sa.func.row_number().over(
        partition_by=(rows.c.person_id, side), order_by=(rows.c.weight.desc(), rows.c.id)
    )
    ranked = (
        sa.select(rows.c.id, rows.c.person_id, rows.c.built, place.label("place"))
        .where(rows.c.weight.is_not(None))
        .subquery()
    )
    best = sa.select(
        sa.literal(2),
        ranked.c.person_id,
        ranked.c.id,
        ranked.c.built,
        *[sa.literal(0)] * 3,
        *[sa.null()] * 2,
    ).where(ranked.c.place <= _EVIDENCE)
    facts: dict[int, Facts] = {}
    chosen: dict[int, bool] = {}  # the evidence: each row's id, and whether it built here
    for part, person_id, a, reviews, commits, talk, founded, first, last in session.execute(
        sa.union_all(sums, authors, best)
    ):
        if part == 0:
            facts[person_id] = Facts(a, reviews, commits, talk, 0, first, last, bool(founded))
        elif part == 1:  # (a union's parts need not come in order)
            facts.setdefault(person_id, Facts()).authors_reviewed = a
        else:
            chosen[a] = bool(reviews)
    _add_evidence(session, facts, chosen, cut, config)
    return facts


def _add_evidence(
    session: Session,
    facts: dict[int, Facts],
    chosen: Mapping[int, bool],
    cut: datetime | None,
    config: Mapping[str, Any],
) -> None:
    """Load the chosen evidence rows (id: whether it built here) onto their people's facts,
    each person's in id order: one query for the whole answer, and the order in which
    `evidence_from` breaks ties, whether the facts were just read or kept."""
    if not chosen:
        return
    c = Contribution.__table__  # type: ignore[attr-defined]
    shown = sa.select(*row_columns(c)).where(c.c.id.in_(sorted(chosen))).order_by(c.c.id)
    for row in session.execute(shown):
        found = ContributionRow(*row)
        found.built = chosen[found.id]
        found.founding = is_founding(found, cut, config)
        facts[found.person_id].rows.append(found)


# How many of a cached answer's people `prepare_answers` works out ahead: a Slack answer's
# first page (ten) and the one more that says there is a next page, as the CLI's ten.
PREPARED = 11


def unchanged_since(session: Session, generation: int | None) -> bool:
    """Whether the store holds what the refresh that claimed `generation` summed: no refresh
    claimed a later one (a refresh that died after its claim leaves no cache of it) and the
    database marked no change since. Two lookups."""
    state = StoreState.__table__  # type: ignore[attr-defined]
    current = session.scalar(sa.select(state.c.generation))
    if generation is None or current != generation:
        return False
    return session.scalar(sa.select(sa.literal(1)).select_from(StoreChange).limit(1)) is None


def _remembered_facts(
    session: Session,
    cache: ScoreCache,
    tag: str,
    person_ids: list[int],
    cut: datetime | None,
    config: Mapping[str, Any],
) -> dict[int, Facts]:
    """The facts `prepare_answers` worked out of these people after the refresh of `cache`,
    while the store is still the one it summed: then they are `_answer_facts`' own, read by
    key instead of from every row of the people's work here (none otherwise)."""
    f = TopicFacts.__table__  # type: ignore[attr-defined]
    statement = sa.select(
        f.c.person_id,
        f.c.merged_prs,
        f.c.reviews,
        f.c.commits,
        f.c.discussion,
        f.c.authors_reviewed,
        f.c.first,
        f.c.last,
        f.c.founder,
        f.c.evidence,
    ).where(
        f.c.topic == tag,
        f.c.cache_id == cache.id,
        f.c.generation == cache.generation,  # SQLite gives a new cache its old one's id
        f.c.person_id.in_(sorted(person_ids)),
    )
    rows = session.execute(statement).all() if person_ids else []
    if not rows or not unchanged_since(session, cache.generation):
        return {}
    facts: dict[int, Facts] = {}
    chosen: dict[int, bool] = {}
    for person_id, merged, reviews, commits, talk, authors, first, last, founder, shown in rows:
        facts[person_id] = Facts(merged, reviews, commits, talk, authors, first, last, founder)
        chosen.update((int(row_id), bool(built)) for row_id, built in shown)
    _add_evidence(session, facts, chosen, cut, config)
    return facts


def _facts_rows(
    cache: ScoreCache, tag: str, person_ids: list[int], facts: Mapping[int, Facts]
) -> list[dict[str, Any]]:
    """`TopicFacts` rows of what `_answer_facts` found of these people under `cache` (someone
    with no work here as no facts), for `_remembered_facts` to read back as they were."""
    rows = []
    for person_id in person_ids:
        found = facts.get(person_id, Facts())
        rows.append(
            {
                "topic": tag,
                "person_id": person_id,
                "cache_id": cache.id,
                "generation": cache.generation,
                "merged_prs": found.merged_prs,
                "reviews": found.reviews,
                "commits": found.commits,
                "discussion": found.discussion,
                "authors_reviewed": found.authors_reviewed,
                "first": found.first,
                "last": found.last,
                "founder": found.founder,
                "evidence": [[row.id, int(row.built)] for row in found.rows],
            }
        )
    return rows


def _cached_tallies(session: Session, tag: str, person_ids: list[int]) -> dict[int, Tally]:
    """`_answer_facts`' tallies of one topic (issues, comments), as the score cache's refresh
    counted them."""
    s = TopicScore.__table__  # type: ignore[attr-defined]
    statement = sa.select(
        s.c.person_id,
        s.c.discussion,
        s.c.discussion_first,
        s.c.discussion_last,
        s.c.discussion_first_plain,
    ).where(s.c.topic == tag, s.c.person_id.in_(sorted(set(person_ids))), s.c.discussion > 0)
    return {
        person_id: Tally(count, first, last, first_plain)
        for person_id, count, first, last, first_plain in session.execute(statement)
    }


@dataclass(frozen=True)
class Scope:
    """The contributions a query is about: its topics' tags and its free words, in a window.

    Both come from indexes written at ingest (topic tags, contribution terms); free words
    narrow a topic ("mlir cse"), or stand alone. Tags come in groups: the tags of one group
    widen (OR), groups and words narrow (AND). A question naming repositories keeps to them.
    """

    tags: tuple[str, ...]
    terms: tuple[str, ...]
    start: datetime
    end: datetime
    groups: tuple[tuple[str, ...], ...] = ()
    repo_ids: tuple[int, ...] = ()
    # The part `ids` reads first (`led`), by place: tag groups, then words, then repositories;
    # None: the parts are intersected.
    lead: int | None = None

    @property
    def tag_groups(self) -> tuple[tuple[str, ...], ...]:
        return self.groups or ((self.tags,) if self.tags else ())

    def _parts(self, aliased: bool = False) -> list[tuple[Any, Any, Any, bool]]:
        """Each part that narrows the scope (a group of tags, a word, the repositories), as
        (table, its contribution id column, the part's own test, whether its rows list each
        contribution once): a contribution is in scope when every part holds it in the window.
        `aliased`: each part on its own alias of its table, to be looked up from another's."""
        t = ContributionTopic.__table__  # type: ignore[attr-defined]
        w = ContributionTerm.__table__  # type: ignore[attr-defined]
        c = Contribution.__table__  # type: ignore[attr-defined]

        def table(base: Any) -> Any:
            return base.alias() if aliased else base

        parts: list[tuple[Any, Any, Any, bool]] = []
        for group in self.tag_groups:
            topic = table(t)
            test = topic.c.topic.in_(list(group))
            parts.append((topic, topic.c.contribution_id, test, len(group) == 1))
        for term in self.terms:
            word, stems = table(w), stems_of(term)
            parts.append((word, word.c.contribution_id, word.c.term.in_(stems), len(stems) == 1))
        if self.repo_ids:
            repo = table(c)
            parts.append((repo, repo.c.id, repo.c.repo_id.in_(self.repo_ids), True))
        return parts

    def ids(self, people: Sequence[int] | None = None) -> sa.Select[Any]:
        """The ids of every contribution in scope (by `people` alone, if given), read from the
        indexes by topic/term and time; the indexes carry the person, so a few people's rows
        are picked out there.

        Several parts are intersected, each read from its index; or, when `lead` names one
        (`led`: one far smaller than the rest), read from that one, each of its rows looked up
        in the others by key: "mlir cse" reads the word's rows, not every row of the
        ecosystem. The lead's rows may list a contribution more than once (several tags of
        its group, several stems of its word); `distinct_ids` lists each once.
        """
        # On aliases, each part its own: read inside a query on the same tables
        # (`contribution.id IN (…)`), a part is never taken for the outer query's own row.
        parts = self._parts(aliased=True)
        if self.lead is None and len(parts) > 1:
            windows = (self._window(p[0], p[2], people, key=p[1]) for p in parts)
            both = sa.intersect(*windows).subquery()
            return sa.select(both.c.contribution_id)
        return self._led_rows(parts, people)

    def _led_rows(
        self, parts: list[tuple[Any, Any, Any, bool]], people: Sequence[int] | None, *more: Any
    ) -> sa.Select[Any]:
        """The lead part's rows (`ids`), each looked up in the other parts by key."""
        lead = parts[self._lead(len(parts))]
        others = [
            sa.exists().where(other[1] == lead[1], other[2]) for other in parts if other is not lead
        ]
        return self._window(lead[0], lead[2], people, *more, key=lead[1]).where(*others)

    def _lead(self, parts: int) -> int:
        """The place of the part `ids` reads first (the only one, when there is one)."""
        return min(self.lead or 0, parts - 1)

    def led(self, session: Session) -> Scope:
        """This scope read from its smallest part (see `ids`) when reading that part and
        looking its rows up in the others (`_LOOKUP_COST`) costs less than reading every part:
        a word in an ecosystem, not two words of about the same size. Parts are counted in the
        window up to the first of `_LEAD_COUNTS` (a count reads the index it counts), and on to
        the next while the counts cannot tell: an ecosystem of millions of rows from a word in
        a hundred thousand."""
        parts = self._parts()
        if len(parts) < 2:
            return self
        for most in _LEAD_COUNTS:
            sizes = []
            for table, key, test, _ in parts:
                rows = (
                    sa.select(key)
                    .where(test, table.c.occurred_at >= self.start, table.c.occurred_at < self.end)
                    .limit(most)
                    .subquery()
                )
                count = session.scalar(sa.select(sa.func.count()).select_from(rows))
                sizes.append(int(count or 0))
            low = min(sizes)
            if low * (1 + (len(sizes) - 1) * _LOOKUP_COST) < sum(sizes):
                return replace(self, lead=sizes.index(low))
            if max(sizes) < most:
                break  # exact counts, of parts too alike for one to lead
        return self

    def distinct_ids(self, people: Sequence[int] | None = None) -> sa.Select[Any]:
        """`ids`, each once: a contribution holds several of a group's tags or of a word's
        stems, and one index read lists it once per match."""
        ids = self.ids(people)
        parts = self._parts()
        if self.lead is None and len(parts) > 1:
            return ids  # an intersection is a set already
        return ids if parts[self._lead(len(parts))][3] else ids.distinct()

    def single_index(self, people: Sequence[int] | None = None) -> sa.Select[Any] | None:
        """(contribution id, built) of a scope that is one topic or one word alone, read from
        its index (by `people` alone, if given); None for any other scope (several tags, words
        or repositories)."""
        tags = [tag for group in self.tag_groups for tag in group]
        words = [stem for term in self.terms for stem in stems_of(term)]
        if self.repo_ids or len(tags) + len(words) != 1:
            return None
        if tags:
            t = ContributionTopic.__table__  # type: ignore[attr-defined]
            table, match = t, t.c.topic == tags[0]
        else:
            w = ContributionTerm.__table__  # type: ignore[attr-defined]
            table, match = w, w.c.term == words[0]
        return self._window(table, match, people, table.c.built)

    def times(self) -> sa.Select[Any]:
        """The time of every contribution in scope (as `ids`, each once), read from the
        indexes where they can give it: the one index of a single topic or word, or the rows
        of the part that leads (`led`); intersected parts look each time up by id."""
        tags = [tag for group in self.tag_groups for tag in group]
        words = [stem for term in self.terms for stem in stems_of(term)]
        if not self.repo_ids and len(tags) + len(words) == 1:
            if tags:
                table: Any = ContributionTopic.__table__  # type: ignore[attr-defined]
                match = table.c.topic == tags[0]
            else:
                table = ContributionTerm.__table__  # type: ignore[attr-defined]
                match = table.c.term == words[0]
            return sa.select(table.c.occurred_at).where(
                match, table.c.occurred_at >= self.start, table.c.occurred_at < self.end
            )
        parts = self._parts(aliased=True)
        if self.lead is not None or len(parts) == 1:
            # The lead's index rows carry their contribution's time: read with them, not looked
            # up in `contribution` one by one (each contribution once, when the lead can list
            # it twice: its (id, time) pairs are then distinct).
            lead = parts[self._lead(len(parts))]
            rows = self._led_rows(parts, None, lead[0].c.occurred_at.label("occurred_at"))
            found = (rows if lead[3] else rows.distinct()).subquery()
            return sa.select(found.c.occurred_at)
        c = Contribution.__table__  # type: ignore[attr-defined]
        return sa.select(c.c.occurred_at).where(c.c.id.in_(self.ids()))  # each once

    def matches(self, contribution: Any) -> sa.ColumnElement[bool]:
        """Whether a contribution row is in scope, tested row by row.

        For the work of a few people: their rows come from the (person, time) index, and each
        is checked against the tags and terms by primary key, instead of reading the whole
        topic's window to pick theirs out.
        """
        c = contribution.c
        clauses = [c.occurred_at >= self.start, c.occurred_at < self.end]
        if self.repo_ids:
            clauses.append(c.repo_id.in_(self.repo_ids))
        t = ContributionTopic.__table__  # type: ignore[attr-defined]
        clauses += [
            sa.exists().where(t.c.contribution_id == c.id, t.c.topic.in_(list(group)))
            for group in self.tag_groups
        ]
        w = ContributionTerm.__table__  # type: ignore[attr-defined]
        clauses += [
            sa.exists().where(w.c.contribution_id == c.id, w.c.term.in_(stems_of(term)))
            for term in self.terms
        ]
        return sa.and_(*clauses)

    def built(self, contribution: Any) -> sa.ColumnElement[bool]:
        """Whether a contribution row in scope created files there (see `built:` in
        ranking.yml): as `matches` narrows, its created files meet every one of the question's
        groups of topics (one tag of the group marked built) and every word (one of its stems
        marked built), not just any of them."""
        c = contribution.c
        t = ContributionTopic.__table__  # type: ignore[attr-defined]
        w = ContributionTerm.__table__  # type: ignore[attr-defined]
        clauses = [
            sa.exists().where(t.c.contribution_id == c.id, t.c.topic.in_(list(group)), t.c.built)
            for group in self.tag_groups
        ]
        clauses += [
            sa.exists().where(w.c.contribution_id == c.id, w.c.term.in_(stems_of(term)), w.c.built)
            for term in self.terms
        ]
        return sa.and_(*clauses) if clauses else sa.false()

    def _window(
        self, table: Any, match: Any, people: Sequence[int] | None, *more: Any, key: Any = None
    ) -> sa.Select[Any]:
        """`table`'s rows that `match` in the window (by `people` if given): their contribution
        id (`key`, for a table that names it otherwise) and `more` of their columns."""
        mine = [table.c.person_id.in_(people)] if people is not None else []
        ids = (table.c.contribution_id if key is None else key).label("contribution_id")
        return sa.select(ids, *more).where(
            match, table.c.occurred_at >= self.start, table.c.occurred_at < self.end, *mine
        )


def recency_sql(column: Any, as_of: datetime, config: Mapping[str, Any], dialect: str) -> Any:
    """`blended_decay` of each row, computed in the database."""
    blend = config["blend"]
    parts = [
        (float(blend["expertise"]), float(blend["expertise_half_life_days"])),
        (float(blend["activity"]), float(config["half_life_days"])),
    ]
    terms = [
        sa.literal(weight) * recency_of(column, as_of, half_life, dialect)
        for weight, half_life in parts
        if weight > 0
    ]
    return sum(terms[1:], terms[0]) if terms else sa.literal(0.0)


def recency_of(column: Any, as_of: datetime, half_life: float, dialect: str) -> Any:
    """The recency weight of each row, computed in the database (see `decay`)."""
    if half_life <= 0:
        return sa.literal(1.0)
    if dialect == "sqlite":
        when = as_of.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        age = sa.func.julianday(sa.literal(when, sa.String)) - sa.func.julianday(column)
        return sa.func.pow(0.5, sa.func.max(age, 0.0) / half_life)
    age = sa.extract("epoch", sa.literal(as_of, sa.DateTime(timezone=True)) - column) / 86400.0
    # PostgreSQL refuses a power that underflows to zero (a one-day half-life and work from
    # four years ago): past a thousand halvings a row weighs 0.5 ** 1000, nothing a score shows.
    halvings = sa.func.least(sa.func.greatest(age, 0.0) / half_life, 1000.0)
    return sa.func.power(0.5, halvings)


def trivial_sql(c: Any, size: Mapping[str, Any]) -> sa.ColumnElement[bool]:
    """A typo fix, in SQL: at most `trivial_lines` changed in at most one file (`_size_factor`'s
    test; what it means for a change, a review or a post is the caller's to say)."""
    lines = c.c.additions + c.c.deletions
    return sa.and_(c.c.files_changed <= 1, lines <= size["trivial_lines"])


def points_sql(
    c: Any, config: Mapping[str, Any], as_of: datetime, dialect: str, *, recency: bool = True
) -> Any:
    """points x size factor x recency of each row, as a SQL expression (see `points_of`);
    without `recency`, exactly `points_of` of a row that neither created files nor founded."""
    points, size = config["points"], config["size"]
    review = c.c.kind == "review"
    base = sa.case(
        (sa.and_(c.c.kind == "pr", c.c.state == "merged"), points["merged_pr"]),
        (sa.and_(c.c.kind == "pr", c.c.state == "open"), points["open_pr"]),
        (c.c.kind == "pr", points["closed_pr"]),
        *[
            (sa.and_(review, c.c.state == state), points[f"review_{state}"])
            for state in ("approved", "changes_requested", "commented", "dismissed", "acked")
        ],
        (review, points["review_commented"]),
        (c.c.kind == "commit", points["commit"]),
        (c.c.kind == "issue", points["issue"]),
        (c.c.kind == "rfc", points["rfc"]),
        (c.c.kind == "comment", points["comment"]),
        else_=0.0,
    )
    steps = size_steps(size)
    factor = sa.case(
        (c.c.kind.not_in(["pr", "commit", "review"]), 1.0),
        (c.c.files_changed >= size["mass_change_files"], size["mass_change_factor"]),
        (trivial_sql(c, size), size["trivial_factor"]),
        *[(c.c.additions >= least, step) for least, step in reversed(steps) if least > 0],
        else_=steps[0][1],
    )
    natures = config["nature"]
    upkeep = sa.case(
        *[(c.c.nature == name, float(value)) for name, value in sorted(natures.items())],
        else_=1.0,
    )
    value = sa.cast(base, sa.Float) * sa.cast(factor, sa.Float) * sa.cast(upkeep, sa.Float)
    return value * recency_sql(c.c.occurred_at, as_of, config, dialect) if recency else value


def founding_rank(total: int, config: Mapping[str, Any]) -> int:
    """How many of an area's `total` contributions, taken oldest first, make its founding work
    (`founding.share` of them, rounded up): integer arithmetic, the same in Python and SQL."""
    return (total * _permille(config) + 999) // 1000


def _permille(config: Mapping[str, Any]) -> int:
    return round(float(config["founding"]["share"]) * 1000)


def founds(config: Mapping[str, Any]) -> bool:
    """Whether founding work weighs more at all (`--active` and a zero share or factor: no)."""
    founding = config["founding"]
    return bool(float(founding["factor"])) and _permille(config) > 0


def founding_cut(
    session: Session | sa.Connection, scope: Scope, config: Mapping[str, Any]
) -> datetime | None:
    """The moment by which the area's founding work was done (see `founding:` in ranking.yml):
    the time of its `founding_rank`-th contribution, oldest first, over its whole history up to
    the end of the scope (not its window). None when founding work weighs nothing here.

    Only the time counts, so rows at the same moment need no order among themselves; one topic
    or word is read from its index alone, (topic, time) order, without touching contributions.
    """
    if not founds(config):
        return None
    whole = replace(scope, start=_BEGINNING)
    times = whole.times().subquery()
    if whole.single_index() is None:
        # Not one index key (words in a topic, two words, a word with several stems, several
        # tags, repositories): finding the rows means intersecting or merging index reads, so
        # they are found once, numbered and counted in one pass. A count and then an offset
        # found them twice: at 5M contributions, a third of the time of "mlir fold op".
        number = sa.func.row_number().over(order_by=times.c.occurred_at).label("number")
        ranked = sa.select(times.c.occurred_at, number, sa.func.count().over().label("total"))
        rows = ranked.subquery()
        rank = (rows.c.total * _permille(config) + 999) // 1000  # `founding_rank`, in SQL
        when: datetime | None = session.scalar(
            sa.select(rows.c.occurred_at).where(rows.c.number == rank)
        )
    else:  # one index key, read in time order: counted, then read up to the rank only
        total = int(session.scalar(sa.select(sa.func.count()).select_from(times)) or 0)
        if not total:
            return None
        statement = (
            sa.select(times.c.occurred_at)
            .order_by(times.c.occurred_at)
            .offset(founding_rank(total, config) - 1)
            .limit(1)
        )
        when = session.scalar(statement)
    return when if when is not None and _founded_long_ago(when, scope.end, config) else None


def _founded_long_ago(cut: datetime, end: datetime, config: Mapping[str, Any]) -> bool:
    """Whether an area's founding work is old enough to tell its founders from everyone."""
    if cut.tzinfo is None:
        cut = cut.replace(tzinfo=UTC)
    return cut <= end - timedelta(days=int(config["founding"]["min_age_days"]))


def founding_sql(contribution: Any, cut: Any, config: Mapping[str, Any]) -> Any:
    """Whether a row is founding work (SQL): real work done by the founding cut; a typo fix or
    upkeep (a bump, an integrate) founds nothing, however early (`is_founding`)."""
    return sa.and_(contribution.c.occurred_at <= cut, founder_sql(contribution, config))


def founder_sql(contribution: Any, config: Mapping[str, Any]) -> Any:
    """Whether a row is work that founds an area when done early enough (`founding_sql`)."""
    c = contribution.c
    trivial = sa.and_(
        c.kind.in_(["pr", "commit", "review"]), trivial_sql(contribution, config["size"])
    )
    return sa.and_(c.nature.is_(None), sa.not_(trivial))


def founding_factor(contribution: Any, cut: Any, config: Mapping[str, Any]) -> Any:
    """1 + `founding.factor` for founding work (`founding_sql`), 1 for the rest (SQL)."""
    founding = founding_sql(contribution, cut, config)
    return sa.case((founding, 1.0 + float(config["founding"]["factor"])), else_=1.0)


def is_founding(row: ContributionRow, cut: datetime | None, config: Mapping[str, Any]) -> bool:
    """`founding_sql` for one row, in Python."""
    if cut is None or row.when > cut or row.nature is not None:
        return False
    lines = row.additions + row.deletions
    trivial = row.files <= 1 and lines <= config["size"]["trivial_lines"]
    return not (row.kind in ("pr", "commit", "review") and trivial)


def built_factor(built: Any, config: Mapping[str, Any]) -> Any:
    """1 + `built:` for work that created files in the area, 1 for the rest (SQL)."""
    return sa.case((built, 1.0 + float(config["built"])), else_=1.0)


def _region_clause(column: Any, region: str) -> Any:
    if region == "unknown":
        return column.is_(None)
    if region == "europe":
        return column.in_(["uk", "eu", "europe"])
    return column == region


def _aggregate(
    session: Session,
    scope: Scope,
    config: Mapping[str, Any],
    region: str | None,
    extra: Iterable[int],
    cut: datetime | None = None,
    area: list[int] | None = None,
    *,
    rows: bool = False,
) -> dict[int, dict[str, float]]:
    """Points per person and component, summed in the database (the area's founding work, by
    `cut`, weighed as `founding:` says); `area` receives `_area_work`'s count when it can.

    One pass over the area's rows sums everyone's points per kind (bots and other regions
    left out there, so a `--region` list is never starved); the best-scoring people and the
    owners in `extra` keep theirs. Reading the best people's own rows again to split their
    points cost more than the area's pass when they work in many areas. Every contribution's
    recency weight is summed in SQL, so the result is exactly the per-contribution model, and
    no topic's history is loaded into Python: only a few numbers per person. A big topic's
    whole months are read from their monthly sums where the last refresh kept them
    (bot/ranking/months.py), and only the months they cut from its rows.
    """
    plan = None if rows else _month_plan(session, scope, config, cut)
    if plan is None:
        parts = [_row_sums(session, scope, config, region, cut, scope.end)]
    else:
        parts = [
            _row_sums(session, replace(scope, start=a, end=b), config, region, cut, scope.end)
            for a, b in plan.rows
        ]
    sums: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    counted = 0  # the area's own work (`_area_work`): every group's rows, before any cut
    for statement in parts:
        for person_id, kind, points, count in session.execute(statement):
            sums[person_id][component_of(kind)] += float(points or 0.0)
            sums[person_id]["count"] += count
            counted += count
    if plan is not None:
        counted += _add_months(session, plan, config, region, cut, extra, sums)
        cache = latest_score_cache(session)
        if cache is None or cache.generation != plan.generation:
            # A refresh swapped the sums in while they were read (each statement sees what is
            # committed when it starts): sum the rows instead.
            return _aggregate(session, scope, config, region, extra, cut, area, rows=True)
    if region is None and area is not None:
        area.append(counted)
    best = sorted(sums, key=lambda person_id: (-_points(sums[person_id]), person_id))
    ids = set(best[: int(config["candidates"]) * 5]) | set(extra)
    return {person_id: sums[person_id] for person_id in ids if person_id in sums}


def _points(parts: Mapping[str, float]) -> float:
    """A person's points summed over their components (`count` is not one)."""
    return sum(v for k, v in parts.items() if k != "count")


def _people_filter(
    person_id: Any, region: str | None, *, anti_join: bool = False
) -> tuple[list[Any], bool]:
    """(the tests that leave bots and other regions out, whether they need `person` joined).

    Bots are few: leaving their ids out (`NOT IN`, read once) is cheaper than joining every row
    to its person. But PostgreSQL cannot push `NOT IN` a subquery into a lookup by id: rows
    found through an index and looked up one by one (`anti_join`) were instead read by hashing
    the whole contribution table (a big topic's cut month, 4,000 rows out of 1M: 150-220 ms,
    against 30-45 ms as an anti-join, which it does look up).
    """
    p = Person.__table__  # type: ignore[attr-defined]
    if region is None:
        if anti_join:
            return [~sa.exists().where(p.c.id == person_id, p.c.is_bot.is_(True))], False
        bots = sa.select(p.c.id).where(p.c.is_bot.is_(True))
        return [person_id.not_in(bots)], False
    return [p.c.is_bot.is_(False), _region_clause(p.c.region, region)], True


def _row_sums(
    session: Session,
    scope: Scope,
    config: Mapping[str, Any],
    region: str | None,
    cut: datetime | None,
    as_of: datetime,
) -> sa.Select[Any]:
    """(person, kind, points, count) of the scope's rows, weighed as of `as_of`."""
    c = Contribution.__table__  # type: ignore[attr-defined]
    p = Person.__table__  # type: ignore[attr-defined]
    once = counted_once(c)
    dialect = session.get_bind().dialect.name
    base = points_sql(c, config, as_of, dialect)
    if cut is not None:  # the area's founding work (`founding_cut`)
        base = base * founding_factor(c, cut, config)
    weigh_built = bool(float(config["built"]))
    people_filter, joined = _people_filter(c.c.person_id, region, anti_join=dialect != "sqlite")
    single = scope.single_index()
    if weigh_built and single is not None:
        # One topic or one word: its index rows carry `built`, read with the ids (no lookup
        # per row), and each contribution appears once.
        rows = single.subquery()
        grouped = sa.select(c.c.person_id, c.c.kind).select_from(
            c.join(rows, rows.c.contribution_id == c.c.id)
        )
        value = base * built_factor(rows.c.built, config)
        in_scope = once
    else:
        grouped = sa.select(c.c.person_id, c.c.kind)
        value = base * built_factor(scope.built(c), config) if weigh_built else base
        in_scope = sa.and_(c.c.id.in_(scope.ids()), once)
    if joined:
        grouped = grouped.join(p, p.c.id == c.c.person_id)
    # Kinds in a fixed order, so components add up in the same order as in the score cache.
    return (
        grouped.add_columns(sa.func.sum(value), sa.func.count())
        .where(in_scope, *people_filter)
        .group_by(c.c.person_id, c.c.kind)
        .order_by(c.c.person_id, c.c.kind)
    )


def _months_of(
    plan: MonthPlan, config: Mapping[str, Any], region: str | None, cut: datetime | None
) -> tuple[Any, Any, list[Any]]:
    """(each monthly row's points as of the question, the rows to read, their tests) for the
    whole months of `plan`, people filtered as `_row_sums` filters them."""
    m = TopicMonth.__table__  # type: ignore[attr-defined]
    p = Person.__table__  # type: ignore[attr-defined]
    value, tests = month_sums_sql(m, plan, float(config["founding"]["factor"]), cut)
    # Monthly rows are read along their own key, never looked up by id: `NOT IN` suits both
    # stores here (as an anti-join PostgreSQL took 99 ms for the biggest topic, not 35).
    people_filter, joined = _people_filter(m.c.person_id, region)
    source = m.join(p, p.c.id == m.c.person_id) if joined else m
    return value, source, [*tests, *people_filter]


def _month_sums(
    plan: MonthPlan, config: Mapping[str, Any], region: str | None, cut: datetime | None
) -> sa.Select[Any]:
    """(person, kind, points, count) of the whole months of `plan`, from their sums."""
    m = TopicMonth.__table__  # type: ignore[attr-defined]
    value, source, tests = _months_of(plan, config, region, cut)
    return (
        sa.select(m.c.person_id, m.c.kind, sa.func.sum(value), sa.func.sum(m.c.contributions))
        .select_from(source)
        .where(*tests)
        .group_by(m.c.person_id, m.c.kind)
    )


def _add_months(
    session: Session,
    plan: MonthPlan,
    config: Mapping[str, Any],
    region: str | None,
    cut: datetime | None,
    extra: Iterable[int],
    sums: dict[int, dict[str, float]],
) -> int:
    """Add `plan`'s whole months to `sums` for everyone who may rank among the best; how many
    contributions those months hold in all.

    The best `candidates` x 5 by their whole months (`_month_best`), and the owners, are read
    whole. The months' totals of as many people again come with them: those people, and
    anyone below them (at most the last of them in whole months), may still pass the last of
    the best only if their points in the rows read (already in `sums`) make up the gap, and
    only they are read too. No one who could rank is left out, and a big topic's tens of
    thousands of people are not read into Python. (With the best alone as the bound, the gap
    was so small that the biggest topic of the 1M benchmark read 3,100 more people's months.)
    """
    m = TopicMonth.__table__  # type: ignore[attr-defined]
    most = int(config["candidates"]) * 5
    in_rows = {person_id: _points(parts) for person_id, parts in sums.items()}
    leaders, counted = _month_best(session, plan, config, region, cut, most * 2)

    def read(people: Iterable[int]) -> None:
        wanted = sorted(people)
        for begin in range(0, len(wanted), 900):
            chunk = m.c.person_id.in_(wanted[begin : begin + 900])
            for person_id, kind, points, count in session.execute(
                _month_sums(plan, config, region, cut).where(chunk)
            ):
                sums[person_id][component_of(kind)] += float(points or 0.0)
                sums[person_id]["count"] += count

    best = leaders[:most]
    read_whole = {person_id for person_id, _ in best} | set(extra)
    read(read_whole)
    if len(best) < most:
        return counted  # everyone with whole months is among them
    bar = sorted((_points(sums[person_id]) for person_id, _ in best), reverse=True)[most - 1]
    in_months = dict(leaders[most:])  # the next people's whole months, summed
    # Anyone not listed has at most the last listed in whole months (none, if all are listed).
    below = leaders[-1][1] if len(leaders) == most * 2 else 0.0
    read(
        person_id
        for person_id in (set(in_rows) | set(in_months)) - read_whole
        if in_rows.get(person_id, 0.0) + in_months.get(person_id, below) >= bar
    )
    return counted


def _month_best(
    session: Session,
    plan: MonthPlan,
    config: Mapping[str, Any],
    region: str | None,
    cut: datetime | None,
    most: int,
) -> tuple[list[tuple[int, float]], int]:
    """(the `most` best people by their points in `plan`'s whole months, best first, with
    those points; how many contributions those months hold in all), summed in the database."""
    m = TopicMonth.__table__  # type: ignore[attr-defined]
    value, source, tests = _months_of(plan, config, region, cut)
    total = sa.func.sum(value).label("total")
    everyone = sa.func.sum(sa.func.sum(m.c.contributions)).over()  # all groups, before LIMIT
    best = (
        sa.select(m.c.person_id, total, everyone)
        .select_from(source)
        .where(*tests)
        .group_by(m.c.person_id)
        .order_by(total.desc(), m.c.person_id)
        .limit(most)
    )
    rows = session.execute(best).all()
    counted = int(rows[0][2] or 0) if rows else 0
    return [(person_id, float(points or 0.0)) for person_id, points, _ in rows], counted


def _month_plan(
    session: Session, scope: Scope, config: Mapping[str, Any], cut: datetime | None
) -> MonthPlan | None:
    """How to read one big topic from its monthly sums, if they stand for this question: kept
    for the topic by the last refresh, weighed with the settings in force, of the store as it
    still is. Not for the very moment and window of the score cache itself: that answer sums
    rows, as the cache did, and so equals it exactly (monthly sums agree to rounding)."""
    tags = [tag for group in scope.tag_groups for tag in group]
    if scope.terms or scope.repo_ids or len(tags) != 1:
        return None
    cache = latest_score_cache(session)
    if (
        cache is None
        or cache.months_before is None
        or tags[0] not in (cache.month_topics or ())
        or cache.months_fingerprint != months_fingerprint(config)
        or (cache.as_of == scope.end and scope.start == scope.end - timedelta(cache.window_days))
        or not unchanged_since(session, cache.generation)
    ):
        return None
    factors = recency_factors(config, cache.as_of, scope.end)
    if factors is None:
        return None
    plan = plan_months(tags[0], scope.start, scope.end, cut, cache.months_before, factors)
    return replace(plan, generation=cache.generation) if plan is not None else None


def _area_work(session: Session, scope: Scope) -> int:
    """How many contributions in scope people made (bots left out, each change once), by
    everyone scored for the question: before any `--region`, `--stated` or `--community`."""
    c = Contribution.__table__  # type: ignore[attr-defined]
    p = Person.__table__  # type: ignore[attr-defined]
    people = c.join(p, p.c.id == c.c.person_id)
    where = [counted_once(c), p.c.is_bot.is_(False)]
    single = scope.single_index()
    if single is not None:
        rows = single.subquery()
        people = people.join(rows, rows.c.contribution_id == c.c.id)
    else:
        where.append(c.c.id.in_(scope.ids()))
    statement = sa.select(sa.func.count()).select_from(people).where(*where)
    return int(session.execute(statement).scalar() or 0)


def _cached_area_work(session: Session, tag: str) -> int:
    """`_area_work` of one topic, read from the score cache.

    Bots are few: leaving their ids out is cheaper than joining every row to its person (half
    the time for the biggest topics at 5M contributions, where a topic has 50-100k rows).
    """
    s = TopicScore.__table__  # type: ignore[attr-defined]
    p = Person.__table__  # type: ignore[attr-defined]
    bots = sa.select(p.c.id).where(p.c.is_bot.is_(True))
    statement = sa.select(sa.func.sum(s.c.contributions)).where(
        s.c.topic == tag, s.c.person_id.not_in(bots)
    )
    return int(session.execute(statement).scalar() or 0)


def _sample_ids(session: Session, scope: Scope) -> list[int]:
    """Some of the topics' contributions, whose paths show what the topic's owners own."""
    c = Contribution.__table__  # type: ignore[attr-defined]
    statement = (
        sa.select(c.c.id)
        .where(c.c.id.in_(scope.ids()), c.c.kind.in_(["pr", "commit"]))
        .order_by(c.c.id.desc())
        .limit(400)
    )
    return list(session.execute(statement).scalars())


def _flags(session: Session, ids: Iterable[int]) -> dict[int, tuple[bool, str | None, bool]]:
    """(is bot, region, region stated on their profile) of many people, without loading them."""
    p = Person.__table__  # type: ignore[attr-defined]
    wanted = sorted(set(ids))
    found: dict[int, tuple[bool, str | None, bool]] = {}
    for begin in range(0, len(wanted), 900):
        for person_id, is_bot, region, level in session.execute(
            sa.select(p.c.id, p.c.is_bot, p.c.region, p.c.region_level).where(
                p.c.id.in_(wanted[begin : begin + 900])
            )
        ):
            found[person_id] = (bool(is_bot), region, level == "stated")
    return found


def topic_owners(session: Session, taxonomy: Taxonomy, scope: Scope) -> dict[int, set[str]]:
    """People named as owners of the scope's topics: person id -> the patterns or areas.

    A question in free words ("who torch-mlir torchtolinalg") has no topic to name in an owner
    file, but the code it finds has owners: the lines whose patterns cover it count.
    """
    return _owners(
        session, taxonomy, scope.tags, lambda: _sample_ids(session, scope), scope.repo_ids or None
    )


def _owners(
    session: Session,
    taxonomy: Taxonomy,
    tags: Iterable[str],
    sample_ids: Callable[[], list[int]],
    repo_ids: Sequence[int] | None = None,
) -> dict[int, set[str]]:
    tags = list(tags)
    topics = [taxonomy.topic(tag) for tag in tags]
    ecosystems = {tag.split(".")[0] for tag in tags}
    repo_names = {r for e in ecosystems if (eco := taxonomy.ecosystem(e)) for r in eco.repos}
    wanted_names = {n.lower() for n in repo_names}
    if repo_ids is None:
        repo_ids = [
            rid
            for rid, name, eco in session.exec(select(Repo.id, Repo.full_name, Repo.ecosystem))
            if rid is not None and (not tags or name.lower() in wanted_names or eco in ecosystems)
        ]
    if not repo_ids:
        return {}
    names = {normalise_phrase(n) for t in topics if t for n in (t.name, t.key, *t.aliases)}
    o = CodeOwner.__table__  # type: ignore[attr-defined]
    rows = session.execute(
        sa.select(o.c.pattern, o.c.area, o.c.owner_kind, o.c.owner_value, o.c.source_path).where(
            o.c.repo_id.in_({rid for rid in repo_ids if rid is not None})
        )
    ).all()
    if not rows:
        return {}  # most repositories have no owner file: no need to sample their paths
    sample = sorted(_sample_paths(session, sample_ids()))
    # The kernel's MAINTAINERS alone has thousands of patterns: test each distinct pattern once,
    # and only against sample paths that start with its literal prefix.
    covers = {pattern: _covers(pattern, sample) for pattern in {row.pattern for row in rows}}
    owned: dict[tuple[str, str], set[str]] = defaultdict(set)
    # In a Markdown maintainer file, the heading (or the list item) names the area someone keeps
    # and the pattern is only the folder the file speaks for. Such a row owns its area's topic,
    # and the folder only for a question about the ecosystem as a whole: the Tensor maintainer
    # does not own Bufferization. (Kernel MAINTAINERS sections have titles and real patterns.)
    whole_ecosystem = bool(tags) and not any(topics)
    for pattern, area, kind, value, source in rows:
        if area is not None and normalise_phrase(area) in names:
            owned[(kind, value)].add(area)
        elif covers[pattern] and (
            whole_ecosystem or area is None or pattern != maintainer_scope(source)
        ):
            owned[(kind, value)].add(pattern)
    if not owned:
        return {}
    result: dict[int, set[str]] = defaultdict(set)
    for identity in session.exec(
        select(Identity).where(col(Identity.value).in_([v for _, v in owned]))
    ):
        key = (identity.kind, identity.value)
        if key in owned:
            result[identity.person_id] |= owned[key]
    return result


def _covers(pattern: str, sorted_paths: list[str]) -> bool:
    """Whether an ownership pattern matches any of the (sorted) sample paths."""
    if pattern == "**" or not sorted_paths:
        return False  # a catch-all owner owns nothing in particular
    prefix = re.split(r"[*?\[{]", pattern, maxsplit=1)[0]
    compiled = _compiled(pattern)
    start = bisect.bisect_left(sorted_paths, prefix)
    for path in sorted_paths[start:]:
        if not path.startswith(prefix):
            break
        if compiled.match(path):
            return True
    return False


@cache
def _compiled(glob: str) -> re.Pattern[str]:
    return re.compile(glob_to_regex(glob) + r"\Z")


def _sample_paths(session: Session, ids: list[int]) -> set[str]:
    if not ids:
        return set()
    paths: set[str] = set()
    for value in session.exec(select(Contribution.paths).where(col(Contribution.id).in_(ids))):
        paths.update(value)
    return paths


def _people(session: Session, ids: Iterable[int]) -> dict[int, Person]:
    wanted = sorted(set(ids))
    found: dict[int, Person] = {}
    for begin in range(0, len(wanted), 500):
        for person in session.exec(
            select(Person).where(col(Person.id).in_(wanted[begin : begin + 500]))
        ):
            assert person.id is not None
            found[person.id] = person
    return found


# A person whose window holds more rows than this has their tags read on their own, until
# breadth is capped (`window_activity`'s `enough`); lighter windows are read in one query.
READ_APART = 2000


def window_activity(
    session: Session,
    start: datetime,
    end: datetime,
    ids: Sequence[int] | None = None,
    enough: Callable[[set[str]], bool] | None = None,
) -> tuple[dict[int, int], dict[int, set[str]]]:
    """Each person's contributions in the window, and every tag they carry (all people if
    `ids` is None): what focus and breadth are computed from; the score cache keeps it whole.

    Counted and deduplicated in SQL: a shortlist's own history runs to tens of thousands of rows.
    With `enough` (and `ids`), the tags of each person with a heavy window (`READ_APART`) are
    read only until `enough` holds of what was read: breadth is capped, and an area's leading
    people, who work everywhere, reach the cap within their first few hundred rows, where
    reading all of them took seconds at 5M.
    """
    c = Contribution.__table__  # type: ignore[attr-defined]
    t = ContributionTopic.__table__  # type: ignore[attr-defined]
    window = [c.c.occurred_at >= start, c.c.occurred_at < end]
    if ids is not None:
        window.append(c.c.person_id.in_(ids))
    totals: dict[int, int] = defaultdict(int)
    counts = sa.select(c.c.person_id, sa.func.count()).where(*window).group_by(c.c.person_id)
    for person_id, count in session.execute(counts):
        totals[person_id] = count
    topics: dict[int, set[str]] = defaultdict(set)
    if ids is not None and enough is not None:
        # One query each costs more than the rows of a light window: those are read together.
        light = []
        for person_id in ids:
            if totals.get(person_id, 0) > READ_APART:
                topics[person_id] = _tags_until(session, person_id, start, end, enough)
            else:
                light.append(person_id)
        if not light:
            return totals, topics
        window = [c.c.occurred_at >= start, c.c.occurred_at < end, c.c.person_id.in_(light)]
    if ids is None:
        # Everyone's (the refresh): the tag rows carry their contribution's person and time, so
        # one pass over them answers without looking up every contribution (half the time).
        tagged = (
            sa.select(t.c.person_id, t.c.topic)
            .where(t.c.occurred_at >= start, t.c.occurred_at < end)
            .distinct()
        )
    else:
        tagged = (
            sa.select(c.c.person_id, t.c.topic)
            .select_from(c.join(t, t.c.contribution_id == c.c.id))
            .where(*window)
            .distinct()
        )
    for person_id, topic in session.execute(tagged):
        if topic:
            topics[person_id].add(topic)
    return totals, topics


def _tags_until(
    session: Session,
    person_id: int,
    start: datetime,
    end: datetime,
    enough: Callable[[set[str]], bool],
) -> set[str]:
    """One person's tags in the window, read through their (person, time) index, newest first,
    until `enough` holds (checked each time a new tag turns up) or their window is read."""
    c = Contribution.__table__  # type: ignore[attr-defined]
    t = ContributionTopic.__table__  # type: ignore[attr-defined]
    statement = (
        sa.select(t.c.topic)
        .select_from(c.join(t, t.c.contribution_id == c.c.id))
        .where(c.c.person_id == person_id, c.c.occurred_at >= start, c.c.occurred_at < end)
        .order_by(c.c.occurred_at.desc())
        .execution_options(stream_results=True, yield_per=500)
    )
    found: set[str] = set()
    if enough(found):
        return found
    result = session.execute(statement)
    try:
        for topic in result.scalars():
            if topic and topic not in found:
                found.add(topic)
                if enough(found):
                    break
    finally:
        result.close()  # a server-side cursor left half read would hold its snapshot
    return found


def _cached_activity(
    session: Session, ids: Sequence[int]
) -> tuple[dict[int, int], dict[int, set[str]]]:
    """`window_activity` of these people as the score cache's refresh found it."""
    w = PersonWindow.__table__  # type: ignore[attr-defined]
    totals: dict[int, int] = defaultdict(int)
    topics: dict[int, set[str]] = defaultdict(set)
    for person_id, count, tags in session.execute(
        sa.select(w.c.person_id, w.c.contributions, w.c.topics).where(w.c.person_id.in_(ids))
    ):
        totals[person_id] = count
        topics[person_id] = set(tags)
    return totals, topics


def _focus_and_breadth(
    session: Session,
    results: list[Result],
    tags: tuple[str, ...],
    start: datetime,
    end: datetime,
    config: Mapping[str, Any],
    area: int,
    *,
    cached: bool,
) -> dict[int, int]:
    """Scale each shortlisted score by focus (share of own activity here), sustained work
    (`_sustained`, on the points of changes alone) and breadth; returns each person's
    contributions in the window, in any area.

    `area` is the area's own work (`_area_work`): everyone's, whatever the question filters,
    so each person's focus depends on them alone and a filter never reorders the rest.
    """
    ids = [r.person_id for r in results]
    if not ids:
        return {}
    focus_config, breadth_config = config["focus"], config["breadth"]
    own_ecosystems = {tag.split(".")[0] for tag in tags}
    cap = float(breadth_config["cap"])

    def breadth_of(names: set[str]) -> float:
        other_topics = {n for n in names if "." in n and n not in tags}
        other_ecosystems = {n for n in names if "." not in n} - own_ecosystems
        return min(
            cap,
            float(breadth_config["per_topic"]) * len(other_topics)
            + float(breadth_config["per_ecosystem"]) * len(other_ecosystems),
        )

    if cached:
        totals, topics = _cached_activity(session, ids)
    else:
        # Breadth stops growing at its cap: a person's tags are read until they reach it.
        capped = (lambda names: breadth_of(names) >= cap) if cap > 0 else (lambda names: True)
        totals, topics = window_activity(session, start, end, ids, enough=capped)
    # Someone with a large share of the area's work is one of the people it rests on, however
    # much else they do.
    for result in results:
        here = result.counts.get("topic_contributions", 0)
        total = max(totals[result.person_id], here)
        share = here / total if total else 1.0
        full, floor = float(focus_config["full_share"]), float(focus_config["floor"])
        focus = 1.0 if full <= 0 else min(1.0, floor + (1 - floor) * share / full)
        # Depth here counts whatever else someone does: a maintainer who also works everywhere
        # else is no drive-by.
        deep = float(focus_config["full_count"])
        if deep > 0:
            focus = max(focus, min(1.0, floor + (1 - floor) * here / deep))
        pillar = float(focus_config.get("full_area_share", 0.0))
        if pillar > 0 and area:
            focus = max(focus, min(1.0, floor + (1 - floor) * here / area / pillar))
        breadth = breadth_of(topics[result.person_id])
        # Only changes (PRs, commits) count by how many there are: an RFC, a review or a
        # comment is no code drop, and ownership is no work done here at all.
        changes = sum(result.components.get(part, 0.0) for part in _CHANGE_PARTS)
        sustained = _sustained(here, config["sustained"]) if changes else 1.0
        result.components["focus"] = round(focus, 3)
        result.components["breadth"] = round(breadth, 3)
        if sustained < 1.0:
            result.components["sustained"] = round(sustained, 3)
        result.counts["share_percent"] = round(100 * share)
        weighed = result.score - changes * (1.0 - sustained)
        result.score = round(weighed * focus * (1 + breadth), 3)
    return {person_id: int(totals[person_id]) for person_id in ids}


_CHANGE_PARTS = ("pull_requests", "commits")  # the score parts of changes (`component_of`)


def _sustained(here: int, settings: Mapping[str, Any]) -> float:
    """How much of someone's changes in an area count, by how many contributions they have
    there: `floor` for one, rising evenly to whole at `full_count`.

    Expertise is built over several changes. On real histories one large change (a backend
    landed in one commit, a code drop) outranked the people who kept working on it, and each
    such name took a place in the top ten that the area's maintainers were owed.
    """
    full, floor = float(settings["full_count"]), float(settings["floor"])
    if here <= 0 or here >= full or full <= 1:
        return 1.0  # no work (ownership alone), or enough of it
    return floor + (1 - floor) * max(here - 1, 0) / (full - 1)


def _explain(
    result: Result,
    facts: Facts,
    view: dict[str, Any],
    config: Mapping[str, Any],
    as_of: datetime,
    days: int,
) -> None:
    result.counts.update(
        merged_prs=facts.merged_prs,
        reviews=facts.reviews,
        commits=facts.commits,
        discussion=facts.discussion,
        distinct_authors_reviewed=facts.authors_reviewed,
    )
    if facts.first is not None and facts.last is not None:
        result.first_active = facts.first
        result.last_active = facts.last
        result.active_now = facts.last >= as_of - timedelta(days=config["active_days"])
        result.founder = facts.founder
    result.evidence = evidence_from(facts.rows, config, as_of)
    result.reason = _reason(result, days)
    result.person = view


def evidence_from(
    rows: Iterable[ContributionRow],
    config: Mapping[str, Any],
    as_of: datetime,
    limit: int = 3,
    *,
    lead_since: datetime | None = None,
) -> list[Evidence]:
    """The most telling contributions: their own work first (by points), then reviews.

    With `lead_since` (the digest's week), work from then on leads, whatever its size: the
    digest is news, and its first line is the change that made it news.
    """

    def order(row: ContributionRow) -> tuple[bool, float]:
        news = lead_since is not None and row.when >= lead_since
        return (not news, -points_of(row, config) * blended_decay(row.when, as_of, config))

    ranked = sorted((r for r in rows if r.kind in ("pr", "commit", "review", "rfc")), key=order)
    authored = [r for r in ranked if r.kind != "review"][: limit - 1]
    chosen = authored + [r for r in ranked if r.kind == "review"][: limit - len(authored)]
    return [
        Evidence(
            r.kind,
            r.title,
            r.url,
            r.when,
            change_size(r.additions, r.deletions, r.files, built=r.built),
            r.state,
            r.nature,
            why(r.nature, r.title, r.additions, r.deletions, r.files) if r.nature else None,
            r.built,
        )
        for r in chosen
    ]


def change_size(additions: int, deletions: int, files: int, *, built: bool = False) -> str:
    """A change's size in words; empty for work that changed no file (an RFC, a design
    thread), which a "+0/-0 in 0 files" would only make look trivial."""
    if not files and not additions and not deletions:
        return ""
    size = f"+{additions}/-{deletions} in {files} file{'s' if files != 1 else ''}"
    return size + (", new files here" if built else "")


def _period(days: int) -> str:
    if days == 365:
        return "in the last year"
    if days == 3650:
        return "in ten years"
    if days % 365 == 0:
        return f"in the last {days // 365} years"
    return f"in the last {days} days"


def _reason(result: Result, days: int) -> str:
    parts = []
    if result.owned:
        first = result.owned[0].removesuffix("/**")
        parts.append(
            f"owns {first}" + (f" (+{len(result.owned) - 1} more)" if len(result.owned) > 1 else "")
        )
    counts = result.counts
    activity = []
    if counts.get("merged_prs"):
        activity.append(
            f"{counts['merged_prs']} merged PR{'s' if counts['merged_prs'] != 1 else ''}"
        )
    if counts.get("commits"):
        activity.append(f"{counts['commits']} commit{'s' if counts['commits'] != 1 else ''}")
    if counts.get("reviews"):
        activity.append(f"{counts['reviews']} review{'s' if counts['reviews'] != 1 else ''}")
    if counts.get("discussion"):
        activity.append(
            f"{counts['discussion']} issue/design post{'s' if counts['discussion'] != 1 else ''}"
        )
    if activity:
        text = ", ".join(activity[:-1]) + (" and " if len(activity) > 1 else "") + activity[-1]
        parts.append(f"{text} {_period(days)}")
    elif result.owned:
        parts.append(f"no activity {_period(days)}")
    text = ", ".join(parts)
    if result.founder and result.first_active is not None:
        built = f"among the area's first builders (from {result.first_active:%Y-%m})"
        text = f"{text}; {built}" if text else built
    if result.last_active is not None:
        when = "active now" if result.active_now else f"last active {result.last_active:%Y-%m}"
        text = f"{text}; {when}" if text else when
    return text


def person_view(session: Session, person: Person) -> dict[str, Any]:
    """The person object of `who --json`: never an address, only hashes and domains.

    `affiliations` are hints read from those domains (bot/people/affiliations.py), shown, not
    scored.
    """
    assert person.id is not None
    return person_views(session, [person])[person.id]


def person_views(
    session: Session, people: Sequence[Person], as_of: datetime | None = None
) -> dict[int, dict[str, Any]]:
    """`person_view` of many people, with one query for all their identities."""
    views = load_views(session, people, as_of)
    return {person_id: view.as_dict() for person_id, view in views.items()}


def as_json(answer: WhoAnswer) -> dict[str, Any]:
    return {
        "query": answer.reading.label,
        "first_read_as": answer.first_reading.label if answer.first_reading else None,
        "read_as": dict(answer.reading.corrected),
        "widened_without": list(answer.widened),
        "left_out_trace_only": answer.trace_only,
        "thin": answer.thin,
        "topics": list(answer.reading.tags),
        "as_of": answer.as_of.isoformat(),
        "window_days": answer.window_days,
        "scores_as_of": answer.scores_as_of.isoformat() if answer.scores_as_of else None,
        "repos": list(answer.reading.repos),
        "unmatched_words": list(answer.unmatched),
        "too_common_words": list(answer.too_common),
        "dormant_since": answer.dormant_since.isoformat() if answer.dormant_since else None,
        "suggestions": list(answer.reading.suggestions),
        "results": [
            {
                "rank": r.rank,
                "score": r.score,
                "components": r.components,
                "reason": r.reason,
                "counts": r.counts,
                "owned": r.owned,
                "first_active": r.first_active.isoformat() if r.first_active else None,
                "last_active": r.last_active.isoformat() if r.last_active else None,
                "active_now": r.active_now,
                "founder": r.founder,
                "same_name_records": list(r.namesakes),
                "evidence": [
                    {
                        "kind": e.kind,
                        "did": did(e),
                        "title": e.title,
                        "url": e.url,
                        "date": e.when.date().isoformat(),
                        "size": e.size,
                        "state": e.state,
                        "nature": e.nature,
                        "nature_why": e.nature_why,
                        "built": e.built,
                    }
                    for e in r.evidence
                ],
                "person": r.person,
            }
            for r in answer.results
        ],
    }

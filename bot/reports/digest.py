"""The weekly digest: who became newly active and high-signal in a topic, and why now.

A person enters a digest for a topic when, in the week it covers:
- their high-signal work in the topic over the last `recent_days` crossed the bar (enough points
  from enough merged PRs of real size, substantive reviews, RFCs), having been below it a week
  earlier, so someone who stays above the bar is news once, not every week;
- and that is new for them: their own rate over the `baseline_days` before was at most a
  `rise_factor`-th of it (a first stretch of work, or a sharp rise), so a steady maintainer
  who dips and recovers is never "new".
Bots, people who asked to be forgotten, people the team marked "not a fit", and people the last
`featured_runs` digests already showed for that topic (unless their work has grown
`growth_factor` times since) are left out. Every number is in the `digest` section of
bot/ranking/ranking.yml, overridable through CSF_RANKING_CONFIG like the rest of the signal model.

Only activity before the period's end counts, so any past week replays exactly; `backtest`
replays a range of weeks, each remembering what the earlier ones featured, as the live digest
remembers what it posted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.ranking.who import (
    ContributionRow,
    Evidence,
    built_factor,
    evidence_from,
    person_view,
    points_sql,
    recency_of,
    row_columns,
    trivial_sql,
)
from bot.ranking.words import did
from bot.shortlist.saves import excluded_people
from bot.store.identity import IdentityKey, suppression_hash
from bot.store.models import (
    Contribution,
    ContributionTopic,
    DigestEntry,
    DigestRun,
    Identity,
    IdentityKind,
    Person,
    Suppression,
)
from bot.store.writes import counted_once
from bot.taxonomy.model import Taxonomy, Topic
from bot.taxonomy.question import SEPARATOR

SIGNAL_REVIEWS = frozenset({"approved", "changes_requested", "acked"})
# Runs whose entries count as "featured": posted ones, and ones still being posted.
FEATURING_STATUSES = ("posting", "posted")
_CHUNK = 500


# -- the answer ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """The days a digest covers: [start, end), both at midnight in the team's time zone."""

    start: datetime
    end: datetime
    zone: str = "UTC"  # the zone whose midnights bound it, for showing its days

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)


def period_ending(day: date, tz: ZoneInfo, days: int = 7) -> Period:
    """The `days` before midnight of `day` in `tz` (local midnights, so DST weeks stay weeks)."""
    end = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    start = datetime.combine(day - timedelta(days=days), time(0), tzinfo=tz).astimezone(UTC)
    return Period(start, end, tz.key)


@dataclass
class Entry:
    """One person in a digest: where they became active, why now, the proof, and who they are."""

    person_id: int
    ecosystem: str  # "mlir"
    ecosystem_name: str  # "MLIR"
    topic: str  # "mlir.bufferization"
    topic_name: str  # "Bufferization"
    score: float
    reason: str
    evidence: list[Evidence]
    person: dict[str, Any]  # the same object as `who --json` gives
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """ "MLIR › Bufferization", as `who` reads a query."""
        return f"{self.ecosystem_name} {SEPARATOR} {self.topic_name}"


@dataclass
class Digest:
    team_id: str
    period: Period
    entries: list[Entry]  # ecosystems in taxonomy order, best first within each

    def by_ecosystem(self) -> list[tuple[str, list[Entry]]]:
        groups: dict[str, list[Entry]] = {}
        for entry in self.entries:
            groups.setdefault(entry.ecosystem, []).append(entry)
        return list(groups.items())


@dataclass(frozen=True)
class Featured:
    """Someone an earlier digest showed for a topic, with the score it showed."""

    person_id: int
    topic: str
    score: float


# -- computing a digest -------------------------------------------------------------------------


@dataclass
class _Window:
    points: float = 0.0
    items: int = 0  # high-signal ones (`_signal_sql`)


@dataclass
class _Activity:
    """One person's work in one topic, split into the windows the rules compare."""

    recent: _Window = field(default_factory=_Window)
    before: _Window = field(default_factory=_Window)  # the recent window as it was a period ago
    baseline: _Window = field(default_factory=_Window)
    score: float = 0.0
    rows: list[ContributionRow] = field(default_factory=list)  # the recent window's rows
    merged: set[tuple[int, int]] = field(default_factory=set)  # (repo, PR number) of those


def compute_digest(
    session: Session,
    taxonomy: Taxonomy,
    *,
    config: Mapping[str, Any],
    team_id: str,
    period: Period,
    featured: Sequence[Featured] | None = None,
) -> Digest:
    """The digest of `period` for a team; `featured` defaults to what its last digests showed.

    Reads the store only; nothing is written, so computing the same period twice gives the
    same digest.
    """
    rules = config["digest"]
    if featured is None:
        featured = featured_before(session, team_id, period.end, int(rules["featured_runs"]))
    topics = taxonomy.topics_by_id()
    recent_start = period.end - timedelta(days=float(rules["recent_days"]))
    pairs = _active_pairs(session, list(topics), period)
    pairs &= _busy_pairs(session, pairs, recent_start, period.end, int(rules["min_items"]))
    people = {person for person, _ in pairs}
    people -= excluded_people(session, team_id)
    people -= _suppressed(session, people)
    recent_days = timedelta(days=float(rules["recent_days"]))
    lookback = period.end - recent_days - timedelta(days=float(rules["baseline_days"]))
    activity = _activity(session, config, sorted(people), set(topics), period, lookback)
    shown_before: dict[tuple[int, str], float] = {}
    for item in featured:
        key = (item.person_id, item.topic)
        shown_before[key] = max(shown_before.get(key, 0.0), item.score)
    best: dict[int, tuple[str, _Activity]] = {}
    rising: dict[int, list[str]] = defaultdict(list)
    for (person_id, topic), work in activity.items():
        if (person_id, topic) not in pairs or not _is_new(work, rules):
            continue
        earlier = shown_before.get((person_id, topic))
        if earlier is not None and work.score < float(rules["growth_factor"]) * earlier:
            continue
        rising[person_id].append(topic)
        current = best.get(person_id)
        if current is None or (-_rank(work), topic) < (-_rank(current[1]), current[0]):
            best[person_id] = (topic, work)
    chosen = _top_per_ecosystem(taxonomy, best, int(rules["top_per_ecosystem"]))
    for person_id, topic, work in chosen:
        _read_recent(session, person_id, topic, recent_start, period.end, work)
    views = _people(session, [person_id for person_id, _, _ in chosen])
    entries = []
    for person_id, topic, work in chosen:
        others = [topics[t].name for t in sorted(rising[person_id]) if t != topic]
        entries.append(
            _entry(
                session,
                taxonomy,
                config,
                period,
                _Shown(person_id, topics[topic], work, views[person_id], others),
            )
        )
    return Digest(team_id, period, entries)


def _rank(work: _Activity) -> float:
    """The score to order by: rounded, so float summation order never reorders a replay."""
    return round(work.score, 6)


def backtest(
    session: Session,
    taxonomy: Taxonomy,
    *,
    config: Mapping[str, Any],
    team_id: str,
    first: date,
    last: date,
    tz: ZoneInfo,
) -> list[Digest]:
    """Every weekly digest dated `first`, `first` + 7 days, ... up to `last`, as if posted.

    Each replays only what was known before its own date and remembers what the earlier
    replayed digests featured (for the last `featured_runs` of them), as the live digest does.
    """
    rules = config["digest"]
    days = int(rules["period_days"])
    memory: list[list[Featured]] = []
    digests = []
    day = first
    while day <= last:
        remembered = [item for run in memory[-int(rules["featured_runs"]) :] for item in run]
        digest = compute_digest(
            session,
            taxonomy,
            config=config,
            team_id=team_id,
            period=period_ending(day, tz, days),
            featured=remembered,
        )
        digests.append(digest)
        memory.append([Featured(e.person_id, e.topic, e.score) for e in digest.entries])
        day += timedelta(days=days)
    return digests


def featured_before(session: Session, team_id: str, before: datetime, runs: int) -> list[Featured]:
    """Who the team's last `runs` digests (periods ending before `before`) featured, and how."""
    if runs <= 0:
        return []
    ends = list(
        session.exec(
            select(DigestRun.period_end)
            .where(
                DigestRun.team_id == team_id,
                col(DigestRun.status).in_(FEATURING_STATUSES),
                DigestRun.period_end < before,
            )
            .distinct()
            .order_by(col(DigestRun.period_end).desc())
            .limit(runs)
        )
    )
    if not ends:
        return []
    rows = session.exec(
        select(DigestEntry.person_id, DigestEntry.topic, DigestEntry.score)
        .join(DigestRun, col(DigestRun.id) == DigestEntry.run_id)
        .where(
            DigestRun.team_id == team_id,
            col(DigestRun.status).in_(FEATURING_STATUSES),
            col(DigestRun.period_end).in_(ends),
        )
    )
    return [Featured(person_id, topic, score) for person_id, topic, score in rows]


def _is_new(work: _Activity, rules: Mapping[str, Any]) -> bool:
    bar, items = float(rules["min_points"]), int(rules["min_items"])
    if work.recent.points < bar or work.recent.items < items:
        return False
    if work.before.points >= bar and work.before.items >= items:
        return False  # above the bar a period ago already: not news this period
    recent_days, baseline_days = float(rules["recent_days"]), float(rules["baseline_days"])
    usual = work.baseline.points * recent_days / baseline_days if baseline_days > 0 else 0.0
    return usual * float(rules["rise_factor"]) <= work.recent.points


def _active_pairs(session: Session, topics: list[str], period: Period) -> set[tuple[int, str]]:
    """(person, topic) pairs with any work in the period: only they can cross a bar in it."""
    if not topics:
        return set()
    t = ContributionTopic.__table__  # type: ignore[attr-defined]
    p = Person.__table__  # type: ignore[attr-defined]
    statement = (
        sa.select(t.c.person_id, t.c.topic)
        .join(p, p.c.id == t.c.person_id)
        .where(
            t.c.topic.in_(topics),
            t.c.occurred_at >= period.start,
            t.c.occurred_at < period.end,
            p.c.is_bot.is_(False),
        )
        .distinct()
    )
    return {(person_id, topic) for person_id, topic in session.execute(statement)}


def _busy_pairs(
    session: Session, pairs: set[tuple[int, str]], start: datetime, end: datetime, items: int
) -> set[tuple[int, str]]:
    """(person, topic) pairs with at least `items` contributions of any kind since `start`.

    A cheap necessary condition for crossing the bar, answered from the topic index alone, so
    the per-contribution look that follows reads only the few people it could be true for.
    """
    topics = sorted({topic for _, topic in pairs})
    if not topics:
        return set()
    t = ContributionTopic.__table__  # type: ignore[attr-defined]
    statement = (
        sa.select(t.c.person_id, t.c.topic)
        .where(t.c.topic.in_(topics), t.c.occurred_at >= start, t.c.occurred_at < end)
        .group_by(t.c.person_id, t.c.topic)
        .having(sa.func.count() >= items)
    )
    return {(person_id, topic) for person_id, topic in session.execute(statement)}


def _suppressed(session: Session, people: set[int]) -> set[int]:
    """People any of whose identities is on the suppression list (asked to be forgotten)."""
    hashes = set(session.exec(select(Suppression.identity_hash)))
    if not hashes or not people:
        return set()
    found: set[int] = set()
    wanted = sorted(people)
    for begin in range(0, len(wanted), _CHUNK):
        for identity in session.exec(
            select(Identity).where(col(Identity.person_id).in_(wanted[begin : begin + _CHUNK]))
        ):
            key = IdentityKey(IdentityKind(identity.kind), identity.value)
            if suppression_hash(key) in hashes:
                found.add(identity.person_id)
    return found


def _activity(
    session: Session,
    config: Mapping[str, Any],
    people: list[int],
    topics: set[str],
    period: Period,
    lookback: datetime,
) -> dict[tuple[int, str], _Activity]:
    """Each person's work per topic from `lookback` to the period's end, in the rules' windows.

    Summed in SQL per person and topic: the recent window for everyone, a few hundred people
    at a time through the (person, time) index; the earlier ones (a year) only for the pairs
    above the bar, through each topic's (topic, time) index. Loading every row of those
    windows one by one was most of a digest at 5M contributions (190,000 rows for ten
    entries); only the entries shown read their rows (`_read_recent`). A change seen both as
    a PR and as a commit counts once, as everywhere in the signal model.
    """
    rules = config["digest"]
    recent = timedelta(days=float(rules["recent_days"]))
    recent_start, before_start = period.end - recent, period.start - recent
    dialect = session.get_bind().dialect.name
    c = Contribution.__table__  # type: ignore[attr-defined]
    t = ContributionTopic.__table__  # type: ignore[attr-defined]
    when = c.c.occurred_at
    # Weighed as `who` weighs it in this topic: more where it created files there.
    points = points_sql(c, config, period.end, dialect, recency=False) * built_factor(
        t.c.built, config
    )
    signal = _signal_sql(c, config)
    recency = recency_of(when, period.end, float(config["half_life_days"]), dialect)
    recent_sums = sa.select(
        c.c.person_id,
        t.c.topic,
        sa.func.sum(points),
        sa.func.sum(signal),
        sa.func.sum(points * recency),
    ).select_from(c.join(t, t.c.contribution_id == c.c.id))
    out: dict[tuple[int, str], _Activity] = {}
    for begin in range(0, len(people), _CHUNK):
        statement = recent_sums.where(
            c.c.person_id.in_(people[begin : begin + _CHUNK]),
            when >= recent_start,
            when < period.end,
            counted_once(c),
        ).group_by(c.c.person_id, t.c.topic)
        for person_id, topic, summed, items, score in session.execute(statement):
            if topic in topics:  # ecosystem tags; filtered here, not by a long IN list
                recent_window = _Window(float(summed or 0.0), int(items or 0))
                out[(person_id, topic)] = _Activity(recent=recent_window, score=float(score or 0))
    # The earlier windows only matter above the bar (`_is_new`): a year of rows is summed only
    # for the (person, topic) pairs that reach it, not for everyone active. Each topic's pairs
    # are read along its (topic, time) index, which carries the person: a rising person's year
    # in every other topic (and under its ecosystem's tag) is never read.
    bar, least = float(rules["min_points"]), int(rules["min_items"])
    everyone = bar <= 0 and least <= 0
    rising: dict[str, list[int]] = defaultdict(list)
    for (person_id, topic), work in out.items():
        if work.recent.points >= bar and work.recent.items >= least:
            rising[topic].append(person_id)
    # Each topic's reads: its rising people a chunk at a time, or (no bar: every pair counts,
    # even one with no recent work) the whole topic at once.
    reads: dict[str, list[list[int] | None]] = {
        topic: [sorted(ids)[begin : begin + _CHUNK] for begin in range(0, len(ids), _CHUNK)]
        for topic, ids in rising.items()
    }
    if everyone:
        reads = {topic: [None] for topic in topics}
    asked = set(people)
    # Each row's points are worked out once: summed per stretch of time (only the baseline
    # window; both; only the "before" window), then added up into the two windows. The
    # baseline ends where the recent window starts, the "before" window a period earlier:
    # either can end last (a recent window shorter than the period).
    in_baseline = t.c.occurred_at < recent_start
    in_before = sa.and_(t.c.occurred_at >= before_start, t.c.occurred_at < period.start)
    stretch = sa.case((sa.and_(in_baseline, in_before), 1), (in_baseline, 0), else_=2)
    earlier = sa.select(c.c.person_id, stretch, sa.func.sum(points), sa.func.sum(signal))
    for topic, chunks in sorted(reads.items()):
        for among in chunks:
            mine = [] if among is None else [t.c.person_id.in_(among)]
            statement = (
                earlier.select_from(t.join(c, c.c.id == t.c.contribution_id))
                .where(
                    t.c.topic == topic,
                    t.c.occurred_at >= lookback,
                    t.c.occurred_at < max(period.start, recent_start),
                    *mine,
                    counted_once(c),
                )
                .group_by(c.c.person_id, stretch)
            )
            for person_id, part, summed, items in session.execute(statement):
                if person_id not in asked:
                    continue
                work = out.setdefault((person_id, topic), _Activity())
                windows = [(work.baseline,), (work.baseline, work.before), (work.before,)][part]
                for window in windows:
                    window.points += float(summed or 0.0)
                    window.items += int(items or 0)
    return out


def _read_recent(
    session: Session,
    person_id: int,
    topic: str,
    since: datetime,
    end: datetime,
    work: _Activity,
) -> None:
    """The rows of a shown entry's recent window in its topic (its evidence and counts), and
    the merged PRs among them, into `work`."""
    c = Contribution.__table__  # type: ignore[attr-defined]
    t = ContributionTopic.__table__  # type: ignore[attr-defined]
    statement = (
        sa.select(*row_columns(c), c.c.external_id, t.c.built)
        .select_from(c.join(t, t.c.contribution_id == c.c.id))
        .where(
            c.c.person_id == person_id,
            t.c.topic == topic,
            c.c.occurred_at >= since,
            c.c.occurred_at < end,
            counted_once(c),
        )
        .order_by(c.c.occurred_at, c.c.id)
    )
    for *values, external_id, built in session.execute(statement):
        row = ContributionRow(*values)
        row.built = bool(built)
        work.rows.append(row)
        if row.kind == "pr" and row.state == "merged" and str(external_id).isdigit():
            work.merged.add((row.repo_id, int(external_id)))


def _signal_sql(c: Any, config: Mapping[str, Any]) -> Any:
    """High-signal work as 1, the rest as 0: merged PRs and commits of real size (not typo
    fixes, not mass changes), reviews that approve or ask for changes, RFCs."""
    size = config["size"]
    trivial = trivial_sql(c, size)
    authored = sa.or_(sa.and_(c.c.kind == "pr", c.c.state == "merged"), c.c.kind == "commit")
    return sa.case(
        (c.c.kind == "rfc", 1),
        (sa.and_(c.c.kind == "review", c.c.state.in_(sorted(SIGNAL_REVIEWS))), 1),
        (
            sa.and_(authored, sa.not_(trivial), c.c.files_changed < size["mass_change_files"]),
            1,
        ),
        else_=0,
    )


def _top_per_ecosystem(
    taxonomy: Taxonomy, best: Mapping[int, tuple[str, _Activity]], limit: int
) -> list[tuple[int, str, _Activity]]:
    """The best `limit` people of each ecosystem, ecosystems in taxonomy order."""
    order = {eco.key: position for position, eco in enumerate(taxonomy.ecosystems)}

    def key(item: tuple[int, tuple[str, _Activity]]) -> tuple[int, float, int]:
        person_id, (topic, work) = item
        return (order.get(topic.split(".")[0], len(order)), -_rank(work), person_id)

    shown: dict[str, int] = defaultdict(int)
    chosen = []
    for person_id, (topic, work) in sorted(best.items(), key=key):
        ecosystem = topic.split(".")[0]
        if shown[ecosystem] < limit:
            shown[ecosystem] += 1
            chosen.append((person_id, topic, work))
    return chosen


def _people(session: Session, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    people = session.exec(select(Person).where(col(Person.id).in_(wanted)))
    return {person.id: person_view(session, person) for person in people if person.id is not None}


@dataclass
class _Shown:
    person_id: int
    topic: Topic
    work: _Activity
    person: dict[str, Any]
    also: list[str]  # other topics the person is rising in


def _entry(
    session: Session,
    taxonomy: Taxonomy,
    config: Mapping[str, Any],
    period: Period,
    shown: _Shown,
) -> Entry:
    rows, topic = shown.work.rows, shown.topic
    counts = {
        "merged_prs": sum(1 for r in rows if r.kind == "pr" and r.state == "merged"),
        "reviews": sum(1 for r in rows if r.kind == "review" and r.state in SIGNAL_REVIEWS),
        "commits": sum(1 for r in rows if r.kind == "commit"),
        "rfcs": sum(1 for r in rows if r.kind == "rfc"),
        "signal_items": shown.work.recent.items,
        "earlier_signal_items": shown.work.baseline.items,
    }
    eco = taxonomy.ecosystem(topic.ecosystem)
    ecosystem_name = eco.name if eco else topic.ecosystem
    label = f"{ecosystem_name} {SEPARATOR} {topic.name}"
    rules = config["digest"]
    recent_days = int(rules["recent_days"])
    recent_start = period.end - timedelta(days=recent_days)
    first = shown.work.baseline.items == 0 and not _worked_before(
        session, shown.person_id, topic.id, recent_start
    )
    reason = _reason(counts, label, first, recent_days, int(rules["baseline_days"]))
    since = recent_start - timedelta(days=recent_days)  # reviews come before the merge
    reviewers = _reviewers(session, topic.id, since, period.end, shown)
    if reviewers:
        reason += ", reviewed by " + " and ".join(f"@{login}" for login in reviewers[:2])
    if shown.also:
        reason += f" (also rising in {', '.join(shown.also[:2])})"
    return Entry(
        person_id=shown.person_id,
        ecosystem=topic.ecosystem,
        ecosystem_name=ecosystem_name,
        topic=topic.id,
        topic_name=topic.name,
        score=round(shown.work.score, 3),
        reason=reason,
        evidence=evidence_from(rows, config, period.end, lead_since=period.start),
        person=shown.person,
        counts=counts,
    )


def _worked_before(session: Session, person_id: int, topic: str, before: datetime) -> bool:
    """Whether the person had merged, committed or reviewed anything in the topic before."""
    c = Contribution.__table__  # type: ignore[attr-defined]
    t = ContributionTopic.__table__  # type: ignore[attr-defined]
    statement = (
        sa.select(c.c.id)
        .select_from(c.join(t, t.c.contribution_id == c.c.id))
        .where(
            c.c.person_id == person_id,
            c.c.occurred_at < before,
            t.c.topic == topic,
            sa.or_(
                sa.and_(c.c.kind == "pr", c.c.state == "merged"),
                c.c.kind.in_(["commit", "review"]),
            ),
        )
        .limit(1)
    )
    return session.execute(statement).first() is not None


def _reviewers(
    session: Session, topic: str, since: datetime, end: datetime, shown: _Shown
) -> list[str]:
    """Logins of the people who reviewed the entry's PRs, most reviews first (not the author).

    Reviews carry their PR's paths, so they are found through the topic's (topic, time) index
    in the months before the period's end rather than by scanning for their PR numbers.
    """
    if not shown.work.merged:
        return []
    c = Contribution.__table__  # type: ignore[attr-defined]
    t = ContributionTopic.__table__  # type: ignore[attr-defined]
    p = Person.__table__  # type: ignore[attr-defined]
    statement = (
        sa.select(c.c.repo_id, c.c.parent_number, p.c.login)
        .select_from(t.join(c, c.c.id == t.c.contribution_id).join(p, p.c.id == c.c.person_id))
        .where(
            t.c.topic == topic,
            t.c.occurred_at >= since,
            t.c.occurred_at < end,
            c.c.kind == "review",
            c.c.person_id != shown.person_id,
            c.c.parent_number.in_(sorted({number for _, number in shown.work.merged})),
            p.c.is_bot.is_(False),
            p.c.login.is_not(None),
        )
    )
    tally: dict[str, int] = defaultdict(int)
    for repo_id, number, login in session.execute(statement):
        if (repo_id, number) in shown.work.merged:
            tally[login] += 1
    return [login for login, _ in sorted(tally.items(), key=lambda kv: (-kv[1], kv[0]))]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def _reason(counts: Mapping[str, int], label: str, first: bool, recent: int, baseline: int) -> str:
    """Why now, in a line: "first 3 merged PRs in MLIR › Bufferization in the last 60 days"."""
    parts = []
    if counts["merged_prs"]:
        parts.append(_plural(counts["merged_prs"], "merged PR"))
    if counts["commits"]:
        parts.append(_plural(counts["commits"], "commit"))
    if counts["reviews"]:
        parts.append(_plural(counts["reviews"], "review"))
    if counts["rfcs"]:
        parts.append(_plural(counts["rfcs"], "RFC"))
    work = ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
    authored = counts["merged_prs"] or counts["commits"]
    if first and not authored:
        return f"first sustained reviewing in {label}: {work} in the last {recent} days"
    if first:
        return f"first {work} in {label} in the last {recent} days"
    earlier = counts["earlier_signal_items"]
    return (
        f"{work} in {label} in the last {recent} days, up from "
        f"{_plural(earlier, 'such contribution')} in the {baseline} days before"
    )


# -- the stored form ----------------------------------------------------------------------------


def evidence_json(item: Evidence) -> dict[str, Any]:
    """A piece of evidence as `who --json` gives it."""
    return {
        "kind": item.kind,
        "did": did(item),
        "title": item.title,
        "url": item.url,
        "date": item.when.date().isoformat(),
        "size": item.size,
        "state": item.state,
    }


def evidence_from_json(data: Mapping[str, Any]) -> Evidence:
    when = datetime.combine(date.fromisoformat(str(data["date"])), time(0), tzinfo=UTC)
    return Evidence(
        str(data["kind"]),
        data.get("title"),
        data.get("url"),
        when,
        str(data["size"]),
        data.get("state"),
    )


def as_json(digest: Digest) -> dict[str, Any]:
    """`csf digest --json`: the period and its entries, each with the `who --json` person."""
    return {
        "period": {"start": digest.period.start.isoformat(), "end": digest.period.end.isoformat()},
        "entries": [
            {
                "ecosystem": entry.ecosystem,
                "ecosystem_name": entry.ecosystem_name,
                "topic": entry.topic,
                "topic_name": entry.topic_name,
                "reason": entry.reason,
                "score": entry.score,
                "counts": entry.counts,
                "evidence": [evidence_json(e) for e in entry.evidence],
                "person": entry.person,
            }
            for entry in digest.entries
        ],
    }

"""The weekly digest on a fictional world, travelling through its weeks with a fake clock.

Weeks are dated back from `AS_OF` (a Monday): the digest of `week(n)` covers the 7 days before
that date. A newcomer lands three real PRs in week 3, a reviewer starts reviewing in week 2, a
maintainer works steadily throughout, and a few people who must never appear do too.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from bot.ranking.who import load_ranking_config, person_view
from bot.reports.digest import (
    Digest,
    Featured,
    as_json,
    backtest,
    compute_digest,
    period_ending,
)
from bot.store.engine import make_engine, upgrade
from bot.store.identity import login_key
from bot.store.models import Contribution
from bot.store.writes import find_person
from bot.taxonomy.model import default_taxonomy
from tests.support.digest_world import TEAM, UTC_ZONE, ago, build_world, week
from tests.support.ranking_world import AS_OF, X86, World

TOPIC = "mlir.bufferization"


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


def digest_of(
    session: Session, n: int, *, team: str = TEAM, featured: list[Featured] | None = None, **kw: Any
) -> Digest:
    return compute_digest(
        session,
        default_taxonomy(),
        config=kw.pop("config", load_ranking_config()),
        team_id=team,
        period=period_ending(week(n), UTC_ZONE),
        featured=featured if featured is not None else [],
    )


def logins(digest: Digest) -> list[str]:
    return [e.person["login"] for e in digest.entries]


def test_a_newcomer_appears_in_the_week_they_cross_the_bar_and_only_then(
    session: Session, world: World
) -> None:
    assert "gus-newcomer" not in logins(digest_of(session, 1))
    assert "gus-newcomer" not in logins(digest_of(session, 2))
    third = digest_of(session, 3)
    assert "gus-newcomer" in logins(third)
    gus = next(e for e in third.entries if e.person["login"] == "gus-newcomer")
    assert gus.topic == TOPIC
    assert gus.label == "MLIR › Bufferization"
    assert gus.reason == (
        "first 3 merged PRs in MLIR › Bufferization in the last 60 days, "
        "reviewed by @ada-maintainer"
    )
    assert [e.kind for e in gus.evidence] == ["pr", "pr"]  # as in `who`: two authored at most
    assert all(e.url and e.url.startswith("https://github.com/") for e in gus.evidence)
    # Still above the bar a week later: not news again.
    assert "gus-newcomer" not in logins(digest_of(session, 4))


def test_first_sustained_reviewing_and_a_sharp_rise_are_news(
    session: Session, world: World
) -> None:
    second = digest_of(session, 2)
    assert logins(second) == ["rae-reviewer"]
    assert second.entries[0].reason == (
        "first sustained reviewing in MLIR › Bufferization: 6 reviews in the last 60 days"
    )
    ric = next(e for e in digest_of(session, 3).entries if e.person["login"] == "ric-riser")
    assert ric.reason == (
        "4 merged PRs in MLIR › Bufferization in the last 60 days, "
        "up from 2 such contributions in the 365 days before"
    )


def test_a_steady_maintainer_is_never_new(session: Session, world: World) -> None:
    digests = backtest(
        session,
        default_taxonomy(),
        config=load_ranking_config(),
        team_id=TEAM,
        first=(AS_OF - timedelta(days=7 * 52)).date(),
        last=AS_OF.date(),
        tz=UTC_ZONE,
    )
    assert len(digests) == 53
    featured = [login for d in digests for login in logins(d)]
    assert "ada-maintainer" not in featured
    # Each newcomer is news exactly once over the year.
    assert sorted(featured) == ["gus-newcomer", "rae-reviewer", "ric-riser"]


def test_bots_typos_not_a_fit_and_suppressed_people_never_appear(
    session: Session, world: World
) -> None:
    third = logins(digest_of(session, 3))
    assert sorted(third) == ["gus-newcomer", "ric-riser"]
    # "Not a fit" is the marking team's judgement: another team still sees the person.
    assert "nel-notafit" in logins(digest_of(session, 3, team="T0OTHER"))
    assert "sam-suppressed" not in logins(digest_of(session, 3, team="T0OTHER"))


def test_replaying_a_week_twice_gives_the_same_digest(session: Session, world: World) -> None:
    first = json.dumps(as_json(digest_of(session, 3)), sort_keys=True)
    again = json.dumps(as_json(digest_of(session, 3)), sort_keys=True)
    assert first == again


def test_a_replay_uses_only_what_was_known_before_its_date(
    session: Session, world: World, tmp_path: Path
) -> None:
    """The digest of week 3 equals the one from a store holding only work done before it."""
    replayed = as_json(digest_of(session, 3))
    then = make_engine(f"sqlite:///{tmp_path / 'then.db'}")
    upgrade(then)
    end = period_ending(week(3), UTC_ZONE).end
    with Session(then) as old:
        build_world(old)
        removed = old.execute(
            sa.delete(Contribution).where(Contribution.occurred_at >= end)  # type: ignore[arg-type]
        )
        old.commit()
        assert removed.rowcount > 0  # type: ignore[attr-defined]
        known_then = as_json(digest_of(old, 3))
    then.dispose()
    assert [e["person"]["login"] for e in replayed["entries"]] == ["ric-riser", "gus-newcomer"]
    assert known_then == replayed


def test_featured_people_wait_unless_their_work_has_grown(session: Session, world: World) -> None:
    gus = find_person(session, [login_key("gus-newcomer")])
    assert gus is not None
    assert gus.id is not None
    score = next(e.score for e in digest_of(session, 3).entries if e.person_id == gus.id)
    shown = [Featured(gus.id, TOPIC, score)]
    assert "gus-newcomer" not in logins(digest_of(session, 3, featured=shown))
    grown = [Featured(gus.id, TOPIC, score / 2.5)]
    assert "gus-newcomer" in logins(digest_of(session, 3, featured=grown))
    elsewhere = [Featured(gus.id, "mlir.linalg", score)]
    assert "gus-newcomer" in logins(digest_of(session, 3, featured=elsewhere))


def test_a_backtest_remembers_what_earlier_weeks_featured(session: Session, world: World) -> None:
    """Gus crosses the bar twice (a dip in between); the second time is within 12 digests."""
    w = world
    # He stops after week 3; his PRs age out of the 60-day window, then he returns.
    back = (AS_OF + timedelta(days=49)).date()  # the digest covering his return
    for d in (0.5, 1, 1.5):
        w.add("gus-newcomer", "pr", -(42 + d), state="merged")
    w.save()
    config = load_ranking_config()
    taxonomy = default_taxonomy()
    run = backtest(
        session, taxonomy, config=config, team_id=TEAM, first=week(3), last=back, tz=UTC_ZONE
    )
    assert run[-1].period.end.date() == back
    appearances = [d.period.end.date() for d in run if "gus-newcomer" in logins(d)]
    assert appearances == [week(3)]  # his return nine weeks later is not news again
    alone = compute_digest(
        session,
        taxonomy,
        config=config,
        team_id=TEAM,
        period=period_ending(back, UTC_ZONE),
        featured=[],
    )
    assert "gus-newcomer" in logins(alone)  # with no memory, it would have been


def test_top_per_ecosystem_and_thresholds_come_from_the_config(
    session: Session, world: World, tmp_path: Path
) -> None:
    one = tmp_path / "ranking.yml"
    one.write_text("digest:\n  top_per_ecosystem: 1\n")
    assert len(digest_of(session, 3, config=load_ranking_config(one)).entries) == 1
    strict = tmp_path / "strict.toml"
    strict.write_text("[digest]\nmin_items = 4\n")
    assert logins(digest_of(session, 3, config=load_ranking_config(strict))) == ["ric-riser"]


def test_json_carries_the_who_person(session: Session, world: World) -> None:
    data = as_json(digest_of(session, 3))
    assert data["period"] == {
        "start": datetime(2026, 5, 11, tzinfo=UTC).isoformat(),
        "end": datetime(2026, 5, 18, tzinfo=UTC).isoformat(),
    }
    entry = next(e for e in data["entries"] if e["person"]["login"] == "gus-newcomer")
    assert set(entry) >= {"ecosystem", "topic", "reason", "score", "evidence", "person"}
    assert entry["ecosystem"] == "mlir"
    gus = find_person(session, [login_key("gus-newcomer")])
    assert gus is not None
    assert entry["person"] == person_view(session, gus)
    assert all("@" not in i["value"] for i in entry["person"]["identities"])


def test_periods_end_at_local_midnight_across_a_clock_change() -> None:
    london = ZoneInfo("Europe/London")
    period = period_ending(date(2026, 3, 30), london)  # BST began on 29 March 2026
    assert period.start == datetime(2026, 3, 23, 0, 0, tzinfo=UTC)
    assert period.end == datetime(2026, 3, 29, 23, 0, tzinfo=UTC)
    assert period.end - period.start == timedelta(days=7) - timedelta(hours=1)


def test_the_weeks_own_work_leads_an_entrys_evidence(session: Session, world: World) -> None:
    """A bigger PR from a month ago must not push out the change that made someone news this
    week: the week's own work is the first line of their entry."""
    from tests.support.digest_world import ago

    world.add("pia-pusher", "pr", ago(3, 0.5) + 30, state="merged", files=20, lines=3000)
    this_week = [
        world.add("pia-pusher", "pr", ago(3, d), state="merged", files=2, lines=40)
        for d in (1.0, 2.5)
    ]
    world.save()
    entry = next(e for e in digest_of(session, 3).entries if e.person["login"] == "pia-pusher")
    period = period_ending(week(3), UTC_ZONE)
    assert period.start <= entry.evidence[0].when < period.end
    assert entry.evidence[0].url is not None
    assert entry.evidence[0].url.endswith(tuple(f"/pull/{n}" for n in this_week))


def test_a_digest_counts_a_change_that_created_files_as_who_does(session: Session) -> None:
    """The digest's score for a topic is `who`'s activity points there, built work included:
    a change that created files in the area counts (1 + built) times in both."""
    from bot.ranking.who import active_config, who
    from bot.taxonomy.question import read_query
    from tests.support.ranking_world import BUF, BUF_TEST

    w = World(session)
    w.add("fia-founder", "pr", 2, state="merged", created=(BUF,))
    w.add("fia-founder", "pr", 3, state="merged", created=(BUF_TEST,))
    w.add("fia-founder", "pr", 4, state="merged")  # an edit, nothing new
    w.save()
    taxonomy = default_taxonomy()
    config = active_config(load_ranking_config())  # the digest's recency: activity alone
    answer = who(
        session,
        taxonomy,
        read_query(taxonomy, ["mlir", "bufferization"]),
        config=config,
        as_of=AS_OF,
        cached=False,
    )
    [result] = answer.results
    digest = compute_digest(
        session,
        taxonomy,
        config=config,
        team_id=TEAM,
        period=period_ending(AS_OF.date(), UTC_ZONE),
        featured=[],
    )
    [entry] = digest.entries
    assert entry.topic == TOPIC
    assert entry.score == pytest.approx(result.components["pull_requests"], abs=0.001)
    assert [e.built for e in entry.evidence][:2] == [True, True]


def test_the_windows_summed_in_sql_are_the_row_by_row_sums(
    session: Session, world: World, tmp_path: Path
) -> None:
    """Every window of the digest is summed per person and topic in the database: the sums
    must equal the signal model's `points_of`, its high-signal test and the activity decay
    added row by row. The earlier windows (a year) are summed only for the people above the
    bar in some topic; with no bar, for everyone."""
    from bot.ranking.who import ContributionRow, decay, points_of, row_columns
    from bot.reports.digest import SIGNAL_REVIEWS, _activity
    from bot.store.models import ContributionTopic
    from bot.store.writes import counted_once

    no_bar = tmp_path / "no_bar.yml"
    no_bar.write_text("digest:\n  min_points: 0\n  min_items: 0\n")
    # A recent window shorter than the period: the baseline then ends after "before" does.
    short = tmp_path / "short.yml"
    short.write_text("digest:\n  recent_days: 3\n  min_points: 1\n  min_items: 1\n")
    period = period_ending(week(3), UTC_ZONE)
    topics = {t.id for t in default_taxonomy().topics_by_id().values()}
    c = Contribution.__table__  # type: ignore[attr-defined]
    t = ContributionTopic.__table__  # type: ignore[attr-defined]

    def signal(row: ContributionRow, size: dict[str, Any]) -> int:
        if row.kind in ("rfc", "review"):
            return int(row.kind == "rfc" or row.state in SIGNAL_REVIEWS)
        if (row.kind, row.state) == ("pr", "merged") or row.kind == "commit":
            typo = row.files <= 1 and row.additions + row.deletions <= size["trivial_lines"]
            return int(not typo and row.files < size["mass_change_files"])
        return 0

    # A riser's light work in another topic, now and last year: below the bar there, so that
    # year is never read, while their rising topic's is.
    for days in (ago(3, 2), 200, 150):
        world.add("ric-riser", "pr", days, state="merged", paths=(X86,), labels=())
    # And a pair with work last year only: with no bar, its windows are summed too.
    world.add("ada-maintainer", "pr", 120, state="merged", paths=(X86,), labels=())
    world.save()
    split = 0  # pairs below the bar of people above it in another topic
    for config in map(load_ranking_config, (None, no_bar, short)):
        rules = config["digest"]
        recent = timedelta(days=float(rules["recent_days"]))
        lookback = period.end - recent - timedelta(days=float(rules["baseline_days"]))
        windows = {  # name -> [start, end)
            "recent": (period.end - recent, period.end),
            "before": (period.start - recent, period.start),
            "baseline": (lookback, period.end - recent),
        }
        rows = session.execute(
            sa.select(*row_columns(c), t.c.topic, t.c.built)
            .select_from(c.join(t, t.c.contribution_id == c.c.id))
            .where(c.c.occurred_at >= lookback, c.c.occurred_at < period.end, counted_once(c))
        ).all()
        expected: dict[tuple[int, str, str], list[float]] = {}
        for *values, topic, built in rows:
            if topic not in topics:
                continue
            row = ContributionRow(*values)
            row.built = bool(built)
            points = points_of(row, config)
            for name, (start, end) in windows.items():
                if start <= row.when < end:
                    sums = expected.setdefault((row.person_id, topic, name), [0.0, 0, 0.0])
                    sums[0] += points
                    sums[1] += signal(row, config["size"])
                    sums[2] += points * decay(row.when, period.end, config["half_life_days"])
        people = sorted({person for person, _, _ in expected})
        found = _activity(session, config, people, topics, period, lookback)
        bar, least = float(rules["min_points"]), int(rules["min_items"])
        rising = {
            (person, topic)
            for (person, topic, name), (points, items, _) in expected.items()
            if name == "recent" and points >= bar and items >= least
        }
        assert rising
        # The bar leaves some out, among them pairs of people who rise in another topic.
        assert len({p for p, _ in rising}) < len(people) or bar <= 0
        people_rising = {p for p, _ in rising}
        split += sum(p in people_rising and (p, t) not in rising for p, t, _ in expected)
        assert any(
            name == "baseline" and sums[1] and (p, t) in rising
            for (p, t, name), sums in expected.items()
        )
        quiet = {(p, t) for p, t, _ in expected} - {(p, t) for p, t, n in expected if n == "recent"}
        assert quiet, "a pair with no recent work"
        for (person, topic, name), (points, items, score) in expected.items():
            if name != "recent" and (person, topic) not in rising and bar > 0:
                continue  # below the bar here: its earlier windows are never read
            work = found[(person, topic)]
            window = getattr(work, name)
            assert window.points == pytest.approx(points, rel=1e-12)
            assert window.items == items
            if name == "recent":
                assert work.score == pytest.approx(score, rel=1e-9)
        for pair, work in found.items():
            if bar > 0 and pair not in rising:
                assert (work.before.points, work.baseline.points) == (0.0, 0.0)
    assert split, "some rising person also works below the bar elsewhere"

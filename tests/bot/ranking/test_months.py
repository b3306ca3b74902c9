"""Monthly sums: a live answer read from them is the answer summed from every row."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from bot.ranking import who as who_module
from bot.ranking.months import MonthPlan, month_of
from bot.ranking.scores import refresh_scores
from bot.ranking.who import (
    Scope,
    WhoAnswer,
    active_config,
    founding_cut,
    load_ranking_config,
    who,
)
from bot.store.models import ScoreCache, TopicMonth
from bot.taxonomy.model import default_taxonomy
from bot.taxonomy.question import read_query
from tests.support.ranking_world import AS_OF, BUF, World, build


@pytest.fixture
def world(session: Session) -> World:
    return build(session)


def settings(tmp_path: Path, more: str = "") -> dict[str, Any]:
    """Every topic gets monthly sums (the shipped setting keeps them for big topics only)."""
    path = tmp_path / "ranking.yml"
    path.write_text("score_cache:\n  month_rows: 1\n" + more)
    return load_ranking_config(path)


def refreshed(session: Session, config: dict[str, Any]) -> None:
    refresh_scores(session, default_taxonomy(), config, as_of=AS_OF)
    session.commit()


@pytest.fixture
def config(tmp_path: Path) -> dict[str, Any]:
    return settings(tmp_path)


@pytest.fixture
def plans(monkeypatch: pytest.MonkeyPatch) -> list[MonthPlan]:
    """Every plan an answer read monthly sums with."""
    seen: list[MonthPlan] = []
    summed = who_module._month_sums

    def spy(plan: MonthPlan, *args: Any) -> Any:
        seen.append(plan)
        return summed(plan, *args)

    monkeypatch.setattr(who_module, "_month_sums", spy)
    return seen


def ask(session: Session, query: str, config: dict[str, Any], **options: Any) -> WhoAnswer:
    taxonomy = default_taxonomy()
    return who(
        session,
        taxonomy,
        read_query(taxonomy, query.split()),
        config=config,
        as_of=options.pop("as_of", AS_OF),
        limit=50,
        cached=False,
        **options,
    )


def from_rows(
    session: Session, query: str, config: dict[str, Any], monkeypatch: pytest.MonkeyPatch, **kw: Any
) -> WhoAnswer:
    """The same question summed from every row (no monthly sums stand)."""
    with monkeypatch.context() as patch:
        patch.setattr(who_module, "_month_plan", lambda *args: None)
        return ask(session, query, config, **kw)


def same(months: WhoAnswer, rows: WhoAnswer) -> None:
    """Equal as a reader sees them; scores to rounding (the sums add in another order)."""

    def plain(answer: WhoAnswer) -> list[tuple[Any, ...]]:
        return [
            (r.rank, r.person["login"], r.counts, r.owned, r.first_active, r.last_active)
            for r in answer.results
        ]

    assert months.results
    assert plain(months) == plain(rows)
    for a, b in zip(months.results, rows.results, strict=True):
        assert a.score == pytest.approx(b.score, rel=1e-9)
        assert a.components.keys() == b.components.keys()
        for key, value in a.components.items():
            assert value == pytest.approx(b.components[key], rel=1e-9, abs=1e-12), key
        assert [(e.url, e.when) for e in a.evidence] == [(e.url, e.when) for e in b.evidence]


@pytest.mark.parametrize(
    ("query", "days_before", "window_days", "region"),
    [
        ("mlir bufferization", 45, None, None),  # a replay of six weeks ago
        ("mlir bufferization", 0, 1825, None),  # five years, asked now
        ("mlir bufferization", 200, 700, "europe"),
        ("mlir bufferization", -20, None, None),  # after the refresh: its months and new ones
        ("mlir bufferization", 400, None, "uk"),
        ("llvm x86", 90, None, "eu"),
    ],
)
def test_a_live_answer_from_monthly_sums_is_the_one_from_rows(
    session: Session,
    world: World,
    config: dict[str, Any],
    plans: list[MonthPlan],
    monkeypatch: pytest.MonkeyPatch,
    query: str,
    days_before: int,
    window_days: int | None,
    region: str | None,
) -> None:
    refreshed(session, config)
    assert session.exec(select(TopicMonth)).first() is not None
    options = {"as_of": AS_OF - timedelta(days=days_before), "region": region}
    if window_days:
        options["window_days"] = window_days
    months = ask(session, query, config, **options)
    assert plans, "the monthly sums were not read"
    assert all(p.rows for p in plans)  # the cut months are summed from rows
    same(months, from_rows(session, query, config, monkeypatch, **options))


def test_founding_work_is_weighed_in_the_months_before_the_cut(
    session: Session,
    world: World,
    config: dict[str, Any],
    plans: list[MonthPlan],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The area's founding cut falls inside the months read from sums: the months before it
    weigh founding work more, its own month is read from rows, the months after do not."""
    refreshed(session, config)
    later = {"as_of": AS_OF - timedelta(days=30), "window_days": 1500}
    months = ask(session, "mlir bufferization", config, **later)
    (plan,) = plans
    assert plan.cut_month is not None
    assert plan.first < plan.cut_month < plan.last
    assert any(r.founder for r in months.results)
    same(months, from_rows(session, "mlir bufferization", config, monkeypatch, **later))


def test_active_answers_read_the_same_sums(
    session: Session,
    world: World,
    config: dict[str, Any],
    plans: list[MonthPlan],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`--active` weighs the same months with the activity half-life alone."""
    refreshed(session, config)
    active = active_config(config)
    asked = {"as_of": AS_OF - timedelta(days=100)}
    months = ask(session, "mlir bufferization", active, **asked)
    assert plans
    same(months, from_rows(session, "mlir bufferization", active, monkeypatch, **asked))


def test_monthly_sums_stand_only_for_what_they_summed(
    session: Session, world: World, config: dict[str, Any], plans: list[MonthPlan], tmp_path: Path
) -> None:
    """Not for the cache's own moment (rows, to equal it exactly), other weights, ecosystems'
    own tags, or a store that changed since the refresh."""
    refreshed(session, config)
    ask(session, "mlir bufferization", config)  # the score cache's moment and window
    earlier = AS_OF - timedelta(days=60)
    slower = settings(tmp_path, "half_life_days: 90\n")
    ask(session, "mlir bufferization", slower, as_of=earlier)
    assert plans == []
    ask(session, "mlir", config, as_of=earlier)  # an ecosystem's own tag: every row of it
    assert plans == []
    ask(session, "mlir bufferization", config, as_of=earlier)
    assert len(plans) == 1  # they stand
    world.merged("gus-newcomer", 1, 90, paths=(BUF,))
    world.save()  # new work, not yet refreshed
    answer = ask(session, "mlir bufferization", config, as_of=earlier)
    assert len(plans) == 1
    gus = next(r for r in answer.results if r.person["login"] == "gus-newcomer")
    assert gus.counts["merged_prs"] == 1  # the new one: his others came after that moment


def test_only_big_topics_get_monthly_sums(session: Session, world: World) -> None:
    """The shipped setting keeps sums for topics big enough to need them; none here."""
    refreshed(session, load_ranking_config())
    cache = session.exec(select(ScoreCache)).one()
    assert cache.month_topics == []
    assert cache.months_before is not None
    assert month_of(cache.months_before) == month_of(AS_OF)
    assert session.exec(select(TopicMonth)).first() is None


def test_only_the_best_peoples_months_are_read_and_no_one_is_missed(
    session: Session,
    world: World,
    plans: list[MonthPlan],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """With room for few candidates (five here, of eight people), the people kept are the
    best by their whole months, with everyone the cut months' rows name: the same shortlist,
    with the same points, as summing every row."""
    world.person("ivy-late", "Lyon", "eu")  # little in whole months, much in the last one
    world.merged("ivy-late", 2, 200, every=40)
    world.merged("ivy-late", 6, 30, every=2)
    for n in range(5):  # more people with whole months than the best and the next (10) hold
        world.person(f"kit-{n}", "Porto", "eu")
        world.merged(f"kit-{n}", 1 + n % 2, 700 - 90 * n, every=60)
    world.save()
    config = settings(tmp_path, "candidates: 1\n")
    refreshed(session, config)
    roomy = load_ranking_config()
    cuts = []
    for days_before in (15, 120, 300):
        end = AS_OF - timedelta(days=days_before)
        scope = Scope(("mlir.bufferization",), (), end - timedelta(days=3650), end)
        cut = founding_cut(session, scope, config)
        months = who_module._aggregate(session, scope, config, None, (), cut)
        with monkeypatch.context() as patch:
            patch.setattr(who_module, "_month_plan", lambda *args: None)
            rows = who_module._aggregate(session, scope, config, None, (), cut)
            everyone = who_module._aggregate(session, scope, roomy, None, (), cut)
        cuts.append(len(everyone) > 5)
        assert len(rows) == min(5, len(everyone))
        assert months.keys() == rows.keys()
        if days_before == 15:
            assert world.people["ivy-late"] in rows
        for person_id, parts in rows.items():
            assert months[person_id] == pytest.approx(parts, rel=1e-9)
    assert len(set(plans)) == 3
    assert len(plans) > 3  # someone outside the best was read too: ivy's last month
    assert any(cuts)  # somewhere the shortlist left people out


def test_people_outside_the_best_are_read_when_their_rows_and_months_could_pass(
    session: Session, world: World, tmp_path: Path
) -> None:
    """The best five by whole months are read whole. The next five are bounded by their own
    month totals, anyone below by the last of those: a person whose rows alone fall short of
    the best but whose rows and months together reach it is read; one whose rows and months
    cannot reach it is not."""
    for n in range(6):  # more people with whole months than the best and the next hold
        world.person(f"kit-{n}", "Porto", "eu")
        world.merged(f"kit-{n}", 1 + n % 3, 700 - 80 * n, every=60)
    world.save()
    config = settings(tmp_path, "candidates: 1\n")  # the best five, the next five listed
    refreshed(session, config)
    end = AS_OF - timedelta(days=15)
    scope = Scope(("mlir.bufferization",), (), end - timedelta(days=3650), end)
    cut = founding_cut(session, scope, config)
    plan = who_module._month_plan(session, scope, config, cut)
    assert plan is not None
    everyone, _ = who_module._month_best(session, plan, config, None, cut, 100)
    assert len(everyone) >= 12
    assert everyone[11][1] > 0  # someone below the ten listed, with whole months
    bar = everyone[4][1]  # no rows for the best: the fifth's months are the bar
    listed, below = everyone[7], everyone[11]  # one of the next five, one below them
    sums: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for person_id, months in (listed, below):  # rows short of the bar by half their months
        sums[person_id].update(pull_requests=bar - months / 2, count=1.0)
    short = everyone[10]  # rows that even the last listed's months cannot lift to the bar
    sums[short[0]].update(pull_requests=bar - everyone[9][1] * 1.5, count=1.0)
    held = {person_id: dict(parts) for person_id, parts in sums.items()}
    counted = who_module._add_months(session, plan, config, None, cut, (), sums)
    assert counted > 0
    for person_id, months in (listed, below):
        assert sums[person_id]["count"] > held[person_id]["count"], "their months were read"
        assert who_module._points(sums[person_id]) == pytest.approx(bar + months / 2)
    assert sums[short[0]] == held[short[0]], "no months could lift them: not read"


def test_the_monthly_weights_call_only_what_every_sqlite_has() -> None:
    """SQLite built without math functions has no `power`; the store adds `pow` alone."""
    from sqlalchemy.dialects import sqlite

    from bot.ranking.months import weighed_sql
    from bot.store.models import ContributionTopic

    column = ContributionTopic.__table__.c.occurred_at  # type: ignore[attr-defined]
    text = str(weighed_sql(column, AS_OF, 180.0, "sqlite").compile(dialect=sqlite.dialect()))
    assert "pow(" in text
    assert "power(" not in text


def test_short_half_lives_and_old_work_weigh_nothing_without_failing(
    session: Session,
    world: World,
    plans: list[MonthPlan],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """A one-day half-life weighs work from years ago at 0.5 ** 1300: PostgreSQL refuses a
    result that underflows, so such rows keep a floor that still weighs nothing."""
    world.person("old-timer", "Turin", "eu")
    world.merged("old-timer", 3, 1300, every=20)
    world.save()
    config = settings(tmp_path, "half_life_days: 1\nwindow_days: 3650\n")
    refreshed(session, config)
    asked = {"as_of": AS_OF - timedelta(days=60)}
    months = ask(session, "mlir bufferization", config, **asked)
    assert plans
    same(months, from_rows(session, "mlir bufferization", config, monkeypatch, **asked))
    assert "old-timer" in [r.person["login"] for r in months.results]


def test_sums_swapped_in_while_read_are_not_mixed_with_the_plans_weights(
    session: Session, world: World, config: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refresh that lands between planning and reading: the answer sums rows instead."""
    refreshed(session, config)
    added = who_module._add_months

    def then_a_refresh(*args: Any) -> int:
        counted = added(*args)
        cache = session.exec(select(ScoreCache)).one()
        cache.generation = (cache.generation or 0) + 1  # as a refresh's claim leaves it
        session.add(cache)
        session.flush()
        return counted

    monkeypatch.setattr(who_module, "_add_months", then_a_refresh)
    reads: list[bool] = []
    aggregate = who_module._aggregate

    def spy(*args: Any, **kw: Any) -> Any:
        reads.append(kw.get("rows", False))
        return aggregate(*args, **kw)

    monkeypatch.setattr(who_module, "_aggregate", spy)
    asked = {"as_of": AS_OF - timedelta(days=45)}
    answer = ask(session, "mlir bufferization", config, **asked)
    assert reads == [False, True]
    session.rollback()
    monkeypatch.setattr(who_module, "_aggregate", aggregate)
    same(answer, from_rows(session, "mlir bufferization", config, monkeypatch, **asked))

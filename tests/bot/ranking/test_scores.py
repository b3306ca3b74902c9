"""The score cache: the same answer as summing history live, or no answer from it at all."""

from __future__ import annotations

import copy
import itertools
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.ranking.scores import refresh_scores
from bot.ranking.who import (
    WhoAnswer,
    active_config,
    load_ranking_config,
    who,
    window_activity,
)
from bot.store.models import (
    CodeOwner,
    Contribution,
    ContributionTopic,
    PersonWindow,
    ScoreCache,
    StoreChange,
    TopicScore,
)
from bot.taxonomy.model import default_taxonomy
from bot.taxonomy.question import read_query
from tests.support.ranking_world import AS_OF, World, build


@pytest.fixture
def world(session: Session) -> World:
    w = build(session)
    # An owner with no activity in the window ranks on ownership alone, on both paths.
    w.person("hal-idle", "Bristol", "uk")
    w.merged("hal-idle", 3, 700)
    w.save()
    assert w.repo.id is not None
    session.add(
        CodeOwner(
            repo_id=w.repo.id,
            source_path="mlir/Maintainers.md",
            line=9,
            pattern="mlir/lib/Dialect/Bufferization/**",
            owner_kind="github",
            owner_value="hal-idle",
        )
    )
    session.commit()
    return w


def ask(session: Session, query: str, **options: Any) -> WhoAnswer:
    return who(
        session,
        default_taxonomy(),
        read_query(default_taxonomy(), query.split()),
        config=options.pop("config", load_ranking_config()),
        as_of=options.pop("as_of", AS_OF),
        limit=options.pop("limit", 50),
        **options,
    )


def shown(answer: WhoAnswer) -> list[tuple[Any, ...]]:
    """Everything a reader sees of each result."""
    return [
        (
            r.rank,
            r.person["login"],
            r.score,
            r.components,
            r.counts,
            r.owned,
            r.reason,
            r.first_active,
            r.last_active,
            [(e.url, e.when, e.size) for e in r.evidence],
        )
        for r in answer.results
    ]


@pytest.mark.parametrize(
    ("query", "region"),
    [
        ("mlir bufferization", None),
        ("mlir bufferization", "uk"),
        ("mlir bufferization", "europe"),
        ("mlir bufferization", "us"),
        ("mlir bufferization", "unknown"),
        ("llvm x86", None),
        ("mlir", None),
    ],
)
def test_cached_answer_equals_the_live_one(
    session: Session, world: World, query: str, region: str | None
) -> None:
    refresh_scores(session, default_taxonomy(), load_ranking_config(), as_of=AS_OF)
    session.commit()
    cached = ask(session, query, region=region)
    live = ask(session, query, region=region, cached=False)
    assert cached.scores_as_of == AS_OF
    assert live.scores_as_of is None
    assert shown(cached) == shown(live)
    assert cached.results or region == "unknown" or query == "llvm x86"


@pytest.mark.parametrize("query", ["mlir bufferization", "mlir"])
def test_cached_answer_equals_the_live_one_read_a_person_at_a_time(
    session: Session, world: World, query: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """With every window read on its own until breadth is capped (as a 5M store's leading
    people are), the live answer still equals the cache's, which read every tag."""
    monkeypatch.setattr("bot.ranking.who.READ_APART", 0)
    low_cap = tmp_path / "ranking.yml"
    low_cap.write_text("breadth:\n  cap: 0.05\n")  # reached in this small world
    config = load_ranking_config(low_cap)
    refresh_scores(session, default_taxonomy(), config, as_of=AS_OF)
    session.commit()
    cached = ask(session, query, config=config)
    live = ask(session, query, config=config, cached=False)
    assert cached.scores_as_of == AS_OF
    assert live.scores_as_of is None
    breadths = [r.components["breadth"] for r in live.results]
    assert 0.05 in breadths  # someone's reading stopped at the cap
    assert any(b < 0.05 for b in breadths)  # and someone was read to the end, below it
    assert shown(cached) == shown(live)


def test_the_world_has_what_the_equality_test_needs(session: Session, world: World) -> None:
    """Owners, idle owners, bots and several regions: the cases the cache must get right."""
    refresh_scores(session, default_taxonomy(), load_ranking_config(), as_of=AS_OF)
    session.commit()
    logins = [r.person["login"] for r in ask(session, "mlir bufferization").results]
    assert {"ada-owner", "bo-reviewer", "fay-oldtimer"} == set(logins[:3])
    assert "hal-idle" in logins
    assert "dependabot[bot]" not in logins
    hal = next(
        r
        for r in ask(session, "mlir bufferization").results
        if r.person_id == world.people["hal-idle"]
    )
    assert hal.reason.startswith("owns mlir/lib/Dialect/Bufferization, ")
    assert "last active" in hal.reason  # an owner idle for years, said so
    assert ask(session, "mlir bufferization", region="us").results  # cyd, through the cache
    # Issues and comments are tallied, in a cached answer from the cache's own tallies.
    assert any(r.counts.get("discussion") for r in ask(session, "mlir bufferization").results)
    tallied = session.exec(select(TopicScore).where(TopicScore.discussion > 0)).all()
    assert tallied
    assert all(t.discussion_first and t.discussion_last for t in tallied)
    # Focus and breadth come from the cache's window activity: people with work elsewhere.
    for query in ("mlir bufferization", "mlir"):
        parts = [r.components for r in ask(session, query).results]
        assert any(p["focus"] < 1 for p in parts), query
        assert any(p["breadth"] > 0 for p in parts), query


def test_the_refresh_keeps_everyones_window_activity(session: Session, world: World) -> None:
    refresh_scores(session, default_taxonomy(), active_config(load_ranking_config()), as_of=AS_OF)
    session.commit()
    rows = {r.person_id: r for r in session.exec(select(PersonWindow))}
    start = AS_OF - timedelta(days=365)
    c = Contribution.__table__  # type: ignore[attr-defined]
    counted = dict(
        session.execute(
            sa.select(c.c.person_id, sa.func.count())
            .where(c.c.occurred_at >= start, c.c.occurred_at < AS_OF)
            .group_by(c.c.person_id)
        ).all()
    )
    assert {p: r.contributions for p, r in rows.items()} == counted
    # Read from the tag rows alone for everyone; for a shortlist, through its contributions.
    _, tagged = window_activity(session, start, AS_OF, sorted(rows))
    assert {p: r.topics for p, r in rows.items()} == {p: sorted(t) for p, t in tagged.items()}
    ada = rows[world.people["ada-owner"]]
    assert {"mlir", "mlir.bufferization"} <= set(ada.topics)
    assert ada.topics == sorted(ada.topics)
    assert world.people["hal-idle"] not in rows  # nothing in the window: ownership alone
    refresh_scores(session, default_taxonomy(), active_config(load_ranking_config()), as_of=AS_OF)
    session.commit()
    assert len(session.exec(select(PersonWindow)).all()) == len(rows)  # rebuilt, not added to


@pytest.mark.parametrize("apart", [0, 2000])
def test_a_shortlists_tags_are_read_until_enough(
    session: Session, world: World, apart: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Live focus and breadth read a heavy window's tags only until breadth is capped (every
    window is heavy with `apart` 0); light windows are read together, whole. Reading them all,
    or until a bar never met, gives the same sets as the one grouped query."""
    monkeypatch.setattr("bot.ranking.who.READ_APART", apart)
    start = AS_OF - timedelta(days=3650)
    ids = sorted(world.people.values())
    counts, whole = window_activity(session, start, AS_OF, ids)
    never_counts, never = window_activity(session, start, AS_OF, ids, enough=lambda tags: False)
    assert never_counts == counts
    assert {p: t for p, t in never.items() if t} == dict(whole)
    ada = world.people["ada-owner"]
    assert len(whole[ada]) >= 2
    _, first = window_activity(session, start, AS_OF, [ada], enough=lambda tags: len(tags) >= 1)
    _, none = window_activity(session, start, AS_OF, [ada], enough=lambda tags: True)
    if apart == 0:
        assert len(first[ada]) == 1
        assert first[ada] <= whole[ada]
        assert none[ada] == set()
    else:  # ada's window is light: read with the others, whole
        assert counts[ada] <= apart
        assert first[ada] == none[ada] == whole[ada]


def _preparing_every_topic(config: dict[str, Any]) -> dict[str, Any]:
    """The same settings (the same cache), with every topic's answers prepared however few
    rows they read."""
    every = copy.deepcopy(config)
    every["score_cache"]["prepare_rows"] = 1
    return every


def _facts_read_for(monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    """The people whose facts each answer works out from their rows (`_answer_facts` calls)."""
    import bot.ranking.who as ranking

    read: list[list[int]] = []
    real = ranking._answer_facts

    def recorded(session: Session, scope: Any, people: list[int], *args: Any, **kw: Any) -> Any:
        read.append(list(people))
        return real(session, scope, people, *args, **kw)

    monkeypatch.setattr(ranking, "_answer_facts", recorded)
    return read


@pytest.mark.parametrize(
    ("query", "options"),
    [
        ("mlir bufferization", {"limit": 2}),
        ("mlir bufferization", {"limit": 50}),  # past the prepared: the rest read as before
        ("mlir bufferization", {"region": "uk"}),
        ("mlir", {"limit": 5}),
        ("llvm x86", {}),
    ],
)
def test_prepared_answers_read_their_facts_by_key_and_equal_the_live_ones(
    session: Session,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    query: str,
    options: dict[str, Any],
) -> None:
    from bot.ranking.scores import prepare_answers
    from bot.store.models import TopicFacts

    taxonomy, config = default_taxonomy(), load_ranking_config()
    every = _preparing_every_topic(config)
    # Some work that created the area's files (git's `create mode`): evidence says so.
    t = ContributionTopic.__table__  # type: ignore[attr-defined]
    session.execute(sa.update(t).where(t.c.contribution_id % 3 == 0).values(built=True))
    refresh_scores(session, taxonomy, config, as_of=AS_OF)
    prepared = prepare_answers(session, taxonomy, every, limit=3)  # fewer than some answers
    facts = session.exec(select(TopicFacts)).all()
    cache = session.exec(select(ScoreCache)).one()
    assert prepared.topics >= 3
    assert prepared.people == len(facts) > 0
    assert {f.cache_id for f in facts} == {cache.id}
    assert any(f.founder for f in facts)
    shown_built = [built for f in facts for _, built in f.evidence]
    assert 0 in shown_built
    assert 1 in shown_built
    assert max(len([f for f in facts if f.topic == t]) for t in {f.topic for f in facts}) == 3
    read = _facts_read_for(monkeypatch)
    cached = ask(session, query, **options)
    live = ask(session, query, cached=False, **options)
    assert cached.scores_as_of == AS_OF
    assert shown(cached) == shown(live)
    assert len(read) == 2  # one answer each
    kept = {(f.topic, f.person_id) for f in facts}
    tag = read_query(taxonomy, query.split()).tags[0]
    # The cached answer read rows only for people past the prepared ones, the live one for all.
    assert read[0] == [p for p in read[1] if (tag, p) not in kept]
    assert any((tag, r.person_id) in kept for r in cached.results)
    if "region" not in options:  # the prepared are the answer's first three
        assert read[0] == [r.person_id for r in cached.results][3:]
    assert read[1] == [r.person_id for r in live.results]


def test_prepared_facts_stand_only_for_the_store_the_refresh_summed(
    session: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """New work since the refresh: answers read their people's rows again (as before there were
    prepared facts) until the next refresh, which drops the old facts with its cache."""
    from bot.ranking.scores import prepare_answers
    from bot.store.models import TopicFacts

    taxonomy, config = default_taxonomy(), load_ranking_config()
    every = _preparing_every_topic(config)
    refresh_scores(session, taxonomy, config, as_of=AS_OF)
    first = prepare_answers(session, taxonomy, every)
    assert first.topics
    assert prepare_answers(session, taxonomy, every).topics == 0  # all done already
    read = _facts_read_for(monkeypatch)
    before = ask(session, "mlir bufferization", limit=10)
    assert read == [[]]
    world.merged("gus-newcomer", 3, 2)
    world.save()
    changed = ask(session, "mlir bufferization", limit=10)
    assert read[1] == [r.person_id for r in changed.results]
    gus = world.people["gus-newcomer"]

    def merged_prs(answer: WhoAnswer) -> Any:
        return next(r.counts["merged_prs"] for r in answer.results if r.person_id == gus)

    assert merged_prs(changed) == merged_prs(before) + 1  # read from the store as it is now
    assert prepare_answers(session, taxonomy, every).topics == 0  # nothing kept for a changed store
    refresh_scores(session, taxonomy, config, as_of=AS_OF)
    session.commit()
    assert session.exec(select(TopicFacts)).all() == []  # gone with the cache they described
    again = prepare_answers(session, taxonomy, every)
    assert again.topics == first.topics
    read.clear()
    assert shown(ask(session, "mlir bufferization", limit=10)) == shown(
        ask(session, "mlir bufferization", limit=10, cached=False)
    )
    assert read[0] == []


@pytest.mark.parametrize("meanwhile", ["work", "refresh", "stop", "refused"])
def test_preparing_stops_keeping_what_it_wrote_when_the_cache_no_longer_stands(
    session: Session, world: World, meanwhile: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between two topics: new work, another refresh, a stop asked (SIGTERM), or a write the
    database refuses (its person gone meanwhile). Preparing is only a speed-up: it ends without
    an error, and the topic it kept is answered from what it kept only while that stands."""
    from bot.ranking import scores
    from bot.store.models import TopicFacts

    taxonomy, config = default_taxonomy(), load_ranking_config()
    every = _preparing_every_topic(config)
    refresh_scores(session, taxonomy, config, as_of=AS_OF)
    asked = 0

    def should_stop() -> bool:
        nonlocal asked
        asked += 1
        if asked == 2 and meanwhile == "work":
            world.merged("gus-newcomer", 3, 2)
            world.save()
        if asked == 2 and meanwhile == "refresh":
            with Session(session.get_bind()) as other:
                refresh_scores(other, taxonomy, config, as_of=AS_OF)
                other.commit()
        return asked == 2 and meanwhile == "stop"

    tags: list[str] = []
    real_who = scores.who

    def answering(*args: Any, **kw: Any) -> WhoAnswer:
        answer = real_who(*args, **kw)
        tags.append(args[2].tags[0])
        if meanwhile == "refused" and len(tags) == 2:  # someone no longer in the store
            kw["keep"].append(kw["keep"][0] | {"person_id": 10**9})
        return answer

    monkeypatch.setattr(scores, "who", answering)
    prepared = scores.prepare_answers(session, taxonomy, every, should_stop=should_stop)
    reason = {
        "work": "the store or its cache changed",
        "refresh": "the store or its cache changed",
        "stop": "asked to stop",
        "refused": "the database refused (",  # IntegrityError, ForeignKeyViolation
    }[meanwhile]
    assert prepared.stopped is not None
    assert prepared.stopped.startswith(reason)
    assert f"stopped: {reason}" in prepared.summary()
    assert prepared.topics == 1  # the first topic, written whole
    kept = session.exec(select(TopicFacts)).all()
    if meanwhile == "refresh":
        assert kept == []  # gone with the cache they were read for
    else:
        assert {f.topic for f in kept} == {tags[0]}
        assert prepared.people == len(kept)
    read = _facts_read_for(monkeypatch)
    reading = scores._reading_of(taxonomy, tags[0])
    assert reading is not None

    def answer(**options: Any) -> WhoAnswer:
        return who(session, taxonomy, reading, config=config, as_of=AS_OF, limit=10, **options)

    cached = answer()
    listed = [r.person_id for r in cached.results]
    assert listed
    # Kept facts are read only while the store is the one the refresh summed.
    assert read == [listed if meanwhile in ("work", "refresh") else []]
    if meanwhile != "work":  # new work counts in the scores at the next refresh
        assert shown(cached) == shown(answer(cached=False))


def test_facts_kept_for_another_generation_are_not_read_and_are_written_over(
    session: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite gives a new cache its old one's id: facts written for the old one (a run cut
    short by the refresh) are told apart by the store's generation."""
    from bot.ranking.scores import prepare_answers
    from bot.store.models import TopicFacts

    taxonomy, config = default_taxonomy(), load_ranking_config()
    every = _preparing_every_topic(config)
    refresh_scores(session, taxonomy, config, as_of=AS_OF)
    first = prepare_answers(session, taxonomy, every)
    f = TopicFacts.__table__  # type: ignore[attr-defined]
    session.execute(sa.update(f).values(generation=f.c.generation - 1, merged_prs=99))
    session.commit()
    read = _facts_read_for(monkeypatch)
    answer = ask(session, "mlir bufferization", limit=10)
    assert read == [[r.person_id for r in answer.results]]  # read from the rows
    assert shown(answer) == shown(ask(session, "mlir bufferization", limit=10, cached=False))
    again = prepare_answers(session, taxonomy, every)
    assert (again.topics, again.people) == (first.topics, first.people)
    cache = session.exec(select(ScoreCache)).one()
    assert {(row.generation, row.merged_prs == 99) for row in session.exec(select(TopicFacts))} == {
        (cache.generation, False)
    }


def test_only_topics_whose_leaders_have_many_rows_there_are_prepared(
    session: Session, world: World
) -> None:
    from bot.ranking.scores import prepare_answers
    from bot.store.models import Person, TopicFacts

    taxonomy, config = default_taxonomy(), load_ranking_config()
    refresh_scores(session, taxonomy, config, as_of=AS_OF)
    untouched = prepare_answers(session, taxonomy, config)
    assert untouched.topics == 0  # thousands by default
    assert untouched.summary() == ""  # nothing to say in a sync's or an ingest's line
    off = _preparing_every_topic(config)
    off["score_cache"]["prepare_rows"] = 0
    assert prepare_answers(session, taxonomy, off).topics == 0
    assert session.exec(select(TopicFacts)).all() == []
    leaders: dict[str, int] = {}  # the rows an answer reads of each topic's 11 leaders
    for tag in set(session.exec(select(TopicScore.topic))):
        best = select(TopicScore).join(Person).where(TopicScore.topic == tag, ~col(Person.is_bot))
        best = best.order_by(col(TopicScore.score).desc()).limit(11)
        leaders[tag] = sum(s.contributions - s.discussion for s in session.exec(best))
    least = sorted(set(leaders.values()))[len(set(leaders.values())) // 2]
    some = copy.deepcopy(config)
    some["score_cache"]["prepare_rows"] = least
    prepared = prepare_answers(session, taxonomy, some)
    kept = {f.topic for f in session.exec(select(TopicFacts))}
    assert prepared.topics == len(kept) > 0
    assert kept == {tag for tag, rows in leaders.items() if rows >= least}
    assert any(rows < least for rows in leaders.values())


def test_the_cache_is_what_answers_until_refreshed(session: Session, world: World) -> None:
    refresh_scores(session, default_taxonomy(), load_ranking_config(), as_of=AS_OF)
    session.commit()
    gus = world.people["gus-newcomer"]

    def points(answer: WhoAnswer) -> float:
        return next(r.components["pull_requests"] for r in answer.results if r.person_id == gus)

    before = ask(session, "mlir bufferization")
    world.merged("gus-newcomer", 3, 2)  # work synced since the refresh
    world.save()
    # Scores come from the cache until the next refresh (explanations are read live).
    assert points(ask(session, "mlir bufferization")) == points(before)
    assert points(ask(session, "mlir bufferization", cached=False)) > points(before)
    refresh_scores(session, default_taxonomy(), load_ranking_config(), as_of=AS_OF)
    session.commit()
    after = ask(session, "mlir bufferization")
    assert after.scores_as_of == AS_OF
    assert shown(after) == shown(ask(session, "mlir bufferization", cached=False))
    assert len(session.exec(select(ScoreCache)).all()) == 1  # rebuilt, not added to


def test_later_queries_are_answered_as_of_the_refresh(session: Session, world: World) -> None:
    refresh_scores(session, default_taxonomy(), load_ranking_config(), as_of=AS_OF)
    session.commit()
    later = ask(session, "mlir bufferization", as_of=AS_OF + timedelta(hours=30))
    assert later.as_of == later.scores_as_of == AS_OF
    assert shown(later) == shown(ask(session, "mlir bufferization", cached=False))


@pytest.mark.parametrize(
    ("query", "options"),
    [
        ("mlir bufferization", {"as_of": AS_OF - timedelta(days=30)}),  # the past: replayed
        ("mlir bufferization", {"as_of": AS_OF + timedelta(hours=49)}),  # cache too old
        ("mlir bufferization", {"window_days": 730}),
        ("mlir bufferization oneshotanalysis", {}),  # free words
        ("oneshotanalysis", {}),
        ("triton amd nvidia", {}),  # several topics
    ],
)
def test_other_questions_are_summed_live(
    session: Session, world: World, query: str, options: dict[str, Any]
) -> None:
    refresh_scores(session, default_taxonomy(), load_ranking_config(), as_of=AS_OF)
    session.commit()
    answer = ask(session, query, **options)
    assert answer.scores_as_of is None
    assert shown(answer) == shown(ask(session, query, cached=False, **options))


@pytest.mark.parametrize("query", ["mlir bufferization oneshotanalysis", "oneshotanalysis"])
def test_questions_summed_live_are_asked_as_of_a_fresh_refresh(
    session: Session, world: World, query: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Free words (like several topics or repositories) are summed live, but as of the
    refresh, so each person's activity (focus, breadth) is the cache's: the same answer as
    summing it all then."""
    refresh_scores(session, default_taxonomy(), load_ranking_config(), as_of=AS_OF)
    session.commit()
    live = ask(session, query, cached=False)  # as of the refresh, everything read live
    assert live.results

    def unread(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("activity read live although the refresh kept it")

    monkeypatch.setattr("bot.ranking.who.window_activity", unread)
    later = ask(session, query, as_of=AS_OF + timedelta(hours=30))
    assert later.as_of == AS_OF
    assert later.scores_as_of is None  # the scores themselves were summed, not read
    assert shown(later) == shown(live)


def test_changed_settings_bypass_scores_made_with_others(
    session: Session, world: World, tmp_path: Path
) -> None:
    refresh_scores(session, default_taxonomy(), load_ranking_config(), as_of=AS_OF)
    session.commit()
    no_owners = tmp_path / "ranking.yml"
    no_owners.write_text("points:\n  ownership: 0\n")
    answer = ask(session, "mlir bufferization", config=load_ranking_config(no_owners))
    assert answer.scores_as_of is None
    assert all(r.components.get("ownership", 0) == 0 for r in answer.results)
    off = tmp_path / "off.yml"
    off.write_text("score_cache:\n  max_age_hours: 0\n")
    assert ask(session, "mlir bufferization", config=load_ranking_config(off)).scores_as_of is None


def test_refresh_keeps_one_row_per_person_and_topic(session: Session, world: World) -> None:
    config = active_config(load_ranking_config())  # hal-idle has no work in its year
    first = refresh_scores(session, default_taxonomy(), config, as_of=AS_OF)
    session.commit()
    second = refresh_scores(session, default_taxonomy(), config, as_of=AS_OF)
    session.commit()
    rows = session.exec(select(TopicScore)).all()
    assert first.scores == second.scores == len(rows)
    assert len({(r.topic, r.person_id) for r in rows}) == len(rows)
    buf = {r.person_id: r for r in rows if r.topic == "mlir.bufferization"}
    hal = buf[world.people["hal-idle"]]
    assert (hal.owner, hal.owned, hal.contributions, hal.score) == (
        True,
        ["mlir/lib/Dialect/Bufferization/**"],
        0,
        0.0,
    )
    ada = buf[world.people["ada-owner"]]
    assert ada.owner
    assert ada.score == pytest.approx(sum(ada.components.values()))
    assert set(ada.components) == {"pull_requests", "reviews", "discussion"}
    assert (ada.discussion, ada.discussion_first is not None) == (4, True)  # in its year
    assert "scores refreshed as of 2026-06-01 00:00 UTC" in second.summary()


def _refreshed_at(session: Session) -> list[Any]:
    return [c.refreshed_at for c in session.exec(select(ScoreCache))]


def test_a_refresh_with_nothing_new_keeps_the_cache_and_anything_new_rebuilds_it(
    session: Session, world: World
) -> None:
    """After an ingest or sync: 0 s when the store holds what the last refresh summed; a new
    contribution, a merge, a hand mark, an owner line, other settings or an old cache each
    bring the full refresh back, and the answers then equal live sums again."""
    from bot.people.curation import mark, merge
    from bot.ranking.scores import keep_if_unchanged
    from bot.store.models import Person

    taxonomy, config = default_taxonomy(), load_ranking_config()
    first = keep_if_unchanged(session, taxonomy, config, as_of=AS_OF)
    session.commit()
    assert not first.kept
    built = _refreshed_at(session)
    kept = keep_if_unchanged(session, taxonomy, config, as_of=AS_OF + timedelta(hours=2))
    session.commit()
    assert kept.kept
    assert kept.as_of == AS_OF  # the answers still say the refresh they come from
    assert "nothing new to sum" in kept.summary()
    assert _refreshed_at(session) == built

    def rebuilt_by(change: Any, *, settings: dict[str, Any] = config, hours: int = 2) -> None:
        change()
        session.commit()
        again = keep_if_unchanged(session, taxonomy, settings, as_of=AS_OF + timedelta(hours=hours))
        session.commit()
        assert not again.kept, change
        live = ask(session, "mlir bufferization", config=settings, cached=False, as_of=again.as_of)
        cached = ask(session, "mlir bufferization", config=settings, as_of=again.as_of)
        assert cached.scores_as_of == again.as_of
        assert shown(cached) == shown(live)
        assert keep_if_unchanged(
            session, taxonomy, settings, as_of=AS_OF + timedelta(hours=hours)
        ).kept

    rebuilt_by(lambda: (world.merged("gus-newcomer", 3, 2), world.save()))
    # A sync rewrites rows in place: a PR merged (its state and time), or grown.
    open_pr = session.exec(
        select(Contribution).where(Contribution.kind == "pr", Contribution.state == "merged")
    ).first()
    assert open_pr is not None
    rebuilt_by(lambda: setattr(open_pr, "state", "closed") or session.add(open_pr))
    rebuilt_by(lambda: setattr(open_pr, "additions", open_pr.additions + 900))
    people = {p.login: p for p in session.exec(select(Person))}
    rebuilt_by(lambda: merge(session, people["eve-specialist"], people["gus-newcomer"], actor="t"))
    rebuilt_by(lambda: mark(session, people["bo-reviewer"], is_person=False))
    repo_id = world.repo.id
    assert repo_id is not None
    rebuilt_by(
        lambda: session.add(
            CodeOwner(
                repo_id=repo_id,
                source_path="mlir/Maintainers.md",
                line=12,
                pattern="mlir/lib/Dialect/Bufferization/**",
                owner_kind="github",
                owner_value="eve-specialist",
            )
        )
    )
    heavier = {**config, "points": {**config["points"], "commit": 5.0}}
    rebuilt_by(lambda: None, settings=heavier)
    # A cache older than half its stand-in age is summed again to stay near "now".
    hours = int(config["score_cache"]["max_age_hours"])
    rebuilt_by(lambda: None, settings=heavier, hours=hours)


def _kept(session: Session, hours: int = 2) -> bool:
    from bot.ranking.scores import keep_if_unchanged

    kept = keep_if_unchanged(
        session, default_taxonomy(), load_ranking_config(), as_of=AS_OF + timedelta(hours=hours)
    )
    session.commit()
    return kept.kept


def _written(session: Session, statement: str | sa.Executable) -> None:
    """SQL another program runs on the store (not csf's code): the database marks it alone."""
    engine = session.get_bind()
    assert isinstance(engine, sa.Engine)
    with engine.begin() as other:
        other.execute(sa.text(statement) if isinstance(statement, str) else statement)


def test_the_database_marks_every_change_the_cache_sums_and_only_those(
    session: Session, world: World
) -> None:
    """Whoever writes (csf, a person at a SQL prompt), a change to what the cache sums brings
    the refresh back; a statement that changed nothing, or changed only what no score reads,
    keeps the cache."""
    assert not _kept(session)
    assert _kept(session)
    some = session.exec(select(Contribution.id).limit(1)).one()
    tagged = session.exec(select(ContributionTopic).limit(1)).one()
    unchanged = [
        f"UPDATE contribution SET additions = additions, paths = paths WHERE id = {some}",
        "DELETE FROM code_owner WHERE id < 0",
        "DELETE FROM contribution_topic WHERE contribution_id < 0",
        "UPDATE person SET location = 'Aberdeen, UK'",  # a profile's words are not summed
        "UPDATE person SET is_bot = is_bot",
    ]
    for statement in unchanged:
        _written(session, statement)
        assert _kept(session), statement
    changed: list[str | sa.Executable] = [
        f"UPDATE contribution SET additions = additions + 1 WHERE id = {some}",
        f"UPDATE contribution SET state = 'closed' WHERE id = {some}",
        f"DELETE FROM contribution_topic WHERE contribution_id = {tagged.contribution_id}",
        sa.insert(ContributionTopic.__table__).values(  # type: ignore[attr-defined]
            contribution_id=tagged.contribution_id,
            topic=tagged.topic,
            person_id=tagged.person_id,
            occurred_at=tagged.occurred_at,
        ),
        "UPDATE code_owner SET owner_value = 'gus-newcomer'",
        "DELETE FROM code_owner",
        f"UPDATE person SET is_bot = true WHERE id = {tagged.person_id}",
        "UPDATE person SET is_bot = false",
    ]
    for change in changed:
        _written(session, change)
        assert not _kept(session), change
        assert _kept(session), change  # summed again: nothing new since
    # An upsert (as every bulk write of csf's is) fires the triggers under its own conflict
    # policy: marking twice in one transaction must not fail, and rewriting as-is marks nothing.
    owner = world.repo.id
    upsert = (
        "INSERT INTO code_owner (id, repo_id, source_path, line, pattern, owner_kind, owner_value)"
        f" VALUES (900, {owner}, 'CODEOWNERS', :line, '/mlir/', 'github', 'ada-owner')"
        " ON CONFLICT (id) DO UPDATE SET line = excluded.line"
    )
    engine = session.get_bind()
    assert isinstance(engine, sa.Engine)
    with engine.begin() as other:
        for line in (1, 2, 3):
            other.execute(sa.text(upsert), {"line": line})
    assert not _kept(session)
    assert _kept(session)
    with engine.begin() as other:
        other.execute(sa.text(upsert), {"line": 3})
    assert _kept(session)


def test_a_refresh_that_died_after_its_claim_leaves_a_cache_no_one_trusts(
    session: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The refresh deletes the marks as it starts; if it dies before its cache is written,
    the old cache does not hold what the store holds, and the next refresh sums again."""
    import bot.ranking.scores as scores

    assert not _kept(session)
    world.merged("gus-newcomer", 3, 2)
    world.save()

    def dies(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("killed in the sums")

    monkeypatch.setattr(scores, "_summed", dies)
    with pytest.raises(RuntimeError, match="killed in the sums"):
        refresh_scores(session, default_taxonomy(), load_ranking_config(), as_of=AS_OF)
    session.rollback()
    assert not session.exec(select(StoreChange)).all()  # the claim stands
    monkeypatch.undo()
    assert not _kept(session)
    live = ask(session, "mlir bufferization", cached=False, as_of=AS_OF + timedelta(hours=2))
    cached = ask(session, "mlir bufferization", as_of=AS_OF + timedelta(hours=2))
    assert cached.scores_as_of == AS_OF + timedelta(hours=2)
    assert shown(cached) == shown(live)


def test_work_written_while_a_refresh_sums_brings_the_next_one_back(
    session: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write that lands while the sums read (another connection, committed) may or may not
    be in them: its mark outlives the refresh, so the cache is summed again after it."""
    import bot.ranking.scores as scores

    summed = scores._summed
    some = session.exec(select(Contribution.id).limit(1)).one()

    def during(*args: Any, **kwargs: Any) -> Any:
        _written(session, f"UPDATE contribution SET additions = additions + 7 WHERE id = {some}")
        yield from summed(*args, **kwargs)

    monkeypatch.setattr(scores, "_summed", during)
    refresh_scores(session, default_taxonomy(), load_ranking_config(), as_of=AS_OF)
    session.commit()
    monkeypatch.undo()
    assert not _kept(session)
    assert _kept(session)


def test_topics_summed_side_by_side_read_the_refresh_snapshot_and_come_out_whole(
    session: Session, world: World
) -> None:
    """On a SQLite file two more connections sum topics beside the refresh, on its snapshot:
    work committed after the snapshot began is in none of their sums, and each topic's rows
    come out together in person order, equal to one connection's. (PostgreSQL sums on the
    session's connection alone.)"""
    import bot.ranking.scores as scores

    config = load_ranking_config()
    start = AS_OF - timedelta(days=int(config["window_days"]))
    some = session.exec(select(ContributionTopic)).first()
    assert some is not None
    grown = f"UPDATE contribution SET additions = additions + 900 WHERE id = {some.contribution_id}"
    session.commit()
    sqlite = session.get_bind().dialect.name == "sqlite"
    with scores._snapshot(session) as readers:
        assert len(readers) == (scores.READERS if sqlite else 0)
        if not readers:
            return
        alone = list(scores._summed(session, config, start, AS_OF))
        _written(session, grown)
        beside = list(scores._summed(session, config, start, AS_OF, readers))
    assert [(r["topic"], r["person_id"]) for r in alone] == sorted(
        (r["topic"], r["person_id"]) for r in alone
    )

    def by_topic(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            out.setdefault(row["topic"], []).append(row)
        return out

    assert by_topic(beside) == by_topic(alone)  # each topic's rows, equal and in order
    runs = [topic for topic, _ in itertools.groupby(r["topic"] for r in beside)]
    assert len(runs) == len(set(runs))  # each topic's rows together
    session.rollback()
    after = list(scores._summed(session, config, start, AS_OF))
    assert after != alone  # the write was real: a new snapshot sums it


def test_a_refresh_lets_answers_write_while_it_sums_and_leaves_out_people_gone_meanwhile(
    session: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sums take seconds on a real store: an answer's audit row (another connection, which
    will not wait for a lock) is written while they run, and a person forgotten meanwhile has
    no score in the cache the swap writes."""
    import bot.ranking.scores as scores
    from bot.people.privacy import forget
    from bot.store.models import AuditEvent, Person
    from bot.store.writes import record_search

    summed = scores._summed
    seen: list[str] = []
    gone = world.people["gus-newcomer"]

    def during(*args: Any, **kwargs: Any) -> Any:
        engine = session.get_bind()
        with engine.connect() as other:
            if engine.dialect.name == "sqlite":
                other.exec_driver_sql("PRAGMA busy_timeout = 0")  # locked: an error at once
            else:
                other.exec_driver_sql("SET lock_timeout = '100ms'")
            other.commit()
            with Session(bind=other) as asking:
                record_search(asking, "U0ASKER", "mlir bufferization")
                asking.commit()
            other.commit()
            seen.append("answered")
            with Session(bind=other) as forgetting:
                login = forgetting.get(Person, gone).login  # type: ignore[union-attr]
                forget(forgetting, f"@{login}", actor="U0ADMIN")
                forgetting.commit()
            other.commit()
        yield from summed(*args, **kwargs)

    monkeypatch.setattr(scores, "_summed", during)
    refreshed = refresh_scores(session, default_taxonomy(), load_ranking_config(), as_of=AS_OF)
    session.commit()
    assert seen == ["answered"]
    assert session.exec(select(AuditEvent).where(AuditEvent.actor == "U0ASKER")).one()
    people = {r.person_id for r in session.exec(select(TopicScore))}
    assert gone not in people
    assert world.people["ada-owner"] in people
    assert gone not in {r.person_id for r in session.exec(select(PersonWindow))}
    assert refreshed.scores == len(session.exec(select(TopicScore)).all())
    assert 0 < refreshed.locked < refreshed.seconds


def test_the_interpreters_lock_changes_hands_quickly_only_while_readers_sum() -> None:
    """With readers, sqlite3's steps would each wait out the 5 ms switch interval for the lock
    back; the setting is the process's, so it is put back however the refresh ends."""
    import sys

    from bot.ranking import scores

    before = sys.getswitchinterval()
    seen: list[float] = []

    def failing() -> None:
        with scores._quick_handovers([object()]):  # type: ignore[list-item]
            seen.append(sys.getswitchinterval())
            raise RuntimeError("a refresh that fails half way")

    with pytest.raises(RuntimeError):
        failing()
    with scores._quick_handovers([]):
        seen.append(sys.getswitchinterval())
    assert seen == [min(before, scores.HANDOVER), before]
    assert scores.HANDOVER < before
    assert sys.getswitchinterval() == before
    # Two refreshes side by side in one process: the last to end puts it back.
    first, second = scores._quick_handovers([1]), scores._quick_handovers([1])  # type: ignore[list-item]
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert sys.getswitchinterval() == scores.HANDOVER
    second.__exit__(None, None, None)
    assert sys.getswitchinterval() == before

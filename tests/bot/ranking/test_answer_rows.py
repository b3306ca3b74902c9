"""The facts behind an answer's counts, span, founders and evidence, read either way round.

An area's main people can each have hundreds of thousands of rows elsewhere, and an area can be
far larger than its people's own work: `who` reads their rows from the smaller side, and sums
and picks them in SQL rather than loading them. Both reads must give the facts that every row,
loaded whole and counted one by one, gives, whatever the scope (a topic, a group of tags a
contribution holds several of, a word with several stems, both together), and the comments and
issues that a cached answer takes from the score cache must be left out of its read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.ranking.who import (
    TALLIED,
    ContributionRow,
    Facts,
    Scope,
    _answer_facts,
    evidence_from,
    founding_cut,
    founding_rank,
    is_founding,
    load_ranking_config,
    row_columns,
    who,
)
from bot.store.models import Contribution, ContributionKind, Person
from bot.store.threads import thread_values
from bot.store.writes import ContributionRecord, counted_once, upsert_contributions
from bot.taxonomy.model import default_taxonomy
from bot.taxonomy.question import read_query
from tests.conftest import BACKENDS, backend_engine
from tests.support.ranking_world import AS_OF, BUF, BUF_TEST, build

TAXONOMY = default_taxonomy()
START = AS_OF - timedelta(days=3650)


@pytest.fixture(scope="module", params=BACKENDS)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """The ranking world, with comments on its PRs (the tallied kind) added, on each store."""
    with backend_engine(request.param, tmp_path_factory.mktemp("rows")) as engine:
        yield from _world(engine)


def _world(engine: Engine) -> Iterator[Engine]:
    from bot.ingest.pipeline import index_batch
    from bot.store.engine import upgrade
    from bot.store.models import Repo

    upgrade(engine)
    with Session(engine) as session:
        w = build(session)
        # Changes that created files in the area, their author's review of their own PR, and
        # a reviewer with no work of their own (reviews then fill all three lines of evidence).
        pr = w.add("kit-builder", "pr", 30, state="merged", created=(BUF,))
        w.add("kit-builder", "pr", 40, state="merged", created=(BUF_TEST,))
        w.add("kit-builder", "review", 29, state="commented", parent=pr)
        for days in (10, 20, 25, 28):
            w.add("lou-auditor", "review", days, state="approved", parent=pr)
        w.save()
        prs = session.exec(
            select(Contribution).where(Contribution.kind == ContributionKind.PR.value)
        ).all()
        people = [p.id for p in session.exec(select(Person)).all() if p.id is not None]
        records = [
            ContributionRecord(
                repo_id=pr.repo_id,
                person_id=people[(n + k) % len(people)],
                kind=ContributionKind.COMMENT,
                external_id=f"{pr.external_id}:comment:{k}",
                created_at=pr.occurred_at + timedelta(hours=k),
                occurred_at=pr.occurred_at + timedelta(hours=k),
                parent_number=int(pr.external_id) if pr.external_id.isdigit() else None,
                title=pr.title,
                paths=pr.paths,
            )
            for n, pr in enumerate(prs[::3])
            for k in range(2)
        ]
        ids = upsert_contributions(session, records)
        repos = {r.id: r for r in session.exec(select(Repo)).all()}
        for repo_id in {r.repo_id for r in records}:
            mine = [(i, r) for i, r in zip(ids, records, strict=True) if r.repo_id == repo_id]
            index_batch(session, TAXONOMY, repos[repo_id], *map(list, zip(*mine, strict=True)))
        session.commit()
    yield engine


SCOPES = [
    Scope(("mlir.bufferization",), (), START, AS_OF),
    # A group whose tags a contribution holds both of, and a word with three stems.
    Scope(("mlir", "mlir.bufferization"), (), START, AS_OF),
    Scope((), ("bufferization",), START, AS_OF),
    Scope(("mlir",), ("bufferization",), START, AS_OF),
    # Read from the word's rows (three stems: a contribution listed up to three times), and
    # from a group whose tags a contribution holds both of.
    Scope(("mlir",), ("bufferization",), START, AS_OF, lead=1),
    Scope(("mlir", "mlir.bufferization"), ("bufferization",), START, AS_OF),
]


def _loaded(session: Session, scope: Scope, people: list[int]) -> dict[int, list[ContributionRow]]:
    """Every row of these people's work in scope, each once, loaded whole: what the facts
    summed in SQL must agree with."""
    c = Contribution.__table__  # type: ignore[attr-defined]
    statement = sa.select(*row_columns(c), scope.built(c)).where(
        c.c.person_id.in_(people), counted_once(c), scope.matches(c)
    )
    out: dict[int, list[ContributionRow]] = {}
    for row in session.execute(statement):
        loaded = ContributionRow(*row)
        out.setdefault(loaded.person_id, []).append(loaded)
    return out


def _facts_of(
    session: Session, rows: list[ContributionRow], cut: object, tallied: bool = True
) -> tuple[object, ...]:
    """The facts of one person's rows, counted one by one in Python."""
    config = load_ranking_config()
    shown = [r for r in rows if tallied or r.kind not in TALLIED]
    for r in shown:
        r.founding = is_founding(r, cut, config)  # type: ignore[arg-type]
    reviews = {(r.repo_id, r.parent_number) for r in shown if r.kind == "review"}
    c = Contribution.__table__  # type: ignore[attr-defined]
    numbers = {(repo, number) for repo, number in reviews if number is not None}
    authors = set(thread_values(session, numbers, "pr", c.c.person_id).values())
    return (
        sum(r.kind == "pr" and r.state == "merged" for r in shown),
        sum(r.kind == "review" for r in shown),
        sum(r.kind == "commit" for r in shown),
        sum(r.kind in ("issue", "rfc", "comment") for r in shown),
        len(authors - {None, shown[0].person_id}),
        min(r.when for r in shown),
        max(r.when for r in shown),
        any(r.founding for r in shown),
        evidence_from(shown, config, AS_OF),
    )


def _summed(facts: Facts) -> tuple[object, ...]:
    config = load_ranking_config()
    return (
        facts.merged_prs,
        facts.reviews,
        facts.commits,
        facts.discussion,
        facts.authors_reviewed,
        facts.first,
        facts.last,
        facts.founder,
        evidence_from(facts.rows, config, AS_OF),
    )


@pytest.mark.parametrize("scope", SCOPES)
def test_the_facts_summed_in_sql_are_those_of_the_rows(world: Engine, scope: Scope) -> None:
    """Counts, span, founders and evidence, summed and picked in SQL either way round, equal
    those of every row loaded and counted one by one."""
    config = load_ranking_config()
    with Session(world) as session:
        people = list(session.exec(select(Person.id)).all())
        cut = founding_cut(session, scope, config)
        loaded = _loaded(session, scope, people)  # type: ignore[arg-type]
        assert loaded, "the scope has work"
        expected = {p: _facts_of(session, rows, cut) for p, rows in loaded.items()}
        for by_area in (False, True):
            facts = _answer_facts(
                session,
                scope,
                people,  # type: ignore[arg-type]
                config,
                AS_OF,
                cut,
                by_area=by_area,
            )
            assert {p: _summed(f) for p, f in facts.items()} == expected
    # The world exercises every part: founders and not, reviewed authors, comments.
    assert cut is not None
    assert any(e[7] for e in expected.values())
    assert not all(e[7] for e in expected.values())
    if not scope.terms:  # words index authored work only: no review or comment has them
        assert any(e[4] for e in expected.values()), "reviews of others' PRs"
        assert any(e[3] for e in expected.values()), "and comments"
    evidence = [item for e in expected.values() for item in e[8]]  # type: ignore[attr-defined]
    assert any(item.built for item in evidence), "work that created files here"
    if not scope.terms:
        assert any(
            len(e[8]) == 3 and {item.kind for item in e[8]} == {"review"}  # type: ignore[arg-type,attr-defined]
            for e in expected.values()
        ), "a reviewer's three reviews"
    # Someone has more work that could be evidence than is shown: the pick is exercised.
    shown = ("pr", "commit", "review", "rfc")
    assert any(
        sum(r.kind in shown for r in loaded[p]) > len(e[8])  # type: ignore[arg-type]
        for p, e in expected.items()
    )


@pytest.mark.parametrize("scope", SCOPES)
def test_the_founding_cut_is_the_time_of_the_founding_rank_th_contribution(
    world: Engine, scope: Scope
) -> None:
    """Counted and read up to the rank (one index key: a topic) or numbered in one pass (a
    topic and a word, two tags, a word of three stems): either way the time of the area's
    `founding_rank`-th contribution, oldest first, over its whole history, as the rows loaded
    one by one give it."""
    config = load_ranking_config()
    c = Contribution.__table__  # type: ignore[attr-defined]
    whole = replace(scope, start=AS_OF - timedelta(days=36500))
    with Session(world) as session:
        times = sorted(session.scalars(sa.select(c.c.occurred_at).where(whole.matches(c))))
        cut = founding_cut(session, scope, config)
        # Read from the indexes, each contribution once, though a word's three stems or a
        # group's two tags list it up to three times there.
        assert sorted(session.scalars(whole.times())) == times
    assert len(times) > 10  # a rank past the first
    rank = founding_rank(len(times), config)
    assert 1 < rank < len(times)
    assert cut == times[rank - 1]


def test_a_cached_answer_reads_only_what_the_cache_does_not_tally(world: Engine) -> None:
    """Without the tallied kinds, the facts are those of the other rows alone; the cache's
    tally then adds the comments' count, span and founding."""
    scope, config = SCOPES[1], load_ranking_config()
    with Session(world) as session:
        people = list(session.exec(select(Person.id)).all())
        cut = founding_cut(session, scope, config)
        loaded = _loaded(session, scope, people)  # type: ignore[arg-type]
        facts = _answer_facts(
            session,
            scope,
            people,
            config,
            AS_OF,
            cut,
            tallied=False,  # type: ignore[arg-type]
        )
        expected = {
            p: _facts_of(session, rows, cut, tallied=False)
            for p, rows in loaded.items()
            if any(r.kind not in TALLIED for r in rows)
        }
    assert {p: _summed(f) for p, f in facts.items()} == expected
    assert any(r.kind in TALLIED for rows in loaded.values() for r in rows)


def test_tallied_work_counts_as_loading_it_would(world: Engine) -> None:
    """The comments tallied in SQL: their number, first and last time, per person."""
    scope = SCOPES[1]
    with Session(world) as session:
        people = list(session.exec(select(Person.id)).all())
        facts = _answer_facts(
            session,
            scope,
            people,
            load_ranking_config(),
            AS_OF,
            None,  # type: ignore[arg-type]
        )
        everything = session.exec(
            select(Contribution).where(Contribution.kind.in_(TALLIED))  # type: ignore[attr-defined]
        ).all()
        tagged = {
            c.id
            for c in everything
            if {"mlir", "mlir.bufferization"} & set(TAXONOMY.tag(_repo(session, c), c.paths))
        }
    expected: dict[int, list[Contribution]] = {}
    for c in everything:
        if c.id in tagged and START <= c.occurred_at < AS_OF:
            expected.setdefault(c.person_id, []).append(c)
    assert expected
    talk = {p: f.discussion for p, f in facts.items() if f.discussion}
    assert talk == {p: len(cs) for p, cs in expected.items()}


def _repo(session: Session, c: Contribution) -> str:
    from bot.store.models import Repo

    repo = session.get(Repo, c.repo_id)
    assert repo is not None
    return repo.full_name


def test_answers_are_the_same_whichever_way_their_rows_are_read(
    world: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.ranking.who as ranking

    config = load_ranking_config()
    answers = []
    for force in (False, True):

        def forced(*args: object, force: bool = force, **kwargs: object) -> object:
            return _answer_facts(*args, **{**kwargs, "by_area": force})  # type: ignore[arg-type]

        monkeypatch.setattr(ranking, "_answer_facts", forced)
        with Session(world) as session:
            answer = who(
                session,
                TAXONOMY,
                read_query(TAXONOMY, ["mlir", "bufferization"]),
                config=config,
                as_of=AS_OF,
                cached=False,
            )
        answers.append(
            [
                (r.person_id, r.reason, r.counts, r.evidence, r.first_active, r.last_active)
                for r in answer.results
            ]
        )
    assert answers[0]
    assert any(counts["discussion"] for _, _, counts, *_ in answers[0])
    assert answers[0] == answers[1]


@pytest.mark.parametrize(
    "scope",
    [
        Scope(("mlir", "mlir.bufferization"), ("bufferization",), START, AS_OF),
        Scope(("mlir.bufferization",), ("bufferization", "analysis"), START, AS_OF),
        # With the repository's own rows as a part: read first, they are contributions too.
        Scope(("mlir",), (), START, AS_OF, repo_ids=(-1,)),
    ],
)
def test_every_part_read_first_gives_the_same_contributions(
    world: Engine, scope: Scope, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whichever part a question of several is read from (`lead`), the others looked up by
    key, its contributions are those every part holds in the window; `distinct_ids` lists each
    once; `led` reads from the part with the fewest rows."""
    from bot.store.models import ContributionTerm, ContributionTopic
    from bot.taxonomy.terms import stems_of

    with Session(world) as session:
        rows: list[list[int]] = []
        for group in scope.tag_groups:
            rows.append(
                list(
                    session.exec(
                        select(ContributionTopic.contribution_id).where(
                            ContributionTopic.topic.in_(group),  # type: ignore[attr-defined]
                            ContributionTopic.occurred_at >= scope.start,
                            ContributionTopic.occurred_at < scope.end,
                        )
                    )
                )
            )
        for term in scope.terms:
            rows.append(
                list(
                    session.exec(
                        select(ContributionTerm.contribution_id).where(
                            ContributionTerm.term.in_(stems_of(term)),  # type: ignore[attr-defined]
                            ContributionTerm.occurred_at >= scope.start,
                            ContributionTerm.occurred_at < scope.end,
                        )
                    )
                )
            )
        if scope.repo_ids:  # the repository most of the work is in
            c = Contribution.__table__  # type: ignore[attr-defined]
            repo_id = (
                session.execute(
                    sa.select(c.c.repo_id).group_by(c.c.repo_id).order_by(sa.func.count().desc())
                )
                .scalars()
                .first()
            )
            scope = replace(scope, repo_ids=(repo_id,))
            rows.append(
                list(
                    session.execute(
                        sa.select(c.c.id).where(
                            c.c.repo_id == repo_id,
                            c.c.occurred_at >= scope.start,
                            c.c.occurred_at < scope.end,
                        )
                    ).scalars()
                )
            )
        held = [set(part) for part in rows]
        expected = set.intersection(*held)
        assert expected, "the parts share work"
        assert any(len(part) > len(expected) for part in held), "a part narrows another"
        people = sorted(p for p in session.exec(select(Person.id)) if p is not None)[::2]
        c = Contribution.__table__  # type: ignore[attr-defined]
        theirs = set(
            session.execute(
                sa.select(c.c.id).where(c.c.id.in_(expected), c.c.person_id.in_(people))
            ).scalars()
        )
        for lead in [None, *range(len(held))]:  # intersected, or each part read first
            led = replace(scope, lead=lead)
            assert set(session.execute(led.ids()).scalars()) == expected
            listed = list(session.execute(led.distinct_ids()).scalars())
            assert sorted(listed) == sorted(expected), "each contribution once"
            assert set(session.execute(led.ids(people)).scalars()) == theirs
            # Inside a query on contributions, as the sums read it.
            inside = sa.select(c.c.id).where(c.c.id.in_(led.ids()))
            assert set(session.execute(inside).scalars()) == expected
        # `led`: the part with the fewest rows (not ids) leads when its rows and a lookup of
        # each in every other part (three rows' reading each) cost less than reading all parts;
        # parts more alike are intersected.
        sizes = [len(part) for part in rows]
        smallest = sizes.index(min(sizes))
        leads = min(sizes) * (1 + 3 * (len(sizes) - 1)) < sum(sizes)
        expected_lead = smallest if leads else None
        assert scope.led(session).lead == expected_lead
        # Parts that all reach the first count are counted on (a word of a hundred thousand
        # rows in an ecosystem of millions): here with counts the world's parts all pass.
        monkeypatch.setattr("bot.ranking.who._LEAD_COUNTS", (1, 10**6))
        assert scope.led(session).lead == expected_lead
        monkeypatch.setattr("bot.ranking.who._LEAD_COUNTS", (1,))  # counts that cannot tell
        assert scope.led(session).lead is None

"""The rows behind an answer's evidence and counts, read either way round.

An area's main people can each have hundreds of thousands of rows elsewhere, and an area can be
far larger than its people's own work: `who` reads their rows from the smaller side. Both reads
must give the same rows, each once, whatever the scope (a topic, a group of tags a contribution
holds several of, a word with several stems, both together), and the comments and issues that
are tallied rather than loaded must be counted as loading them would.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.ranking.who import TALLIED, Scope, _topic_rows, load_ranking_config, who
from bot.store.models import Contribution, ContributionKind, Person
from bot.store.writes import ContributionRecord, upsert_contributions
from bot.taxonomy.model import default_taxonomy
from bot.taxonomy.question import read_query
from tests.support.ranking_world import AS_OF, build

TAXONOMY = default_taxonomy()
START = AS_OF - timedelta(days=3650)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The ranking world, with comments on its PRs (the tallied kind) added."""
    from bot.ingest.pipeline import index_batch
    from bot.store.engine import make_engine, upgrade
    from bot.store.models import Repo

    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('rows') / 'csf.db'}")
    upgrade(engine)
    with Session(engine) as session:
        build(session)
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
    engine.dispose()


SCOPES = [
    Scope(("mlir.bufferization",), (), START, AS_OF),
    # A group whose tags a contribution holds both of, and a word with three stems.
    Scope(("mlir", "mlir.bufferization"), (), START, AS_OF),
    Scope((), ("bufferization",), START, AS_OF),
    Scope(("mlir",), ("bufferization",), START, AS_OF),
]


@pytest.mark.parametrize("scope", SCOPES)
def test_both_reads_give_the_same_rows_each_once(world: Engine, scope: Scope) -> None:
    with Session(world) as session:
        people = list(session.exec(select(Person.id)).all())
        by_people = _topic_rows(session, scope, people)  # type: ignore[arg-type]
        by_area = _topic_rows(session, scope, people, by_area=True)  # type: ignore[arg-type]
    rows, tallies = by_people
    assert rows, "the scope has work"
    if not scope.terms:  # words index authored work only, so no comment has them
        assert sum(t.count for t in tallies.values()), "and comments"
    assert sorted(rows, key=lambda r: r.id) == sorted(by_area[0], key=lambda r: r.id)
    assert len({r.id for r in rows}) == len(rows)
    assert tallies == by_area[1]


def test_tallied_work_counts_as_loading_it_would(world: Engine) -> None:
    """The comments tallied in SQL: their number, first and last time, per person."""
    scope = SCOPES[1]
    with Session(world) as session:
        people = list(session.exec(select(Person.id)).all())
        _, tallies = _topic_rows(session, scope, people)  # type: ignore[arg-type]
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
    assert {p: t.count for p, t in tallies.items()} == {p: len(cs) for p, cs in expected.items()}
    for person_id, work in expected.items():
        assert tallies[person_id].first == min(c.occurred_at for c in work)
        assert tallies[person_id].last == max(c.occurred_at for c in work)


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
            return _topic_rows(*args[:3], by_area=force)  # type: ignore[arg-type]

        monkeypatch.setattr(ranking, "_topic_rows", forced)
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

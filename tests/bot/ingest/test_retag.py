"""Stored work tagged again under an edited taxonomy: tags follow the taxonomy, `built` marks
stay where they held, and a taxonomy that changed nothing writes nothing."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.errors import BusyError
from bot.ingest import retag as retag_module
from bot.ingest.git import ingest_git
from bot.ingest.retag import retag
from bot.ranking.scores import refresh_scores
from bot.ranking.who import latest_score_cache, load_ranking_config, unchanged_since
from bot.store.locks import job_lock, write_lock
from bot.store.models import Contribution, ContributionTopic, Person, Repo
from bot.store.writes import upsert_repo
from bot.taxonomy.model import Taxonomy, default_taxonomy, parse_taxonomy
from tests.support.git_repos import GitRepo

HEAD = "version: 1\necosystems:\n  toy:\n    name: Toy\n    repos: [example-org/toy]\n    topics:\n"
PARSER = "      parser:\n        name: Parser\n        paths: ['src/parse/**']\n"
BEFORE = HEAD + PARSER + "      everything:\n        name: Too wide\n        paths: ['src/**']\n"
# The team gives the emitter a topic and drops the one that took every path.
AFTER = HEAD + PARSER + "      emitter:\n        name: Emitter\n        paths: ['src/emit/**']\n"


def _history(tmp_path: Path) -> Path:
    repo = GitRepo(tmp_path / "toy")
    repo.commit("Add the parser", {"src/parse/lexer.c": "lex\n" * 40})  # creates: built
    repo.commit("Add the emitter", {"src/emit/asm.c": "emit\n" * 40})
    repo.commit("Tune the lexer", {"src/parse/lexer.c": "lex\n" * 41})
    repo.commit("Write the docs", {"docs/intro.md": "intro\n"})
    return repo.path


def _tags(engine: Engine) -> dict[str, dict[str, bool]]:
    """Each commit's title -> its topic tags, and whether each is marked built."""
    with Session(engine) as session:
        found: dict[str, dict[str, bool]] = {}
        for c in session.exec(select(Contribution)).all():
            rows = session.exec(
                select(ContributionTopic).where(ContributionTopic.contribution_id == c.id)
            ).all()
            found[c.title or ""] = {row.topic: row.built for row in rows}
        return found


def _ingested(engine: Engine, tmp_path: Path, taxonomy: Taxonomy) -> None:
    with Session(engine) as session:
        repo = upsert_repo(session, "example-org/toy", "toy", tracked=False)
        session.commit()
        ingest_git(session, taxonomy, repo, _history(tmp_path))


def test_retag_follows_the_edited_taxonomy_and_keeps_built_marks(
    engine: Engine, tmp_path: Path
) -> None:
    _ingested(engine, tmp_path, parse_taxonomy(BEFORE, "team.yml"))
    assert _tags(engine) == {
        "Add the parser": {"toy": True, "toy.parser": True, "toy.everything": True},
        "Add the emitter": {"toy": True, "toy.everything": True},
        "Tune the lexer": {"toy": False, "toy.parser": False, "toy.everything": False},
        "Write the docs": {"toy": True},  # it created a file in the ecosystem
    }
    with Session(engine) as session:
        done = retag(session, parse_taxonomy(AFTER, "team.yml"))
    assert (done.contributions, done.changed, done.gained, done.lost) == (4, 3, 1, 3)
    assert _tags(engine) == {
        # Built marks stay where the tag stays; the emitter's new tag cannot know the files
        # its commit created (they are not stored), and says so by having none.
        "Add the parser": {"toy": True, "toy.parser": True},
        "Add the emitter": {"toy": True, "toy.emitter": False},
        "Tune the lexer": {"toy": False, "toy.parser": False},
        "Write the docs": {"toy": True},  # it created a file in the ecosystem
    }


def test_a_retag_that_changes_nothing_leaves_the_score_cache_standing(
    engine: Engine, tmp_path: Path
) -> None:
    taxonomy = parse_taxonomy(AFTER, "team.yml")
    _ingested(engine, tmp_path, taxonomy)
    tags = _tags(engine)
    with Session(engine) as session:
        refresh_scores(session, taxonomy, load_ranking_config())
        session.commit()
        cache = latest_score_cache(session)
        assert cache is not None
        done = retag(session, taxonomy)
        assert (done.contributions, done.changed) == (4, 0)
        assert unchanged_since(session, cache.generation)  # nothing written, nothing to sum
    assert _tags(engine) == tags


def test_a_second_retag_at_once_is_refused(engine: Engine, tmp_path: Path) -> None:
    _ingested(engine, tmp_path, parse_taxonomy(BEFORE, "team.yml"))
    with job_lock(engine, "retag") as held, Session(engine) as session:
        assert held
        with pytest.raises(BusyError, match="another retag is running"):
            retag(session, parse_taxonomy(AFTER, "team.yml"))
        assert session.exec(select(Repo)).all()  # the session is still usable
    assert "toy.everything" in _tags(engine)["Add the parser"]  # and nothing was retagged


def test_work_moved_to_another_person_during_a_retag_keeps_its_tags_with_it(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A split (work moved to another record) committed while a retag is under way: the retag
    holds the write lock while it reads and writes a batch, so the split waits for it and then
    moves the work's tag rows too, instead of the retag writing them back to the old person."""
    _ingested(engine, tmp_path, parse_taxonomy(BEFORE, "team.yml"))
    with Session(engine) as session:
        moved = session.exec(select(Contribution).where(Contribution.title == "Add the parser"))
        work = moved.one()
        newcomer = Person(name="Bo Fictional")
        session.add(newcomer)
        session.commit()
        work_id, newcomer_id = work.id, newcomer.id

    failures: list[BaseException] = []

    def split() -> None:  # what `csf people split` writes, in its own transaction
        try:
            _split()
        except BaseException as error:  # seen by the test, not lost with the thread
            failures.append(error)

    def _split() -> None:
        with Session(engine) as other:
            write_lock(other)
            for table in (Contribution, ContributionTopic):
                key = table.id if table is Contribution else table.contribution_id  # type: ignore[union-attr]
                other.execute(sa.update(table).where(key == work_id).values(person_id=newcomer_id))
            other.commit()

    splitting = threading.Thread(target=split)
    tag = retag_module._Layout.tag

    def tag_while_splitting(self: Any, *args: Any) -> set[str]:
        if not splitting.is_alive() and splitting.ident is None:
            splitting.start()
            splitting.join(timeout=1.0)  # it waits for the retag's lock, or has committed
        return tag(self, *args)

    monkeypatch.setattr(retag_module._Layout, "tag", tag_while_splitting)
    with Session(engine) as session:
        retag(session, parse_taxonomy(AFTER, "team.yml"))
    splitting.join(timeout=30)
    assert not splitting.is_alive()
    assert not failures
    with Session(engine) as session:
        people = session.exec(
            select(ContributionTopic.person_id).where(ContributionTopic.contribution_id == work_id)
        ).all()
        assert set(people) == {newcomer_id}
        assert session.get(Contribution, work_id).person_id == newcomer_id  # type: ignore[union-attr]


def test_a_forum_post_gets_a_topic_its_tags_name_in_the_edited_taxonomy() -> None:
    """Forum posts are tagged by their category and tags as the taxonomy names them (a tag
    `bufferization` in an MLIR category), read again from the stored labels."""
    forum = retag_module._Layout(
        default_taxonomy(), "discourse:discourse.llvm.org/c/mlir/31", "mlir"
    )
    tags = forum.tag([], ["mlir", "bufferization"], "One-shot questions")
    assert {"mlir", "mlir.bufferization"} <= tags

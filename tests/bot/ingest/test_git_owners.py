"""`csf ingest git` reads the repository's own owner files at HEAD, as `csf sync` does.

Real git repositories built in temporary folders: a CODEOWNERS naming a fictional login whose
commits carry a GitHub noreply address, a Maintainers.md in a subfolder, edits, a deletion,
a forgotten owner, vendored owner files and a file too big or binary to be one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.ingest.git import GitIngestStats, ingest_git
from bot.ingest.tracking import upsert_repo
from bot.people.privacy import forget
from bot.ranking.who import load_ranking_config, who
from bot.store.models import CodeOwner, Person
from bot.taxonomy.model import default_taxonomy
from bot.taxonomy.question import read_query
from tests.support.git_repos import GitRepo

ADA = ("Ada Quill", "1234+ada-quill@users.noreply.github.com")
BO = ("Bo Widget", "bo@compilers.example")
AS_OF = datetime(2026, 6, 1, tzinfo=UTC)
BUFFERIZE = "lib/Dialect/Bufferization/Transforms/OneShot.cpp"


def _repo(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "widget-mlir")
    for n in range(3):
        repo.commit(
            f"Bufferize op {n}",
            {BUFFERIZE: "x\n" * (40 * (n + 1))},
            author=ADA,
            date=f"2025-0{n + 1}-03T10:00:00+00:00",
        )
    for n in range(4):
        repo.commit(
            f"Tune the tests {n}",
            {f"test/Dialect/Bufferization/t{n}.mlir": "y\n" * 30},
            author=BO,
            date=f"2025-0{n + 4}-03T10:00:00+00:00",
        )
    repo.commit(
        "Name the owners",
        {
            ".github/CODEOWNERS": "/lib/Dialect/Bufferization/ @ada-quill\n* @fictional/all\n",
            "docs/Maintainers.md": "# Maintainers\n\n### Docs\n[@bo-widget](https://github.com/bo-widget)\n",
            "third_party/other/CODEOWNERS": "* @someone-else\n",
            "third_party/other/Maintainers.md": "@someone-else\n",
        },
        date="2025-09-03T10:00:00+00:00",
    )
    return repo


def _ingest(engine: Engine, repo: GitRepo) -> GitIngestStats:
    with Session(engine) as session:
        target = upsert_repo(session, "fictional/widget-mlir", "mlir", tracked=False)
        session.commit()
        stats = ingest_git(session, default_taxonomy(), target, repo.path)
        session.commit()
        return stats


def _rows(engine: Engine) -> set[tuple[str, str, str]]:
    with Session(engine) as session:
        return {
            (r.source_path, r.pattern, r.owner_value)
            for r in session.exec(select(CodeOwner).order_by(col(CodeOwner.id)))
        }


def test_owner_files_at_head_become_ownership_and_who_shows_it(
    engine: Engine, tmp_path: Path
) -> None:
    repo = _repo(tmp_path)
    stats = _ingest(engine, repo)
    assert stats.owner_files == [".github/CODEOWNERS", "docs/Maintainers.md"]  # not vendored
    assert stats.owner_rows == 3
    assert "owner files .github/CODEOWNERS, docs/Maintainers.md: 3 ownership rows" in (
        stats.summary()
    )
    assert _rows(engine) == {
        (".github/CODEOWNERS", "lib/Dialect/Bufferization/**", "ada-quill"),
        (".github/CODEOWNERS", "**", "fictional/all"),
        ("docs/Maintainers.md", "docs/**", "bo-widget"),
    }
    with Session(engine) as session:
        taxonomy = default_taxonomy()
        for words in (["mlir", "bufferization"], ["widget-mlir", "oneshot"]):
            repos = [("fictional/widget-mlir", "mlir")]
            answer = who(
                session,
                taxonomy,
                read_query(taxonomy, words, repos),
                config=load_ranking_config(),
                as_of=AS_OF,
                cached=False,
            )
            ada = next(r for r in answer.results if r.person["name"] == "Ada Quill")
            assert ada.owned == ["lib/Dialect/Bufferization/**"], words
            assert ada.components["ownership"] > 0
    # Unchanged files are not rewritten; an edit replaces rows; a deletion drops them.
    again = _ingest(engine, repo)
    assert again.owner_rows is None
    assert "owner files .github/CODEOWNERS, docs/Maintainers.md: unchanged" in again.summary()
    repo.commit(
        "Move the owners",
        {".github/CODEOWNERS": "/lib/Dialect/Bufferization/ @bo-widget\n"},
        date="2025-10-03T10:00:00+00:00",
    )
    assert _ingest(engine, repo).owner_rows == 1
    assert _rows(engine) == {
        (".github/CODEOWNERS", "lib/Dialect/Bufferization/**", "bo-widget"),
        ("docs/Maintainers.md", "docs/**", "bo-widget"),
    }
    repo.commit("No more owners", {".github/CODEOWNERS": None, "docs/Maintainers.md": None})
    assert _ingest(engine, repo).owner_rows == 0
    assert _rows(engine) == set()


def test_a_forgotten_owner_is_not_stored_and_odd_files_are_refused_in_one_line(
    engine: Engine, tmp_path: Path
) -> None:
    repo = _repo(tmp_path)
    _ingest(engine, repo)
    with Session(engine) as session:
        ada = session.exec(select(Person).where(Person.name == "Ada Quill")).one()
        assert ada.id is not None
        forget(session, f"#{ada.id}", actor="test")
        session.commit()
    assert ("docs/Maintainers.md", "docs/**", "bo-widget") in _rows(engine)
    assert not {row for row in _rows(engine) if row[2] == "ada-quill"}
    repo.commit(
        "Owners again, and two files that are no owner files",
        {
            ".github/CODEOWNERS": "/lib/ @ada-quill @bo-widget\n",
            "tools/MAINTAINERS": b"\x00\x01binary" * 10,
            "lib/Maintainers.md": "# Huge\n" + "@bo-widget\n" * 500_000,
        },
    )
    stats = _ingest(engine, repo)
    assert {row[2] for row in _rows(engine)} == {"bo-widget"}  # forgotten stays forgotten
    assert "tools/MAINTAINERS is binary: not read" in stats.problems
    assert "lib/Maintainers.md is over 4 MB: not read" in stats.problems

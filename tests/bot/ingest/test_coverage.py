"""Topic coverage after an ingest: counted from the store, and warned about with the reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.ingest.coverage import LOW_MINIMUM, TopicCoverage, topic_coverage
from bot.ingest.git import ingest_git
from bot.store.writes import upsert_repo
from bot.taxonomy.model import Taxonomy, default_taxonomy, parse_taxonomy
from tests.support.git_repos import GitRepo, llvm_like_repo, unrelated_repo

# One ecosystem that lists the repository but has no topic for its folders, one whose scope
# leaves its folders out.
OWN_TAXONOMY = parse_taxonomy(
    """
version: 1
ecosystems:
  widgets:
    name: Widgets
    repos: [example-org/widgets]
    topics:
      docs: {name: Documentation, paths: ["docs/**"]}
  gadgets:
    name: Gadgets
    repos: [example-org/gadgets]
    paths: ["core/**"]
    topics:
      core: {name: Core, paths: ["core/**"]}
""",
    "own.yml",
)


def _ingest(
    engine: Engine, git: GitRepo, name: str, ecosystem: str, taxonomy: Taxonomy
) -> TopicCoverage:
    with Session(engine) as session:
        repo = upsert_repo(session, name, ecosystem, tracked=False)
        session.commit()
        stats = ingest_git(session, taxonomy, repo, git.path)
        assert stats.coverage is not None
        # What ingest reports is what the store holds, counted again from scratch.
        assert stats.coverage == topic_coverage(session, taxonomy, repo)
        return stats.coverage


def test_an_llvm_like_history_is_mostly_in_a_topic(engine: Engine, tmp_path: Path) -> None:
    git = llvm_like_repo(tmp_path / "llvm-project")
    coverage = _ingest(engine, git, "llvm/llvm-project", "mlir", default_taxonomy())
    # 14 commits of four contributions each; the README fix is in no ecosystem's scope.
    assert (coverage.contributions, coverage.in_topic, coverage.in_ecosystem) == (56, 52, 52)
    assert coverage.summary() == "llvm/llvm-project: 52 of 56 contributions (93%) in a topic"
    assert not coverage.low
    assert coverage.warning() is None


def test_an_unrelated_layout_under_e_is_warned_about(engine: Engine, tmp_path: Path) -> None:
    git = unrelated_repo(tmp_path / "widgets")
    coverage = _ingest(engine, git, "example-org/widgets", "mlir", default_taxonomy())
    assert (coverage.contributions, coverage.in_topic, coverage.in_ecosystem) == (52, 0, 52)
    assert coverage.summary() == "example-org/widgets: 0 of 52 contributions (0%) in a topic"
    warning = coverage.warning()
    assert warning is not None
    assert warning.startswith("example-org/widgets: only 0% of its 52 contributions are in")
    assert "it is in no ecosystem's `repos`" in warning
    assert "'mlir' topic globs (from `-e`)" in warning
    assert "Free-word questions (`csf who WORDS`) still work" in warning
    assert "\n" not in warning


def test_a_listed_repository_whose_layout_no_topic_fits(engine: Engine, tmp_path: Path) -> None:
    git = unrelated_repo(tmp_path / "widgets")
    coverage = _ingest(engine, git, "example-org/widgets", "widgets", OWN_TAXONOMY)
    assert (coverage.in_topic, coverage.in_ecosystem, coverage.listed) == (0, 52, True)
    assert "no 'widgets' topic has `paths`, `labels` or `keywords`" in (coverage.warning() or "")


def test_a_listed_repository_whose_work_is_out_of_scope(engine: Engine, tmp_path: Path) -> None:
    git = unrelated_repo(tmp_path / "gadgets")
    coverage = _ingest(engine, git, "example-org/gadgets", "gadgets", OWN_TAXONOMY)
    assert (coverage.in_topic, coverage.in_ecosystem) == (0, 0)
    assert "outside the `paths`, `labels` and `keywords` that scope 'gadgets'" in (
        coverage.warning() or ""
    )


def test_an_ecosystem_the_taxonomy_no_longer_has(engine: Engine, tmp_path: Path) -> None:
    """Stored under an ecosystem of an earlier taxonomy file: nothing can tag its work."""
    git = unrelated_repo(tmp_path / "other")
    coverage = _ingest(engine, git, "example-org/other", "mlir", OWN_TAXONOMY)
    assert (coverage.in_topic, coverage.in_ecosystem, coverage.known_ecosystem) == (0, 0, False)
    warning = coverage.warning() or ""
    assert "its ecosystem 'mlir' is not in the taxonomy" in warning
    assert "`--full -e ECOSYSTEM`" in warning


def test_a_short_history_is_too_little_to_warn_about(engine: Engine, tmp_path: Path) -> None:
    git = unrelated_repo(tmp_path / "widgets", commits=3)
    coverage = _ingest(engine, git, "example-org/widgets", "mlir", default_taxonomy())
    assert coverage.contributions == 12 < LOW_MINIMUM
    assert (coverage.low, coverage.warning()) == (False, None)


def test_an_empty_repository_has_nothing_to_cover(engine: Engine, tmp_path: Path) -> None:
    coverage = _ingest(engine, GitRepo(tmp_path / "empty"), "example-org/e", "mlir", OWN_TAXONOMY)
    assert coverage.summary() == "example-org/e: 0 of 0 contributions (0%) in a topic"
    assert coverage.warning() is None


@pytest.mark.parametrize(
    ("in_topic", "contributions", "shown", "low"),
    [
        (1, 400, "(<1%)", True),  # a little is never rounded to nothing
        (19, 400, "(5%)", True),  # 4.75%: under the threshold, though shown rounded up
        (20, 400, "(5%)", False),
        (399, 400, "(>99%)", False),  # nor nearly all to all
        (1_234, 1_500, "1,234 of 1,500 contributions (82%)", False),
    ],
)
def test_shares_are_shown_honestly(
    in_topic: int, contributions: int, shown: str, low: bool
) -> None:
    coverage = TopicCoverage("llvm/example", "llvm", contributions, in_topic, 400, True, True)
    assert shown in coverage.summary()
    assert coverage.low is low
    assert coverage.as_dict()["low"] is low
    assert (coverage.as_dict()["warning"] is not None) is low

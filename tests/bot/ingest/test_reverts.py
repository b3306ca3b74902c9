"""Changes a later change reverted: on real git histories (`git revert`'s own commits), on
GitHub PRs synced from a GitHub-shaped server, and in a store ingested before csf knew them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.demo.github_server import PullRequest
from bot.ingest.git import ingest_git
from bot.ingest.retag import retag
from bot.ingest.reverts import mark_reverted, reverted_subject
from bot.ingest.tracking import upsert_repo
from bot.ranking.who import WhoAnswer, load_ranking_config, who
from bot.store.models import Contribution, Repo, StoreChange
from bot.taxonomy.model import default_taxonomy
from bot.taxonomy.question import read_query
from tests.support.git_repos import GitRepo
from tests.support.github_world import BUFFERIZATION, REPO, Harness, small_world

AS_OF = datetime(2026, 6, 1, tzinfo=UTC)
SETUP = ("Sam Setup", "sam@compilers.example")
RELANDER = ("Rae Reland", "rae@compilers.example")
STEADY = ("Sid Steady", "sid@compilers.example")
REVERTER = ("Bo Buildcop", "bo@compilers.example")
LOWERING = "lib/Conversion/TorchToLinalg/Linear.cpp"
BIG = "[TorchToLinalg] Lower convolutions"


def _when(month: int, day: int) -> str:
    return f"2026-{month:02d}-{day:02d}T10:00:00+00:00"


def _body(lines: int, tag: str) -> str:
    return "".join(f"{tag} {n}\n" for n in range(lines))


def _revert(repo: GitRepo, sha: str, month: int, day: int) -> None:
    """`git revert` itself, so the title and body are git's own (`Revert "<subject>"`)."""
    name, email = REVERTER
    when = _when(month, day)
    env: dict[str, str | bytes] = {
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_AUTHOR_DATE": when,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
        "GIT_COMMITTER_DATE": when,
    }
    repo.git("-c", "revert.reference=false", "revert", "--no-edit", sha, env=env)


def _ingest(engine: Engine, path: Path) -> None:
    with Session(engine) as session:
        repo = upsert_repo(session, "llvm/torch-mlir", "mlir", tracked=False)
        session.commit()
        ingest_git(session, default_taxonomy(), repo, path)
        session.commit()


def _natures(engine: Engine) -> dict[str, str | None]:
    with Session(engine) as session:
        rows = session.exec(
            select(Contribution.title, Contribution.nature).where(Contribution.kind == "commit")
        )
        return {title or "": nature for title, nature in rows}


def _ask(session: Session, words: str, **config: object) -> WhoAnswer:
    repos = [(r.full_name, r.ecosystem) for r in session.exec(select(Repo))]
    reading = read_query(default_taxonomy(), words.split(), repos)
    settings = {**load_ranking_config(), **config}
    return who(session, default_taxonomy(), reading, config=settings, as_of=AS_OF, cached=False)


@pytest.fixture
def relanded(tmp_path: Path) -> tuple[GitRepo, str]:
    """A 600-line change landed, reverted by `git revert` and landed again; beside it, two
    300-line changes by someone else in the same file."""
    repo = GitRepo(tmp_path / "torch-mlir")
    repo.commit(
        "[TorchToLinalg] Start", {LOWERING: _body(20, "start")}, author=SETUP, date=_when(1, 5)
    )
    first = repo.commit(BIG, {LOWERING: _body(620, "conv")}, author=RELANDER, date=_when(2, 2))
    _revert(repo, first, 2, 3)
    repo.commit(
        f'Reland "{BIG}"', {LOWERING: _body(620, "conv")}, author=RELANDER, date=_when(2, 9)
    )
    pools = ""
    for n, month in enumerate((3, 4)):
        pools += _body(300, f"pool{n}")
        repo.commit(
            f"[TorchToLinalg] Lower pooling {n}",
            {LOWERING: _body(620, "conv") + pools},
            author=STEADY,
            date=_when(month, 1),
        )
    return repo, first


def test_a_change_landed_reverted_and_landed_again_counts_once(
    engine: Engine, relanded: tuple[GitRepo, str]
) -> None:
    repo, _ = relanded
    _ingest(engine, repo.path)
    natures = _natures(engine)
    assert natures[BIG] == "reverted"
    assert natures[f'Revert "{BIG}"'] == "revert"
    assert natures[f'Reland "{BIG}"'] is None
    with Session(engine) as session:
        answer = _ask(session, "torch-mlir torchtolinalg")
        names = [r.person["name"] for r in answer.results]
        # Counted at both landings, the relanded change outweighed two changes of 300 lines.
        assert names.index("Sid Steady") < names.index("Rae Reland")
        rae = next(r for r in answer.results if r.person["name"] == "Rae Reland")
        # The evidence says why the first landing weighs little.
        (reverted,) = [e for e in rae.evidence if e.title == BIG]
        assert reverted.nature == "reverted"
        assert reverted.nature_why == "a later change reverted it"


def test_a_revert_reverted_in_its_turn_brings_the_change_back(
    engine: Engine, tmp_path: Path
) -> None:
    repo = GitRepo(tmp_path / "torch-mlir")
    first = repo.commit(BIG, {LOWERING: _body(300, "conv")}, author=RELANDER, date=_when(2, 2))
    _revert(repo, first, 2, 3)
    _ingest(engine, repo.path)
    assert _natures(engine)[BIG] == "reverted"
    # Written out: git before 2.43 titles it so; later ones write `Reapply "..."` (below).
    again = f'Revert "Revert "{BIG}""'
    repo.commit(again, {LOWERING: _body(300, "conv")}, author=REVERTER, date=_when(2, 4))
    _ingest(engine, repo.path)  # a later ingest takes the mark off
    natures = _natures(engine)
    assert natures[BIG] is None
    assert natures[f'Revert "{BIG}"'] == "revert"
    assert natures[again] == "revert"


def test_a_reapplied_change_counts_at_its_new_landing(engine: Engine, tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "torch-mlir")
    first = repo.commit(BIG, {LOWERING: _body(300, "conv")}, author=RELANDER, date=_when(2, 2))
    _revert(repo, first, 2, 3)
    reapplied = f'Reapply "{BIG}"'
    repo.commit(reapplied, {LOWERING: _body(300, "conv")}, author=RELANDER, date=_when(2, 4))
    _ingest(engine, repo.path)
    natures = _natures(engine)
    assert natures[BIG] == "reverted"
    assert natures[reapplied] is None


def test_every_row_of_a_reverted_commit_is_marked(engine: Engine, tmp_path: Path) -> None:
    """A co-author's row is the same change: both are taken back, not whichever came last."""
    repo = GitRepo(tmp_path / "torch-mlir")
    message = f"{BIG}\n\nCo-authored-by: Cal Fictional <cal@compilers.example>"
    first = repo.commit(message, {LOWERING: _body(300, "conv")}, author=RELANDER, date=_when(2, 2))
    _revert(repo, first, 2, 3)
    _ingest(engine, repo.path)
    with Session(engine) as session:
        rows = session.exec(
            select(Contribution.external_id, Contribution.nature).where(Contribution.title == BIG)
        ).all()
    assert len(rows) == 2  # the author's and the co-author's
    assert {nature for _, nature in rows} == {"reverted"}


def test_nothing_is_written_when_nothing_changed(
    engine: Engine, relanded: tuple[GitRepo, str]
) -> None:
    """A second look at the same history writes nothing, so the score cache stands."""
    repo, _ = relanded
    _ingest(engine, repo.path)
    with Session(engine) as session:
        session.execute(sa.delete(StoreChange))
        session.commit()
        repo_id = session.exec(select(Repo.id)).one()
        assert repo_id is not None
        assert mark_reverted(session, repo_id) == 0
        session.commit()
        assert session.exec(select(StoreChange)).first() is None


def test_a_store_from_before_gets_its_marks_from_retag(
    engine: Engine, relanded: tuple[GitRepo, str]
) -> None:
    repo, _ = relanded
    _ingest(engine, repo.path)
    with Session(engine) as session:
        c = Contribution.__table__  # type: ignore[attr-defined]
        session.execute(sa.update(c).where(c.c.nature == "reverted").values(nature=None))
        session.commit()
        assert _natures(engine)[BIG] is None
        done = retag(session, default_taxonomy())
    assert _natures(engine)[BIG] == "reverted"
    assert done.reverted == 1
    assert done.summary().endswith("; 1 reverted-change mark set right")


@pytest.mark.parametrize(
    ("title", "subject"),
    [
        ('Revert "[mlir] Fold copies"', "[mlir] Fold copies"),
        ('Revert "Split images (#1329)" (#1604)', "Split images (#1329)"),  # squash-merged
        ('Back out "Add the tensor parser"', "Add the tensor parser"),
        ('Revert "Revert "[mlir] Fold copies""', 'Revert "[mlir] Fold copies"'),
        ('revert "lower-case"', "lower-case"),
        ("Revert [mlir] Fold copies", None),  # no subject named: nothing to find
        ('Revert partial "[mlir] Fold copies"', None),  # part of it stays
        ('Reland "[mlir] Fold copies"', None),
        (None, None),
    ],
)
def test_the_reverted_subject_is_read_as_the_tools_write_it(
    title: str | None, subject: str | None
) -> None:
    assert reverted_subject(title) == subject


@pytest.fixture
def harness(engine: Engine) -> Iterator[Harness]:
    with Harness(engine, small_world()) as running:
        yield running


def test_a_synced_pr_reverted_by_a_merged_revert_pr_is_marked(harness: Harness) -> None:
    """GitHub's revert button: `Revert "<title>"`, merged. An unmerged revert takes nothing
    back."""
    pulls = harness.world.repos[REPO].pulls
    original = pulls[0]

    def revert_pr(number: int, merged: bool, day: int) -> PullRequest:
        when = f"2026-02-{day:02d}T10:00:00Z"  # later than anything synced: the sync reads it
        return PullRequest(
            number,
            f'Revert "{original.title}"',
            "cyd-fictional",
            when,
            when,
            merged_at=when if merged else None,
            closed_at=when,
            state="MERGED" if merged else "CLOSED",
            additions=30,
            deletions=240,
            files=list(original.files),
        )

    def nature() -> str | None:
        with Session(harness.engine) as session:
            return session.exec(
                select(Contribution.nature).where(
                    Contribution.kind == "pr", Contribution.external_id == "1"
                )
            ).one()

    pulls.append(revert_pr(50, merged=False, day=20))
    harness.sync()
    assert nature() is None
    pulls.append(revert_pr(51, merged=True, day=21))
    harness.sync()
    assert nature() == "reverted"


def test_a_revert_pushed_as_a_commit_marks_the_pr_it_landed_through(
    harness: Harness, tmp_path: Path
) -> None:
    """A store with both sources counts a squash-merged commit as its PR (`counted_once`); a
    revert pushed straight to the branch names the commit's title, `X (#1)`."""
    harness.sync()
    title = harness.world.repos[REPO].pulls[0].title
    repo = GitRepo(tmp_path / "llvm-project")
    first = repo.commit(
        f"{title} (#1)", {BUFFERIZATION: _body(240, "fold")}, author=RELANDER, date=_when(1, 7)
    )
    _revert(repo, first, 1, 9)
    with Session(harness.engine) as session:
        stored = session.exec(select(Repo).where(Repo.full_name == REPO)).one()
        ingest_git(session, default_taxonomy(), stored, repo.path)
        session.commit()
        pr = session.exec(
            select(Contribution.nature).where(
                Contribution.kind == "pr", Contribution.external_id == "1"
            )
        ).one()
    assert pr == "reverted"
    assert _natures(harness.engine)[f"{title} (#1)"] == "reverted"


def test_a_revert_of_a_change_with_a_huge_subject_line(engine: Engine, tmp_path: Path) -> None:
    """A subject line has no limit in git; PostgreSQL's index entries do (2,704 bytes)."""
    repo = GitRepo(tmp_path / "torch-mlir")
    # Hashes, not a repeated word: PostgreSQL compresses an index entry before it measures it.
    hashes = (hashlib.sha256(str(n).encode()).hexdigest() for n in range(150))
    subject = "[TorchToLinalg] " + " ".join(hashes)  # about 9,700 characters
    first = repo.commit(subject, {LOWERING: _body(300, "conv")}, author=RELANDER, date=_when(2, 2))
    _revert(repo, first, 2, 3)
    _ingest(engine, repo.path)
    assert _natures(engine)[subject] == "reverted"


def test_githubs_revert_button_names_the_pr_not_the_squashed_commit(
    engine: Engine, tmp_path: Path
) -> None:
    """Git history alone: the squashed change is `X (#12)`, the revert button's PR is titled
    `Revert "X"` and squashes to `Revert "X" (#15)`. A title named exactly still comes first."""
    repo = GitRepo(tmp_path / "torch-mlir")
    repo.commit(f"{BIG} (#12)", {LOWERING: _body(300, "conv")}, author=RELANDER, date=_when(2, 2))
    repo.commit(
        f'Revert "{BIG}" (#15)', {LOWERING: _body(20, "start")}, author=REVERTER, date=_when(2, 3)
    )
    repo.commit("Tidy the lowering (#16)", {"README.md": "a\n"}, author=STEADY, date=_when(2, 4))
    repo.commit("Tidy the lowering (#20)", {"README.md": "b\n"}, author=SETUP, date=_when(2, 5))
    repo.commit(
        'Revert "Tidy the lowering (#16)" (#21)',
        {"README.md": "c\n"},
        author=REVERTER,
        date=_when(2, 6),
    )
    _ingest(engine, repo.path)
    natures = _natures(engine)
    assert natures[f"{BIG} (#12)"] == "reverted"
    assert natures["Tidy the lowering (#16)"] == "reverted"
    assert natures["Tidy the lowering (#20)"] is None  # the later one, but not the one named


def _history(repo: GitRepo, titles: list[str]) -> None:
    """One small commit per title, a day apart, each by the first author that fits it."""
    for day, title in enumerate(titles, start=1):
        author = REVERTER if title.startswith("Revert") else RELANDER
        repo.commit(title, {f"notes/{day}.txt": f"{day}\n"}, author=author, date=_when(3, day))


@pytest.mark.parametrize(
    ("titles", "reverted"),
    [
        # A reland squash-merged, then reverted by the button: the reland is taken back.
        (['X (#100)', 'Revert "X (#100)" (#110)', 'Reland "X (#100)" (#200)',
          'Revert "Reland "X (#100)"" (#210)'], {"X (#100)", 'Reland "X (#100)" (#200)'}),
        # Reverted, and that revert reverted: the change is back.
        (['X (#100)', 'Revert "X (#100)" (#110)', 'Revert "Revert "X (#100)"" (#120)'], set()),
        # A subject that names a number names that change, never another one.
        (['Fix the lowering (#20)', 'Revert "Fix the lowering (#16)"'], set()),
        (['Fix build', 'Revert "Fix build (#16)"'], set()),
        # A title that only starts like the subject is another change.
        (['Support (#123) syntax in the parser', 'Revert "Support" (#5)'], set()),
        # The latest change so titled, pushed directly or squash-merged, before the revert only.
        (['Fix lint', 'Fix lint (#50)', 'Revert "Fix lint" (#51)', 'Fix lint (#52)'],
         {"Fix lint (#50)"}),
    ],
)  # fmt: skip
def test_which_change_a_revert_names(
    engine: Engine, tmp_path: Path, titles: list[str], reverted: set[str]
) -> None:
    repo = GitRepo(tmp_path / "torch-mlir")
    _history(repo, titles)
    _ingest(engine, repo.path)
    natures = _natures(engine)
    assert {title for title, nature in natures.items() if nature == "reverted"} == reverted

"""`forget` racing a writer: between a writer's batches or pages, and inside one of them.

A writer caches who is who across its transactions; a person forgotten between two of them must
stay forgotten (not re-created, no crash on a cached id), and everyone else's work must land as
if the person had been suppressed from the start.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from bot.errors import BusyError
from bot.ingest import git as git_ingest
from bot.ingest import pipeline
from bot.ingest.git import ingest_git
from bot.ingest.loop import RepoSynced, SyncRun, sync_tracked
from bot.ingest.sync import SyncProgress
from bot.people.privacy import forget
from bot.sources.github.records import GitHubSource
from bot.store import writes
from bot.store.engine import make_engine, upgrade
from bot.store.identity import email_key, login_key, suppression_hash
from bot.store.models import (
    CodeOwner,
    Contribution,
    ContributionTopic,
    Identity,
    Person,
    Repo,
    Suppression,
)
from bot.store.writes import upsert_repo
from bot.taxonomy.model import default_taxonomy
from tests.support.fake_github import Comment, Issue, User, World, generate_world
from tests.support.git_repos import GitRepo
from tests.support.github_world import REPO, Harness

BO = ("Bo Fictional", "bo@compilers.example")
BO_AGAIN = ("B. Fictional", "BO@compilers.example")  # the same address, spelled otherwise
CYD = ("Cyd Fictional", "cyd@compilers.example")
LINALG = "mlir/lib/Dialect/Linalg/Transforms/Tiling.cpp"


def _forget(engine: Engine, spec: str) -> None:
    """`csf people forget` as another process runs it: its own session and connection."""
    with Session(engine) as other:
        forget(other, spec, actor="test")
        other.commit()


def _refused_forget(engine: Engine, spec: str) -> str:
    """Forget from a session that gives up at once instead of waiting for a lock: why it did."""
    with _impatient(engine) as other, pytest.raises(OperationalError) as refused:
        forget(other, spec, actor="test")
    return str(refused.value.orig)


@contextmanager
def _impatient(engine: Engine) -> Iterator[Session]:
    """A session on the same store that gives up at once instead of waiting for a lock."""
    if engine.dialect.name == "sqlite":
        quick = make_engine(f"{engine.url}?timeout=0")
        try:
            with Session(quick) as session:
                yield session
        finally:
            quick.dispose()
        return
    with Session(engine) as session:
        session.execute(sa.text("SET LOCAL lock_timeout = '1ms'"))
        yield session


def _history(tmp_path: Path) -> GitRepo:
    """Six commits, two per batch: Bo writes, co-writes and reviews all through them."""
    repo = GitRepo(tmp_path / "r")
    repo.commit("[mlir] a0\n\nReviewed-by: Bo Fictional <bo@compilers.example>", {LINALG: "0\n"})
    repo.commit("[mlir] b1", {LINALG: "1\n"}, author=BO)
    repo.commit(
        "[mlir] a2\n\nCo-authored-by: Bo Fictional <bo@compilers.example>\n"
        "Reviewed-by: Cyd Fictional <cyd@compilers.example>",
        {LINALG: "2\n"},
    )
    repo.commit("[mlir] b3", {LINALG: "3\n"}, author=BO_AGAIN)
    repo.commit("[mlir] a4\n\nReviewed-by: Bo Fictional <bo@compilers.example>", {LINALG: "4\n"})
    repo.commit("[mlir] b5", {LINALG: "5\n"}, author=BO)
    return repo


def _git_rows(engine: Engine) -> list[tuple[str, str | None, str | None]]:
    """(kind, title, person's name) of every stored contribution."""
    with Session(engine) as session:
        rows = session.exec(select(Contribution, Person).join(Person)).all()
        return sorted((c.kind, c.title, p.name) for c, p in rows)


def _ingest(engine: Engine, path: Path, **options: Any) -> git_ingest.GitIngestStats:
    with Session(engine) as session:
        repo = session.exec(select(Repo)).first() or upsert_repo(
            session, "llvm/llvm-project", "mlir", tracked=False
        )
        return ingest_git(session, default_taxonomy(), repo, path, **options)


def _holds_bo(engine: Engine) -> list[int]:
    bo = email_key(BO[1])
    with Session(engine) as session:
        return list(
            session.exec(
                select(Identity.person_id).where(
                    Identity.kind == bo.kind.value, Identity.value == bo.value
                )
            )
        )


AFTER_BO_IS_FORGOTTEN = [
    ("commit", "[mlir] a0", "Ada Fictional"),
    ("commit", "[mlir] a2", "Ada Fictional"),
    ("commit", "[mlir] a4", "Ada Fictional"),
    ("review", "[mlir] a2", "Cyd Fictional"),
]


def test_forget_between_git_batches_keeps_the_person_out(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = _history(tmp_path)
    monkeypatch.setattr(git_ingest, "BATCH", 2)
    forgotten = []

    def forget_bo_after_the_first_batch(commits: int) -> None:
        if commits == 2:
            assert _holds_bo(engine)  # Bo is in the store, and cached by the ingest
            _forget(engine, BO[1])
            forgotten.append(commits)

    stats = _ingest(engine, repo.path, on_progress=forget_bo_after_the_first_batch)
    assert forgotten == [2]
    assert stats.commits == 6
    assert _holds_bo(engine) == []
    # Bo's later commit under another spelling of the name is not a new person either.
    assert _git_rows(engine) == AFTER_BO_IS_FORGOTTEN
    with Session(engine) as session:
        names = sorted(p.name or "" for p in session.exec(select(Person)))
        keys = {c.identity_key for c in session.exec(select(Contribution))}
    assert names == ["Ada Fictional", "Cyd Fictional"]
    assert str(email_key(BO[1])) not in keys


def test_forget_waits_for_a_git_batch_being_written(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Inside a batch's transaction (people checked, rows not yet written) no forget lands:
    it waits for the commit, so the check the batch made still holds when it writes.

    The last batch (a4, b5) finds everyone in the cache: it writes nothing before its rows."""
    repo = _history(tmp_path)
    monkeypatch.setattr(git_ingest, "BATCH", 2)
    original = git_ingest.upsert_contributions
    attempts: list[str] = []

    def upsert_while_someone_forgets(session: Session, records: Any) -> list[int]:
        if len(attempts) == 0 and any(r.title == "[mlir] b5" for r in records):
            attempts.append(_refused_forget(engine, BO[1]))
        return original(session, records)

    monkeypatch.setattr(git_ingest, "upsert_contributions", upsert_while_someone_forgets)
    _ingest(engine, repo.path)
    assert len(attempts) == 1
    assert "lock" in attempts[0]  # "database is locked" / "canceling statement due to lock timeout"
    with Session(engine) as session:
        assert session.exec(select(Suppression)).all() == []  # the refused forget left nothing
    _forget(engine, BO[1])
    assert _holds_bo(engine) == []
    assert _git_rows(engine) == AFTER_BO_IS_FORGOTTEN


# -- GitHub sync ----------------------------------------------------------------------------------

VICTIM = "grace-fictional"


def _world() -> World:
    """Three pages of PRs, issues and comments; the victim writes and reviews on every page,
    owns a path, and comments."""
    world = generate_world(pulls=250, reviews_per_pull=2, people=6, full_name=REPO, seed=3)
    world.users[VICTIM] = User(VICTIM, name="Grace Fictional", location="Edinburgh")
    repo = world.repo(REPO)
    for pr in repo.pulls:
        if pr.number % 7 == 0:
            pr.author = VICTIM
        elif pr.number % 5 == 0:
            pr.reviews[0].author = VICTIM
    repo.issues = [
        Issue(
            1000 + i,
            f"Issue {i}",
            VICTIM if i % 3 == 0 else "ada-fictional",
            f"2026-03-01T10:{i:02d}:00Z",
            f"2026-03-01T10:{i:02d}:00Z",
        )
        for i in range(20)
    ]
    repo.comments = [
        Comment(
            9000 + i,
            1000 + i,
            VICTIM if i % 2 else "ada-fictional",
            f"2026-03-02T10:{i:02d}:00Z",
            f"2026-03-02T10:{i:02d}:00Z",
        )
        for i in range(10)
    ]
    world.users["ada-fictional"] = User("ada-fictional", location="Cambridge, UK")
    repo.files = {".github/CODEOWNERS": f"/mlir/ @{VICTIM} @ada-fictional\n"}
    return world


def _snapshot(engine: Engine) -> dict[str, Any]:
    with Session(engine) as session:
        logins = {p.id: p.login for p in session.exec(select(Person))}
        contributions = list(session.exec(select(Contribution)))
        by_id = {c.id: (c.kind, c.external_id) for c in contributions}
        return {
            "people": sorted((p.login, p.location) for p in session.exec(select(Person))),
            "identities": sorted((i.kind, i.value) for i in session.exec(select(Identity))),
            "contributions": sorted(
                (c.kind, c.external_id, logins[c.person_id], c.state) for c in contributions
            ),
            "topics": sorted(
                (by_id[t.contribution_id], t.topic) for t in session.exec(select(ContributionTopic))
            ),
            "owners": sorted((o.pattern, o.owner_value) for o in session.exec(select(CodeOwner))),
        }


def test_forget_between_sync_pages_keeps_the_person_out(engine: Engine, tmp_path: Path) -> None:
    reference = make_engine(f"sqlite:///{tmp_path / 'reference.db'}")
    upgrade(reference)
    with Session(reference) as session:
        session.add(Suppression(identity_hash=suppression_hash(login_key(VICTIM))))
        session.commit()
    with Harness(reference, _world()) as h:
        h.sync()
    expected = _snapshot(reference)
    reference.dispose()
    assert VICTIM not in {login for login, _ in expected["people"]}
    assert len({c[1] for c in expected["contributions"] if c[0] == "pr"}) > 200

    stages: list[tuple[str, int]] = []
    with Harness(engine, _world()) as h:

        def forget_after_the_first_page(event: SyncProgress) -> None:
            stages.append((event.stage, event.pages))
            if event.pages == 1:
                with Session(engine) as session:
                    assert session.exec(select(Person).where(Person.login == VICTIM)).one()
                _forget(engine, VICTIM)

        h.sync(on_progress=forget_after_the_first_page)
        requested = [r.path for r in h.server.log]
    assert stages[:3] == [("pull requests", 1), ("pull requests", 2), ("pull requests", 3)]
    assert _snapshot(engine) == expected
    assert f"/users/{VICTIM}" not in requested


def test_forget_waits_for_a_sync_page_being_written(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second page of PRs names only people seen before: nothing is written before its
    rows, yet a forget still waits for the page's commit."""
    original = pipeline.upsert_contributions
    pages: list[int] = []
    attempts: list[str] = []

    def upsert_while_someone_forgets(session: Session, records: Any) -> list[int]:
        if any(r.kind == "pr" for r in records):
            pages.append(len(records))
        if len(pages) == 2 and not attempts:
            attempts.append(_refused_forget(engine, VICTIM))
        return original(session, records)

    monkeypatch.setattr(pipeline, "upsert_contributions", upsert_while_someone_forgets)
    with Harness(engine, _world()) as h:
        h.sync()
    assert len(attempts) == 1
    assert "lock" in attempts[0]
    _forget(engine, VICTIM)
    snapshot = _snapshot(engine)
    assert VICTIM not in {login for login, _ in snapshot["people"]}
    assert not [c for c in snapshot["contributions"] if c[2] == VICTIM]


# -- two writers of one repository ----------------------------------------------------------------


def test_a_second_ingest_of_a_repository_says_one_is_running(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = _history(tmp_path)
    other = GitRepo(tmp_path / "other")
    other.commit("[mlir] elsewhere", {LINALG: "x\n"}, author=CYD)
    monkeypatch.setattr(git_ingest, "BATCH", 2)
    refused: list[str] = []

    def second_ingest_while_the_first_runs(commits: int) -> None:
        if commits != 2:
            return
        with Session(engine) as session:
            same = upsert_repo(session, "LLVM/llvm-project", "mlir", tracked=False)
            with pytest.raises(BusyError) as busy:
                ingest_git(session, default_taxonomy(), same, repo.path, full=True)
            refused.append(str(busy.value))
            # Another repository is not held up.
            elsewhere = upsert_repo(session, "example-org/other", "mlir", tracked=False)
            assert ingest_git(session, default_taxonomy(), elsewhere, other.path).commits == 1

    stats = _ingest(engine, repo.path, on_progress=second_ingest_while_the_first_runs)
    assert refused == [
        "another ingest of llvm/llvm-project is running: try again when it has finished"
    ]
    assert stats.commits == 6
    assert _ingest(engine, repo.path).commits == 0  # let go: the next one runs (nothing new)
    with Session(engine) as session:
        shas = [c.external_id for c in session.exec(select(Contribution)) if c.kind == "commit"]
    assert len(shas) == len(set(shas)) == 8  # six commits, a co-author of one, one elsewhere


def test_a_repository_another_process_syncs_is_skipped(engine: Engine) -> None:
    outcomes: list[RepoSynced] = []
    with Harness(engine, _world()) as h:

        def sync(on_progress: Any = None) -> SyncRun:
            with Session(engine) as session, h.http() as http:
                return sync_tracked(
                    session,
                    GitHubSource(http),
                    default_taxonomy(),
                    refresh=lambda _: "refreshed",
                    clock=h.clock.datetime,
                    on_repo=outcomes.append,
                    on_progress=on_progress,
                )

        def second_sync_while_the_first_runs(event: SyncProgress) -> None:
            if event.pages == 1:
                second = sync()
                assert (second.busy, second.failed) == ([REPO], [])

        first = sync(second_sync_while_the_first_runs)
        assert (first.busy, first.failed) == ([], [])
        third = sync()  # let go: the next one runs
        assert third.busy == []
    assert [(o.repo, o.busy, o.stats is not None) for o in outcomes] == [
        (REPO, True, False),
        (REPO, False, True),
        (REPO, False, True),
    ]


def test_two_processes_adding_one_repository_share_its_row(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both looked for it before either stored it: the second store finds the first's row."""
    with Session(engine) as first:
        upsert_repo(first, "example-org/shared", "mlir", tracked=False)
        first.commit()
    monkeypatch.setattr(writes, "find_repo", _missing_once(writes.find_repo))
    with Session(engine) as second:
        repo = upsert_repo(second, "example-org/shared", "mlir", tracked=False)
        second.commit()
        assert repo.full_name == "example-org/shared"
        assert len(second.exec(select(Repo)).all()) == 1


def _missing_once(find: Any) -> Any:
    """`find_repo` that answers "none" the first time, as it did before the other process
    stored the row."""
    calls: list[str] = []

    def find_repo(session: Session, full_name: str) -> Repo | None:
        calls.append(full_name)
        return None if len(calls) == 1 else find(session, full_name)

    return find_repo

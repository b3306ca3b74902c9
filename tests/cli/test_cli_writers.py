"""Two `csf` processes writing one store at once, as people (and cron) start them.

The schedule of two real processes is not chosen here, so each test asserts what must hold
whichever way they interleave, over several rounds: no traceback, a documented answer from a
process that yields to another (exit status 75), and a store holding each commit once.
"""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.ingest import git as git_ingest
from bot.store.identity import email_key
from bot.store.locks import job_lock
from bot.store.models import Contribution, Identity, Person, Repo, SyncCursor
from tests.support.cli import (
    csf,
    csf_on_cue,
    csf_start,
    csf_together,
    database_url,
    finished,
)
from tests.support.fake_github import TOKEN, FakeGitHub
from tests.support.git_repos import GitRepo
from tests.support.github_world import REPO, small_world

BUSY = 75
ROUNDS = 3
COMMITS = 300
NAME = "example-org/compiler"


def _history(path: Path, round_: int, commits: int = COMMITS) -> GitRepo:
    """Commits by five people new to the store, every third one co-authored."""
    people = [(f"Au{round_}x{n} Fictional", f"au{round_}x{n}@compilers.example") for n in range(5)]
    repo = GitRepo(path)
    repo.many(
        [
            (
                f"[mlir] change {i}"
                + (
                    f"\n\nCo-authored-by: {people[(i + 1) % 5][0]} <{people[(i + 1) % 5][1]}>"
                    if i % 3 == 0
                    else ""
                ),
                people[i % 5],
            )
            for i in range(commits)
        ],
        path="mlir/lib/Dialect/Linalg/Transforms/Tiling.cpp",
    )
    return repo


def _commit_rows(engine: Engine, full_name: str) -> list[str]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(Contribution.external_id)
                .join(Repo)
                .where(Repo.full_name == full_name, Contribution.kind == "commit")
            )
        )


def _no_traceback(*results: object) -> None:
    for result in results:
        assert "Traceback" not in result.stderr, result.stderr  # type: ignore[attr-defined]


def test_two_ingests_of_one_repository_at_once(engine: Engine, tmp_path: Path) -> None:
    env = {"CSF_DATABASE_URL": database_url(engine)}
    for round_ in range(ROUNDS):
        name = f"example-org/race-{round_}"
        repo = _history(tmp_path / f"r{round_}", round_)
        command = ["ingest", "git", str(repo.path), "--repo", name, "-e", "mlir"]
        results = csf_together(tmp_path, command, command, **env)
        _no_traceback(*results)
        codes = sorted(r.returncode for r in results)
        assert codes in ([0, 0], [0, BUSY]), [r.stderr for r in results]
        for result in results:
            if result.returncode == BUSY:
                assert result.stderr.strip() == (
                    f"csf: another ingest of {name} is running: try again when it has finished"
                )
        rows = _commit_rows(engine, name)
        shas = set(repo.git("rev-list", "HEAD").split())
        assert len(rows) == len(set(rows)) == COMMITS + COMMITS // 3
        assert {row for row in rows if ":" not in row} == shas


def test_forget_while_an_ingest_runs(engine: Engine, tmp_path: Path) -> None:
    """`csf people forget` let go once the ingest has committed the first of its three
    batches, so it lands while the ingest runs (the person is already in the store, and in its
    cache). The person is gone and everyone else's work is in, once.
    """
    env = {"CSF_DATABASE_URL": database_url(engine)}
    commits = 3 * git_ingest.BATCH
    repo = _history(tmp_path / "r", 0, commits)
    victim = "au0x1@compilers.example"
    cue = tmp_path / "go"
    forget = csf_on_cue(tmp_path, cue, "people", "forget", victim, "--yes", **env)
    ingest = csf_start(
        tmp_path, "ingest", "git", str(repo.path), "--repo", NAME, "-e", "mlir", **env
    )
    while ingest.poll() is None and not _cursor(engine):
        time.sleep(0.05)
    cue.touch()
    results = [finished(ingest), finished(forget)]
    _no_traceback(*results)
    assert [r.returncode for r in results] == [0, 0], [r.stderr for r in results]
    key = email_key(victim)
    with Session(engine) as session:
        assert not session.exec(select(Identity).where(Identity.value == key.value)).all()
        assert not session.exec(
            select(Contribution).where(Contribution.identity_key == str(key))
        ).all()
        names = {p.name for p in session.exec(select(Person))}
    assert "Au0x1 Fictional" not in names
    rows = _commit_rows(engine, NAME)
    # Everyone else's commits, and their co-authorships, whoever wrote the commit.
    authored = [i for i in range(commits) if i % 5 != 1]
    co_authored = [i for i in range(0, commits, 3) if (i + 1) % 5 != 1]
    assert len(rows) == len(set(rows)) == len(authored) + len(co_authored)


def _cursor(engine: Engine) -> bool:
    """Whether the ingest of NAME has committed a batch."""
    with Session(engine) as session:
        return (
            session.exec(
                select(SyncCursor)
                .join(Repo)
                .where(Repo.full_name == NAME, SyncCursor.source == "git")
            ).first()
            is not None
        )


def test_an_ingest_of_a_repository_being_ingested_exits_75(engine: Engine, tmp_path: Path) -> None:
    repo = _history(tmp_path / "r", 0)
    env = {"CSF_DATABASE_URL": database_url(engine)}
    command = ["ingest", "git", str(repo.path), "--repo", "torvalds/linux"]
    with job_lock(engine, "ingest git torvalds/linux") as held:
        assert held
        refused = csf(tmp_path, *command, **env)
    assert refused.returncode == BUSY
    assert refused.stderr.strip() == (
        "csf: another ingest of torvalds/linux is running: try again when it has finished"
    )
    assert _commit_rows(engine, "torvalds/linux") == []
    assert csf(tmp_path, *command, **env).returncode == 0


def test_a_sync_of_a_repository_being_synced_exits_75(engine: Engine, tmp_path: Path) -> None:
    env = {"CSF_DATABASE_URL": database_url(engine), "GITHUB_TOKEN": TOKEN}
    assert csf(tmp_path, "track", "add", REPO, **env).returncode == 0
    with FakeGitHub(small_world()) as server, job_lock(engine, f"sync {REPO}") as held:
        assert held
        refused = csf(tmp_path, "sync", GITHUB_API_URL=server.url, **env)
        requested = [r.path for r in server.log]
    assert refused.returncode == BUSY
    assert [line for line in refused.stderr.splitlines() if line.strip()] == [
        f"csf: another sync of {REPO} is running; skipped",
        f"csf: not synced, another sync is running: {REPO}",
    ]
    assert not [path for path in requested if "graphql" in path]
    with Session(engine) as session:
        assert not session.exec(select(Contribution).where(col(Contribution.id).is_not(None))).all()

"""A small fictional GitHub world served by the fake GitHub, and a harness that syncs it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.ingest.sync import GitHubSync, SyncProgress, SyncStats
from bot.sources.github.http import GitHubHTTP
from bot.sources.github.records import GitHubSource
from bot.store.models import (
    Repo,
)
from bot.store.writes import upsert_repo
from bot.taxonomy.model import default_taxonomy
from tests.support.fake_github import (
    TOKEN,
    Comment,
    FakeClock,
    FakeGitHub,
    Issue,
    PullRequest,
    Review,
    User,
    World,
)

REPO = "llvm/llvm-project"
BUFFERIZATION = "mlir/lib/Dialect/Bufferization/Transforms/OneShotAnalysis.cpp"


def small_world() -> World:
    world = World()
    for user in (
        User(
            "ada-fictional",
            name="Ada Fictional",
            location="London, UK",
            company="@example-compilers",
            email="ada@compilers.example",
            bio="MLIR <!channel>",
        ),
        User("bo-fictional", name="Bo Fictional", location="Zürich"),
        User("cyd-fictional", name="Cyd Fictional"),
        User("grace-fictional", name="Grace Fictional", location="Edinburgh"),
        User("dependabot", type="Bot"),
    ):
        world.users[user.login] = user
    repo = world.repo(REPO)
    repo.pulls = [
        PullRequest(
            1,
            "[mlir][bufferization] Fold copies",
            "ada-fictional",
            "2026-01-05T10:00:00Z",
            "2026-01-07T10:00:00Z",
            merged_at="2026-01-07T10:00:00Z",
            closed_at="2026-01-07T10:00:00Z",
            additions=240,
            deletions=30,
            files=[BUFFERIZATION],
            labels=["mlir:bufferization"],
            reviews=[
                Review(101, "bo-fictional", "APPROVED", "2026-01-06T09:00:00Z"),
                Review(102, "ada-fictional", "COMMENTED", "2026-01-06T10:00:00Z"),
                Review(103, "cyd-fictional", "PENDING", None),
            ],
        ),
        PullRequest(
            2,
            "[AMDGPU] Large rework",
            "bo-fictional",
            "2026-01-10T10:00:00Z",
            "2026-01-12T10:00:00Z",
            merged_at="2026-01-12T10:00:00Z",
            closed_at="2026-01-12T10:00:00Z",
            additions=5000,
            deletions=4000,
            files=[f"llvm/lib/Target/AMDGPU/File{i}.cpp" for i in range(150)],
            reviews=[
                Review(200 + i, "cyd-fictional", "COMMENTED", "2026-01-11T09:00:00Z")
                for i in range(130)
            ],
        ),
        PullRequest(
            3,
            "Bump actions/checkout",
            "dependabot[bot]",
            "2026-01-15T10:00:00Z",
            "2026-01-15T11:00:00Z",
            state="OPEN",
            files=[".github/workflows/ci.yml"],
        ),
        PullRequest(
            4,
            "[mlir][linalg] Old change by a deleted account",
            None,
            "2026-01-16T10:00:00Z",
            "2026-01-16T12:00:00Z",
            state="CLOSED",
            closed_at="2026-01-16T12:00:00Z",
            files=["mlir/lib/Dialect/Linalg/X.cpp"],
            reviews=[Review(999, "ada-fictional", "CHANGES_REQUESTED", "2026-01-16T11:00:00Z")],
        ),
    ]
    repo.issues = [
        Issue(
            10,
            "[RFC] One-shot bufferization of tensor.pad",
            "grace-fictional",
            "2026-01-20T10:00:00Z",
            "2026-01-21T10:00:00Z",
            labels=["mlir:bufferization"],
        ),
        Issue(
            11,
            "Crash in linalg tiling",
            "cyd-fictional",
            "2026-01-22T10:00:00Z",
            "2026-01-22T10:00:00Z",
            labels=["mlir:linalg"],
        ),
    ]
    repo.comments = [
        Comment(9001, 10, "ada-fictional", "2026-01-21T10:00:00Z", "2026-01-21T10:00:00Z"),
        Comment(9002, 1, "grace-fictional", "2026-01-06T12:00:00Z", "2026-01-06T12:00:00Z"),
    ]
    repo.files = {
        ".github/CODEOWNERS": "# owners\n/mlir/lib/Dialect/Bufferization/ @ada-fictional\n"
        "*.td @example-org/tablegen\n",
        "mlir/Maintainers.md": "# MLIR maintainers\n\n### Bufferization\nAda Fictional \\\n"
        "[ada-fictional](https://github.com/ada-fictional) (GitHub)\n\n### Linalg\n@bo-fictional\n",
        "mlir/lib/CMakeLists.txt": "add_subdirectory(Dialect)\n",
        "llvm/README.txt": "LLVM\n",
    }
    return world


class Harness:
    """A fake GitHub, a migrated store and a sync wired together with one fake clock."""

    def __init__(self, engine: Engine, world: World, **server_options: Any) -> None:
        self.engine = engine
        self.world = world
        self.clock = FakeClock()
        self.server = FakeGitHub(world, clock=self.clock, **server_options)
        self.progress: list[SyncProgress] = []

    def __enter__(self) -> Harness:
        self.server.__enter__()
        with Session(self.engine) as session:
            upsert_repo(session, REPO, "mlir")
            session.commit()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.__exit__(*exc)

    def http(self, token: str = TOKEN, **options: Any) -> GitHubHTTP:
        return GitHubHTTP(
            self.server.url, token, clock=self.clock.time, sleep=self.clock.sleep, **options
        )

    def sync(self, token: str = TOKEN, on_progress: Any = None, **options: Any) -> SyncStats:
        with Session(self.engine) as session, self.http(token, **options) as http:
            runner = GitHubSync(
                session,
                GitHubSource(http),
                default_taxonomy(),
                clock=self.clock.datetime,
                on_progress=on_progress or self.progress.append,
            )
            repo = session.exec(select(Repo).where(Repo.full_name == REPO)).one()
            return runner.sync(repo)

"""The fake GitHub the tests use: the package's local GitHub server, and generated worlds.

The server itself lives in `bot/demo/github_server.py` (csf demo serves its sample world with
it); this module keeps the names tests and benchmarks import, and adds large generated worlds.

Also runnable on its own for the benchmark: `python tests/support/fake_github.py --prs 20000`.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

from bot.demo.github_server import (
    TOKEN,
    Comment,
    FakeClock,
    FakeGitHub,
    Issue,
    LoggedRequest,
    PullRequest,
    Repository,
    Review,
    User,
    World,
)

__all__ = [
    "TOKEN",
    "Comment",
    "FakeClock",
    "FakeGitHub",
    "Issue",
    "LoggedRequest",
    "PullRequest",
    "Repository",
    "Review",
    "User",
    "World",
    "generate_world",
]


# -- generated worlds (benchmarks, large tests) -----------------------------------------------

_SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ren",
    "tav",
    "os",
    "bel",
    "qui",
    "zan",
    "dor",
    "fe",
    "lin",
    "mar",
    "tis",
    "vo",
    "sel",
    "ny",
    "gar",
    "pel",
    "ith",
]
_PATHS = [
    "mlir/lib/Dialect/Bufferization/Transforms/OneShotAnalysis.cpp",
    "mlir/lib/Dialect/Linalg/Transforms/Tiling.cpp",
    "mlir/test/Dialect/Linalg/tile.mlir",
    "llvm/lib/Target/AMDGPU/SIISelLowering.cpp",
    "llvm/lib/Transforms/Vectorize/LoopVectorize.cpp",
    "llvm/test/CodeGen/RISCV/rvv/vadd.ll",
    "clang/lib/CodeGen/CGCall.cpp",
]


def _name(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(parts))


def generate_world(
    pulls: int,
    reviews_per_pull: int,
    *,
    people: int = 2000,
    seed: int = 7,
    full_name: str = "llvm/llvm-project",
    big_every: int = 0,
    big_files: int = 250,
) -> World:
    """A deterministic fictional repository of `pulls` PRs, each with `reviews_per_pull` reviews;
    with `big_every` N, every N-th PR touches `big_files` files (a sweeping change)."""
    rng = random.Random(seed)
    world = World()
    logins = []
    for i in range(people):
        login = f"{_name(rng, 2)}-{_name(rng, 2)}{i}"
        logins.append(login)
        world.users[login] = User(
            login,
            name=f"{_name(rng, 2).title()} {_name(rng, 3).title()}",
            location=rng.choice(["London", "Zurich", "Munich", "Paris", None]),
        )
    repo = world.repo(full_name)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    review_id = 1
    for number in range(1, pulls + 1):
        created = start + timedelta(minutes=20 * number)
        merged = created + timedelta(hours=rng.randint(1, 96))
        author = rng.choice(logins)
        reviews = []
        for _ in range(reviews_per_pull):
            reviewer = rng.choice(logins)
            when = created + timedelta(hours=rng.randint(1, 48))
            reviews.append(
                Review(
                    review_id,
                    reviewer,
                    rng.choice(["APPROVED", "COMMENTED", "CHANGES_REQUESTED"]),
                    when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                )
            )
            review_id += 1
        iso = "%Y-%m-%dT%H:%M:%SZ"
        repo.pulls.append(
            PullRequest(
                number=number,
                title=f"[mlir] change {number}",
                author=author,
                created_at=created.strftime(iso),
                updated_at=merged.strftime(iso),
                merged_at=merged.strftime(iso),
                closed_at=merged.strftime(iso),
                additions=rng.randint(1, 400),
                deletions=rng.randint(0, 100),
                files=(
                    [f"mlir/lib/Sweep/File{number}_{k}.cpp" for k in range(big_files)]
                    if big_every and number % big_every == 0
                    else rng.sample(_PATHS, rng.randint(1, 3))
                ),
                labels=["mlir"],
                reviews=reviews,
            )
        )
    return world


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Serve a generated fictional world until killed.")
    parser.add_argument("--prs", type=int, default=20000)
    parser.add_argument("--reviews-per-pr", type=int, default=3)
    parser.add_argument("--big-every", type=int, default=0)
    parser.add_argument("--big-files", type=int, default=250)
    args = parser.parse_args()
    world = generate_world(
        args.prs, args.reviews_per_pr, big_every=args.big_every, big_files=args.big_files
    )
    with FakeGitHub(world, core_limit=10**9, graphql_limit=10**9) as server:
        print(server.url, flush=True)
        while True:
            time.sleep(3600)

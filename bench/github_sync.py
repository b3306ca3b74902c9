"""Benchmark: sync a fictional world from the fake GitHub server into a fresh SQLite store.

Run by hand (not a test):  .venv/bin/python bench/github_sync.py [--prs 20000] [--reviews-per-pr 3]
`--sizes 5000,20000` runs each size in its own process and prints peak memory side by side, to
show that memory stays flat as the world grows (the sync streams page by page).

Prints PRs/s, requests used per 100 PRs (GraphQL pages, and everything including profiles, and
by kind), and the process's peak resident memory. `--big-every 100` makes 1% of the PRs touch
250 files, so their later pages of files are fetched too.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def run_one(prs: int, reviews_per_pr: int, big_every: int = 0) -> dict[str, Any]:
    from sqlmodel import Session

    from bot.ingest.sync import GitHubSync
    from bot.sources.github.http import GitHubHTTP
    from bot.sources.github.records import GitHubSource
    from bot.store.engine import make_engine, upgrade
    from bot.store.writes import upsert_repo
    from bot.taxonomy.model import default_taxonomy
    from tests.support.fake_github import TOKEN

    server = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "support" / "fake_github.py"), "--prs", str(prs),
         "--reviews-per-pr", str(reviews_per_pr), "--big-every", str(big_every)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        with tempfile.TemporaryDirectory() as folder:
            engine = make_engine(f"sqlite:///{folder}/bench.db")
            upgrade(engine)
            with Session(engine) as session, GitHubHTTP(url, TOKEN) as http:
                repo = upsert_repo(session, "llvm/llvm-project", "mlir")
                session.commit()
                runner = GitHubSync(session, GitHubSource(http), default_taxonomy())
                started, cpu_started = time.perf_counter(), time.process_time()
                stats = runner.sync(repo)
                elapsed = time.perf_counter() - started
                cpu = time.process_time() - cpu_started
                graphql_pages = http.graphql_cost
                kinds = dict(http.kinds)
            rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    finally:
        server.terminate()
        server.wait()
    return {
        "prs": prs,
        "reviews": stats.new.get("review", 0),
        "seconds": round(elapsed, 2),
        "prs_per_s": round(prs / elapsed, 1),
        # csf's own CPU time; the rest of the wall time is the fake server (one Python process).
        "client_cpu_seconds": round(cpu, 2),
        "client_cpu_ms_per_pr": round(1000 * cpu / prs, 2),
        "graphql_requests_per_100_prs": round(100 * graphql_pages / prs, 2),
        "all_requests_per_100_prs": round(100 * stats.requests / prs, 2),
        "requests": stats.requests,
        "requests_per_100_prs_by_kind": {
            kind: round(100 * n / prs, 2) for kind, n in sorted(kinds.items())
        },
        "profiles": stats.profiles,
        "peak_rss_mb": round(rss_mb, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--prs", type=int, default=20000)
    parser.add_argument("--reviews-per-pr", type=int, default=3)
    parser.add_argument(
        "--big-every", type=int, default=0, help="every N-th PR touches 250 files (100: 1%%)"
    )
    parser.add_argument("--sizes", help="comma-separated PR counts, each in its own process")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    if args.sizes:
        for size in args.sizes.split(","):
            out = subprocess.run(
                [sys.executable, __file__, "--prs", size, "--reviews-per-pr",
                 str(args.reviews_per_pr), "--json"],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            print(out.stdout.strip())
        return
    result = run_one(args.prs, args.reviews_per_pr, args.big_every)
    print(json.dumps(result) if args.json else "\n".join(f"{k}: {v}" for k, v in result.items()))


if __name__ == "__main__":
    main()

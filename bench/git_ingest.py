"""Benchmark: `csf ingest git` against raw `git log --numstat` on the same history.

Run by hand (not a test):  .venv/bin/python bench/git_ingest.py [--commits 20000] [--repo PATH]
                           .venv/bin/python bench/git_ingest.py --mirror PATH [--runs 3]
Without --repo it generates a fictional repository with `git fast-import` (seeded, so runs are
comparable). It times, in one run, `git log --numstat` of the whole history to /dev/null and a
fresh `csf ingest git` into SQLite, each the median of --runs runs, and prints both, the ratio
and the ingest process's peak memory. `--sizes 5000,20000,40000` runs each size in its own
process to show that memory stays flat as history grows. `--file-lines 400` gives the files
a realistic size, edited a few lines per commit (the default rewrites tiny files, which leaves
git almost no diffing to do and so measures csf's own overhead at its worst).

`--mirror PATH` times whole processes on a real repository (a mirror you fetched), interleaved
run by run: `csf ingest git` into a fresh SQLite store (migrated beforehand, untimed); the one
whole-history `git log` that prints exactly what csf parses (to /dev/null); plain
`git log --numstat`; and git alone as csf runs it (`git rev-list`, then the same `git log` over
batches of the commits, `PARALLEL_LOGS` ahead, so two cores diff side by side). It prints the
medians, csf's ratio to each, and peak memory: csf's own, and with the git it runs.
csf's bytecode (all its packages) is compiled first, as an installed csf has it: where
PYTHONDONTWRITEBYTECODE is set, each run (and its reader child) would otherwise compile csf's
modules again. `--since-years 1,3` adds runs that read only the last N years of history
(`--since`), to show peak memory flat in history length.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ["bot", "slackui", "handlers", "scheduler", "cli"]  # what pip installs
sys.path.insert(0, str(ROOT))

PATHS = [
    "mlir/lib/Dialect/Bufferization/Transforms/OneShotAnalysis.cpp",
    "mlir/lib/Dialect/Linalg/Transforms/Tiling.cpp",
    "mlir/lib/Dialect/Vector/Transforms/VectorUnroll.cpp",
    "mlir/test/Dialect/Linalg/tile.mlir",
    "llvm/lib/Target/AMDGPU/SIISelLowering.cpp",
    "llvm/lib/Target/RISCV/RISCVISelLowering.cpp",
    "llvm/lib/Transforms/Vectorize/LoopVectorize.cpp",
    "llvm/lib/CodeGen/SelectionDAG/DAGCombiner.cpp",
    "llvm/test/CodeGen/X86/avx512.ll",
    "kernel/sched/fair.c",
    "mm/slub.c",
    "docs/README.md",
]
SYLLABLES = ["ka", "lo", "mi", "ren", "tav", "os", "bel", "qui", "zan", "dor", "fe", "lin"]


def generate(path: Path, commits: int, seed: int = 11, file_lines: int = 0) -> None:
    """A linear history of `commits` commits by 500 fictional people, with review trailers.

    With `file_lines` 0 every commit rewrites tiny files (git's diff work is then almost nil);
    with `file_lines` N the files hold N lines and each commit edits a few of them, as changes
    to real compiler sources do, so `git log --numstat` does the diffing it does on a real
    history.
    """
    rng = random.Random(seed)
    files: dict[str, list[bytes]] = {
        p: [f"// {p} line {i}: some code here;\n".encode() for i in range(file_lines)]
        for p in PATHS
    }
    people = []
    for i in range(500):
        first = "".join(rng.choice(SYLLABLES) for _ in range(2)).title()
        name = f"{first} {''.join(rng.choice(SYLLABLES) for _ in range(3)).title()}"
        people.append((name, f"dev{i}@fictional-{i % 40}.example"))
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    process = subprocess.Popen(
        ["git", "-C", str(path), "fast-import", "--quiet"], stdin=subprocess.PIPE
    )
    assert process.stdin is not None
    write = process.stdin.write
    when = 1_700_000_000
    for number in range(1, commits + 1):
        when += rng.randint(60, 3600)
        name, email = rng.choice(people)
        reviewer = rng.choice(people)
        message = (
            f"[mlir] change {number} (#{number})\n\nSome explanation.\n\n"
            f"Reviewed-by: {reviewer[0]} <{reviewer[1]}>\n"
        )
        raw = message.encode()
        write(
            f"commit refs/heads/main\nauthor {name} <{email}> {when} +0000\n"
            f"committer {name} <{email}> {when} +0000\ndata {len(raw)}\n".encode()
        )
        write(raw)
        for file_path in rng.sample(PATHS, rng.randint(1, 4)):
            if file_lines:
                lines = files[file_path]
                for _ in range(rng.randint(1, 12)):
                    lines[rng.randrange(len(lines))] = (
                        f"  value{number} = {rng.random()};\n".encode()
                    )
                content = b"".join(lines)
            else:
                content = f"{number} {rng.random()}\n".encode() * rng.randint(1, 20)
            write(f"M 100644 inline {file_path}\ndata {len(content)}\n".encode())
            write(content + b"\n")
        write(b"\n")
    process.stdin.close()
    if process.wait() != 0:
        raise SystemExit("git fast-import failed")
    subprocess.run(["git", "-C", str(path), "reset", "-q", "--hard"], check=True)


def time_git_log(path: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        ["git", "-C", str(path), "log", "--numstat"], stdout=subprocess.DEVNULL, check=True
    )
    return time.perf_counter() - started


def time_ingest(path: Path, folder: Path, run: int) -> tuple[float, int]:
    from sqlmodel import Session

    from bot.ingest.git import ingest_git
    from bot.store.engine import make_engine, upgrade
    from bot.store.writes import upsert_repo
    from bot.taxonomy.model import default_taxonomy

    engine = make_engine(f"sqlite:///{folder}/ingest-{run}.db")
    upgrade(engine)
    with Session(engine) as session:
        repo = upsert_repo(session, "llvm/llvm-project", "mlir", tracked=False)
        session.commit()
        started = time.perf_counter()
        stats = ingest_git(session, default_taxonomy(), repo, path)
        elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed, stats.commits


def _timed(command: list[str], env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env
    )
    return time.perf_counter() - started


# Runs `csf` in this interpreter and, at exit, writes its own peak memory (RUSAGE_SELF: not the
# git processes it waits for, whose peak GNU time would report as the process's own).
_PEAK_WRAPPER = """
import atexit, resource, sys
out = sys.argv.pop(1)
atexit.register(lambda: open(out, "w").write(
    str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)))
from cli.main import main
sys.argv[0] = "csf"
main()
"""


def _ingest_process(
    mirror: Path, folder: Path, run: int, ecosystem: str, since: str | None = None
) -> tuple[float, float, float]:
    """(seconds, csf's own peak MB, the peak of csf and git together) of a whole
    `csf ingest git` process on a fresh, migrated store."""
    import os

    db = folder / f"mirror-{run}.db"
    env = {**os.environ, "CSF_DATABASE_URL": f"sqlite:///{db}"}
    migrate = [sys.executable, "-m", "cli", "migrate"]
    subprocess.run(migrate, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    report, own = folder / "time.txt", folder / "own.txt"
    command = ["/usr/bin/time", "-f", "%M", "-o", str(report), sys.executable, "-c"]
    command += [_PEAK_WRAPPER, str(own), "ingest", "git", str(mirror)]
    command += ["--repo", f"bench/{mirror.name}", "-e", ecosystem]
    if since:
        command += ["--since", since]
    elapsed = _timed(command, env)
    db.unlink()
    together = int(report.read_text().split()[-1]) / 1024
    return elapsed, int(own.read_text()) / 1024, together


def _git_as_csf_runs_it(mirror: Path) -> float:
    """`git rev-list` of the walk, then each batch's `git log` to /dev/null, as many at once as
    csf keeps running (the one it parses and those ahead): git's own share of an ingest."""
    from concurrent.futures import ThreadPoolExecutor

    from bot.sources import git

    started = time.perf_counter()
    log_command = git.log_command(mirror)
    walk = log_command[log_command.index("--no-merges") :]
    per_log = [*log_command[: log_command.index("--no-merges")], "--no-walk=unsorted", "--stdin"]

    def one(shas: list[str]) -> None:
        listed = "".join(f"{sha}\n" for sha in shas).encode("ascii")
        subprocess.run(per_log, input=listed, stdout=subprocess.DEVNULL, check=True)

    # csf's own listing, so the batches are csf's (they grow from a quarter of the largest).
    with git._listed(mirror, walk) as batches, ThreadPoolExecutor(1 + git.PARALLEL_LOGS) as pool:
        list(pool.map(one, batches))
    return time.perf_counter() - started


def bench_mirror(mirror: Path, runs: int, ecosystem: str, years: list[int]) -> dict[str, object]:
    from bot.sources.git import log_command

    same_git = log_command(mirror)
    plain_git = ["git", "-C", str(mirror), "log", "--numstat"]
    commits = int(
        subprocess.run(
            ["git", "-C", str(mirror), "rev-list", "--count", "--no-merges", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    compiled = [sys.executable, "-m", "compileall", "-q", *PACKAGES]
    subprocess.run(compiled, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    times: dict[str, list[float]] = {"csf": [], "same_git": [], "plain_git": [], "as_csf": []}
    peaks: list[float] = []
    with_git: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(runs):  # interleaved: a noisy moment hits all four alike
            seconds, peak, together = _ingest_process(mirror, Path(tmp), run, ecosystem)
            times["csf"].append(seconds)
            peaks.append(peak)
            with_git.append(together)
            times["same_git"].append(_timed(same_git))
            times["plain_git"].append(_timed(plain_git))
            times["as_csf"].append(_git_as_csf_runs_it(mirror))
        by_years = {}
        head = subprocess.run(
            ["git", "-C", str(mirror), "log", "-1", "--format=%cI", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for n in years:
            since = (datetime.fromisoformat(head) - timedelta(days=365 * n)).date().isoformat()
            seconds, peak, together = _ingest_process(mirror, Path(tmp), 1000 + n, ecosystem, since)
            by_years[f"{n}y"] = {
                "s": round(seconds, 2),
                "csf_peak_rss_mb": round(peak, 1),
                "with_git_peak_rss_mb": round(together, 1),
            }
    med = {k: statistics.median(v) for k, v in times.items()}
    return {
        "mirror": str(mirror),
        "commits": commits,
        "runs": runs,
        "csf_ingest_s": round(med["csf"], 2),
        "same_git_log_s": round(med["same_git"], 2),
        "plain_git_log_numstat_s": round(med["plain_git"], 2),
        "git_as_csf_runs_it_s": round(med["as_csf"], 2),
        "ratio_to_same_git": round(med["csf"] / med["same_git"], 2),
        "ratio_to_plain_numstat": round(med["csf"] / med["plain_git"], 2),
        "ratio_to_git_as_csf_runs_it": round(med["csf"] / med["as_csf"], 2),
        "csf_peak_rss_mb_full": round(max(peaks), 1),
        "with_git_peak_rss_mb_full": round(max(with_git), 1),
        **({"by_years": by_years} if by_years else {}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--commits", type=int, default=20000)
    parser.add_argument(
        "--repo", type=Path, help="an existing repository instead of a generated one"
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--file-lines",
        type=int,
        default=0,
        help="lines per source file (0: tiny files rewritten whole)",
    )
    parser.add_argument("--sizes", help="comma-separated commit counts, each in its own process")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--mirror", type=Path, help="time whole processes on a real repository")
    parser.add_argument("--ecosystem", default="mlir", help="the -e given to csf ingest git")
    parser.add_argument("--since-years", default="", help="e.g. 1,3: peak memory by history")
    args = parser.parse_args()
    if args.mirror:
        years = [int(n) for n in args.since_years.split(",") if n]
        result = bench_mirror(args.mirror, args.runs, args.ecosystem, years)
        print(json.dumps(result, indent=None if args.json else 2))
        return
    if args.sizes:
        for size in args.sizes.split(","):
            out = subprocess.run(
                [sys.executable, __file__, "--commits", size, "--runs", "1", "--json"],
                capture_output=True,
                text=True,
                check=True,
            )
            print(out.stdout.strip())
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = args.repo
        if path is None:
            path = folder / "repo"
            generate(path, args.commits, file_lines=args.file_lines)
        git_times = [time_git_log(path) for _ in range(args.runs)]
        ingests = [time_ingest(path, folder, run) for run in range(args.runs)]
        commits = ingests[0][1]
        git_s = statistics.median(git_times)
        csf_s = statistics.median(t for t, _ in ingests)
        result = {
            "commits": commits,
            "file_lines": args.file_lines,
            "git_log_numstat_s": round(git_s, 3),
            "csf_ingest_s": round(csf_s, 3),
            "ratio": round(csf_s / git_s, 2),
            "commits_per_s": round(commits / csf_s),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }
    print(json.dumps(result) if args.json else "\n".join(f"{k}: {v}" for k, v in result.items()))


if __name__ == "__main__":
    main()

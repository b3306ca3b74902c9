"""Crash-and-fault soak: kill -9 at random points of ingest, sync, forget and digest posting.

Run by hand (not a test):  .venv/bin/python bench/soak.py [--faults 100] [--minutes 15]
    [--seed 1] [--database-url postgresql://postgres@127.0.0.1:5432/test]

What it does, all on loopback with fictional data:
- builds a real git repository (fictional authors, co-authors, review trailers, hostile bytes
  in messages and names) and serves a fictional GitHub world whose answers fail at random
  (500/502/503, 429, secondary-limit 403 with Retry-After, dropped connections, JSON cut off
  mid-body, a 200 whose body is an error);
- runs `csf ingest git`, `csf sync` and `csf people forget` as real processes, in random
  order, often two at once (forget racing a writer, two ingests of one repository), and
  kill -9s 60% of the writers at a random moment of their run;
- then lets one clean ingest and sync finish and compares the store with a reference store
  built from the same sources without faults, kills or races (the same people forgotten):
  rows lost = reference rows missing, rows duplicated = rows the reference does not have;
- posts weekly digests to a fake Slack that fails at random (accepts a message and then
  answers 500 or drops the connection, 429s, 5xx), kill -9ing the poster mid-way, and counts
  the messages Slack holds twice;
- counts tracebacks on every process's stderr.
Prints faults injected, runs, kills, converged, rows lost, rows duplicated, double posts and
tracebacks. Target: 0 lost, 0 duplicated, 0 double posts, 0 tracebacks.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.config import ENV_NAMES  # noqa: E402
from tests.support.fake_github import TOKEN, FakeGitHub, generate_world  # noqa: E402
from tests.support.fake_slack import Failure, FakeSlack  # noqa: E402
from tests.support.git_repos import GitRepo  # noqa: E402

GIT_REPO = "fictional/soak-compiler"
GITHUB_REPO = "llvm/llvm-project"
PATHS = [
    "mlir/lib/Dialect/Bufferization/Transforms/OneShotAnalysis.cpp",
    "mlir/lib/Dialect/Linalg/Transforms/Tiling.cpp",
    "mlir/test/Dialect/Linalg/tile.mlir",
    "llvm/lib/Target/AMDGPU/SIISelLowering.cpp",
    "llvm/lib/Transforms/Vectorize/LoopVectorize.cpp",
]


# -- the sources ------------------------------------------------------------------------------


def build_git(path: Path, commits: int, rng: random.Random) -> list[tuple[str, str]]:
    """A history by 12 fictional authors, with co-authors, trailers and hostile bytes."""
    authors = [(f"Soak Author{i} Fictional", f"author{i}@soak.example") for i in range(12)]
    authors[3] = ("Rec\x1eord Sep Fictional", "sep@soak.example")  # a record separator
    repo = GitRepo(path)
    for n in range(commits):
        author = rng.choice(authors)
        co = rng.choice(authors)
        reviewer = rng.choice(authors)
        subject = f"[mlir] change {n}" + (" with \x1e inside" if n % 17 == 0 else "")
        trailers = (
            f"\n\nCo-authored-by: {co[0]} <{co[1]}>\nReviewed-by: {reviewer[0]} <{reviewer[1]}>"
        )
        repo.commit(subject + trailers, {rng.choice(PATHS): f"change {n}\n"}, author=author)
    return authors


class FaultyGitHub(FakeGitHub):
    """The fake GitHub, failing a random share of requests in every way GitHub can."""

    def __init__(self, *args: Any, rate: float, rng: random.Random, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rate = rate
        self.rng = rng
        self.injected: Counter[str] = Counter()
        self.enabled = True
        self._local = threading.local()

    def _serve(self, request: BaseHTTPRequestHandler, method: str) -> None:
        self._local.cut = False
        if self.enabled and self.rng.random() < self.rate:
            kinds = ["500", "502", "503", "429", "secondary", "drop", "cut", "200 error body"]
            kind = self.rng.choice(kinds)
            self.injected[kind] += 1
            path = request.path.split("?")[0].removeprefix(self.prefix)
            if kind == "200 error body":
                error = {"message": "Server Error", "documentation_url": "https://docs.github.com"}
                self.answer(path, error)
            elif kind == "drop":
                self.drop()
            elif kind == "secondary":
                self.secondary_limit(1)
            elif kind == "cut":
                self._local.cut = True
            else:
                self.fail(int(kind))
        super()._serve(request, method)

    def _send(  # type: ignore[override]
        self, request: BaseHTTPRequestHandler, status: int, data: Any, headers: dict[str, str]
    ) -> None:
        if not getattr(self._local, "cut", False) or data is None:
            FakeGitHub._send(request, status, data, headers)
            return
        import json

        raw = json.dumps(data).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json; charset=utf-8")
        request.send_header("Content-Length", str(len(raw)))
        request.end_headers()
        request.wfile.write(raw[: len(raw) // 2])  # JSON cut off mid-body, then the line drops
        request.close_connection = True


# -- running csf ------------------------------------------------------------------------------


@dataclass
class Tally:
    runs: int = 0
    kills: int = 0
    tracebacks: int = 0
    traceback_samples: list[str] = field(default_factory=list)
    exits: Counter[int] = field(default_factory=Counter)


def csf_env(database_url: str, **more: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ENV_NAMES.values()}
    env.update({"CSF_DATABASE_URL": database_url, "CSF_TIMEZONE": "UTC", "COLUMNS": "200"})
    env.update(more)
    return env


def start(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "cli", *args],
        cwd=cwd,
        env={**env, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str], tally: Tally, kill_after: float | None) -> str:
    """Waits for `process` (kill -9 after `kill_after` seconds); returns its stderr."""
    tally.runs += 1
    try:
        _, err = process.communicate(timeout=kill_after if kill_after is not None else 300)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        _, err = process.communicate()
        tally.kills += 1
        return err
    tally.exits[process.returncode] += 1
    if "Traceback" in err:
        tally.tracebacks += 1
        if len(tally.traceback_samples) < 5:
            tally.traceback_samples.append(err.strip().splitlines()[-1][:200])
    return err


def run_clean(args: list[str], env: dict[str, str], cwd: Path, tally: Tally) -> str:
    process = start(args, env, cwd)
    err = finish(process, tally, None)
    if process.returncode != 0:
        raise SystemExit(f"soak: clean run of csf {' '.join(args)} failed: {err.strip()[-400:]}")
    return err


_ELEVEN_MINUTES = timedelta(minutes=11)


def timed(work: Any) -> float:
    began = time.monotonic()
    work()
    return time.monotonic() - began


# -- comparing stores -------------------------------------------------------------------------


def rows(database_url: str) -> Counter[tuple[str, ...]]:
    """Every contribution as (repo, kind, external id, identity the source saw)."""
    import sqlalchemy as sa

    from bot.store.engine import make_engine

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            result = connection.execute(
                sa.text(
                    "SELECT r.full_name, c.kind, c.external_id, COALESCE(c.identity_key, '') "
                    "FROM contribution c JOIN repo r ON r.id = c.repo_id"
                )
            )
            return Counter(tuple(str(v) for v in row) for row in result)
    finally:
        engine.dispose()


def fresh_database(base_url: str | None, folder: Path, name: str) -> str:
    """A new empty store: a SQLite file, or a PostgreSQL schema of its own."""
    if not base_url:
        return f"sqlite:///{folder / name}.db"
    import psycopg

    schema = f"soak_{name}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in base_url else "?"
    return f"{base_url}{separator}options=-csearch_path%3D{schema}"


# -- the soak ---------------------------------------------------------------------------------


def soak_sources(args: argparse.Namespace, folder: Path, tally: Tally) -> dict[str, Any]:
    rng = random.Random(args.seed)
    authors = build_git(folder / "git", args.commits, rng)
    world = generate_world(args.prs, 2, people=60, seed=args.seed)
    logins = sorted({p.author for p in world.repos[GITHUB_REPO].pulls})
    targets = [f"author{i}@soak.example" for i in (1, 5)] + [logins[0], logins[7]]
    del authors

    with FaultyGitHub(
        world, core_limit=10**9, graphql_limit=10**9, rate=args.rate, rng=rng
    ) as github:
        github_env = {"GITHUB_TOKEN": TOKEN, "GITHUB_API_URL": github.url}
        ingest = ["ingest", "git", str(folder / "git"), "--repo", GIT_REPO, "-e", "mlir"]
        sync = ["sync", GITHUB_REPO]

        # The reference: no faults, no kills, no races; the same people forgotten at the end.
        github.enabled = False
        reference = fresh_database(args.database_url, folder, "reference")
        env = csf_env(reference, **github_env)
        run_clean(["migrate"], env, folder, tally)
        run_clean(["track", "add", GITHUB_REPO], env, folder, tally)
        durations = {
            "ingest": timed(lambda: run_clean(ingest, env, folder, tally)),
            "sync": timed(lambda: run_clean(sync, env, folder, tally)),
        }
        for target in targets:
            run_clean(["people", "forget", target, "--yes"], env, folder, tally)
        expected = rows(reference)

        # The soak: epochs, each on a fresh store (so every sync starts from nothing and does
        # real work), of random rounds, then one clean ingest and sync, compared.
        epochs: list[dict[str, Any]] = []
        deadline = time.monotonic() + args.minutes * 60
        while time.monotonic() < deadline and (
            sum(github.injected.values()) < args.faults or len(epochs) < args.epochs
        ):
            store = fresh_database(args.database_url, folder, f"soak{len(epochs)}")
            env = csf_env(store, **github_env)
            run_clean(["migrate"], env, folder, tally)
            run_clean(["track", "add", GITHUB_REPO], env, folder, tally)
            github.enabled = True
            for _ in range(args.rounds):
                plan = rng.choice(
                    ["ingest", "sync", "ingest+forget", "sync+forget", "ingest+ingest", "sync+sync"]
                )
                command = ingest if plan.startswith("ingest") else sync
                first = start(command, env, folder)
                second = None
                if "+" in plan:
                    time.sleep(rng.uniform(0.0, durations[command[0]]))
                    if plan.endswith("forget"):
                        second = start(
                            ["people", "forget", rng.choice(targets), "--yes"], env, folder
                        )
                    else:
                        second = start(command, env, folder)
                kill = rng.uniform(0.2, 1.0) * durations[command[0]] if rng.random() < 0.6 else None
                finish(first, tally, kill)
                if second is not None:
                    finish(second, tally, None)
            github.enabled = False
            # Converge: forget whoever the rounds did not reach, then a clean ingest and sync.
            for target in targets:
                run_clean(["people", "forget", target, "--yes"], env, folder, tally)
            run_clean(ingest, env, folder, tally)
            run_clean(sync, env, folder, tally)
            got = rows(store)
            epoch = {
                "lost": sum((expected - got).values()),
                "duplicated": sum((got - expected).values()),
                "lost_sample": sorted(expected - got)[:3],
                "extra_sample": sorted(got - expected)[:3],
            }
            epochs.append(epoch)
            print(f"  epoch {len(epochs)}: faults so far {sum(github.injected.values())}, "
                  f"kills so far {tally.kills}, lost {epoch['lost']}, "
                  f"duplicated {epoch['duplicated']}", flush=True)  # fmt: skip

    return {
        "epochs": len(epochs),
        "converged": sum(1 for e in epochs if e["lost"] == 0 and e["duplicated"] == 0),
        "faults": dict(github.injected),
        "lost": sum(e["lost"] for e in epochs),
        "duplicated": sum(e["duplicated"] for e in epochs),
        "lost_sample": next((e["lost_sample"] for e in epochs if e["lost_sample"]), []),
        "extra_sample": next((e["extra_sample"] for e in epochs if e["extra_sample"]), []),
    }


class FaultySlack(FakeSlack):
    """The fake Slack, failing a random share of posts and searches, some after storing."""

    def __init__(self, *, rate: float, rng: random.Random, team_id: str) -> None:
        super().__init__(team_id=team_id)
        self.rate = rate
        self.rng = rng
        self.injected: Counter[str] = Counter()
        self.enabled = True
        self.stalled = threading.Event()  # set while a stored post hangs unanswered

    def _serve(self, request: BaseHTTPRequestHandler, verb: str) -> None:
        method = request.path.split("?")[0].removeprefix("/api/")
        chosen = method.startswith(("chat.", "conversations."))
        if self.enabled and chosen and self.rng.random() < self.rate:
            choices = ["429", "500", "503", "drop"]
            if method == "chat.postMessage":
                choices += ["500 after storing", "drop after storing", "stall and kill"]
            kind = self.rng.choice(choices)
            self.injected[kind] += 1
            after = "after" in kind or "stall" in kind
            status = {"429": 429, "500": 500, "503": 503}.get(kind.split()[0], 0)
            hold = threading.Event() if kind == "stall and kill" else None
            headers = {"Retry-After": "1"} if status == 429 else {}
            body = {"ok": False, "error": "ratelimited" if status == 429 else "fatal_error"}
            with self._lock:
                queue = self._failures.setdefault(method, [])
                queue.insert(0, Failure(status, body, headers, after, hold))
            if hold is not None:
                self.stalled.set()
                self._hold = hold
        super()._serve(request, verb)


def lapse_claims(engine: Any) -> None:
    """Ten minutes pass: a dead poster's claim lapses (the store is told so, not waited for)."""
    from sqlmodel import Session, select

    from bot.store.models import DigestRun

    with Session(engine) as session:
        for run in session.exec(select(DigestRun).where(DigestRun.status == "posting")):
            if run.claimed_at is not None:
                run.claimed_at -= _ELEVEN_MINUTES
                session.add(run)
        session.commit()


def soak_digest(args: argparse.Namespace, folder: Path, tally: Tally) -> dict[str, Any]:
    """Weekly digests posted under Slack faults and kill -9s; each message must exist once."""
    import sqlalchemy as sa
    from sqlmodel import Session

    from bot.store.engine import make_engine, upgrade
    from tests.support.digest_world import TEAM, build_world, week

    rng = random.Random(args.seed + 1)
    weeks = [week(n).isoformat() for n in (2, 3, 4)]
    doubles = missing = 0
    rounds = posts_checked = 0
    with FaultySlack(rate=args.slack_rate, rng=rng, team_id=TEAM) as slack:
        deadline = time.monotonic() + args.minutes * 60
        epoch = 0
        while time.monotonic() < deadline and (
            sum(slack.injected.values()) < args.faults or epoch < args.epochs
        ):
            epoch += 1
            url = fresh_database(args.database_url, folder, f"digest{epoch}")
            engine = make_engine(url)
            upgrade(engine)
            with Session(engine) as session:
                build_world(session)
            channel = f"C0SOAK{epoch:04d}"
            env = csf_env(
                url, SLACK_BOT_TOKEN="xoxb-fictional", SLACK_API_URL=slack.url,
                CSF_DIGEST_CHANNEL=channel,
            )  # fmt: skip
            slack.enabled = True
            for _ in range(args.rounds):
                rounds += 1
                slack.stalled.clear()
                poster = start(["digest", "--as-of", rng.choice(weeks), "--post"], env, folder)
                kill_at = time.monotonic() + rng.uniform(0.5, 3.0) if rng.random() < 0.4 else None
                while poster.poll() is None and not slack.stalled.is_set():
                    if kill_at is not None and time.monotonic() >= kill_at:
                        break
                    time.sleep(0.02)
                # Stalled on a stored post, or its moment came: kill -9 (else it ends alone).
                finish(poster, tally, 0.0 if poster.poll() is None else None)
                if slack.stalled.is_set():
                    slack._hold.set()
                lapse_claims(engine)
            slack.enabled = False
            for when in weeks:  # converge: every week's digest finished
                run_clean(["digest", "--as-of", when, "--post"], env, folder, tally)
            held = Counter(
                str(m.get("metadata", {}).get("event_payload"))
                for m in slack.history.get(channel, [])
            )
            doubles += sum(n - 1 for n in held.values())
            with engine.connect() as connection:
                expected = connection.execute(
                    sa.text("SELECT COUNT(*) + (SELECT COUNT(*) FROM digest_run) FROM digest_entry")
                ).scalar_one()
            posts_checked += int(expected)
            missing += max(0, int(expected) - len(held))
            engine.dispose()
            print(f"  digest epoch {epoch}: faults so far {sum(slack.injected.values())}, "
                  f"kills so far {tally.kills}, double posts {doubles}, missing {missing}",
                  flush=True)  # fmt: skip
    return {
        "epochs": epoch,
        "rounds": rounds,
        "faults": dict(slack.injected),
        "messages": posts_checked,
        "doubles": doubles,
        "missing": missing,
    }


def report_sources(args: argparse.Namespace, sources: dict[str, Any]) -> None:
    print(f"sources: {sources['epochs']} epochs of {args.rounds} rounds "
          f"({sources['converged']} converged), faults injected {sum(sources['faults'].values())}"
          f" {sources['faults']}")  # fmt: skip
    print(f"  rows lost {sources['lost']}, "
          f"rows duplicated {sources['duplicated']}")  # fmt: skip
    for label in ("lost_sample", "extra_sample"):
        if sources[label]:
            print(f"  {label}: {sources[label]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--faults", type=int, default=100, help="inject at least this many")
    parser.add_argument("--epochs", type=int, default=4, help="and run at least this many")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per epoch")
    parser.add_argument("--minutes", type=float, default=15, help="stop after this long")
    parser.add_argument("--rate", type=float, default=0.15, help="share of requests failed")
    parser.add_argument(
        "--slack-rate", type=float, default=0.3, help="share of Slack calls failed (digest)"
    )
    parser.add_argument("--commits", type=int, default=300)
    parser.add_argument("--prs", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--parts", default="sources,digest", help="which soaks: sources, digest or both"
    )
    parser.add_argument("--database-url", help="PostgreSQL server (default: SQLite files)")
    args = parser.parse_args()

    tally = Tally()
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        sources = soak_sources(args, Path(tmp), tally) if "sources" in args.parts else None
        digest = soak_digest(args, Path(tmp), tally) if "digest" in args.parts else None
    if sources is not None:
        report_sources(args, sources)
    if digest is not None:
        print(f"digest: {digest['epochs']} epochs, {digest['rounds']} posting runs, "
              f"faults injected {sum(digest['faults'].values())} {digest['faults']}")  # fmt: skip
        print(f"  messages expected {digest['messages']}, double posts {digest['doubles']}, "
              f"missing {digest['missing']}")  # fmt: skip
    print(
        f"processes: {tally.runs} runs, {tally.kills} killed with SIGKILL, "
        f"exits {dict(tally.exits)}"
    )
    print(f"tracebacks: {tally.tracebacks}")
    for sample in tally.traceback_samples:
        print(f"  {sample}")
    print(f"wall: {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()

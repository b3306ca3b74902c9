"""Benchmark: `/csf who` through the real app, from signed request to ack and to the answer.

Run by hand (not a test):  .venv/bin/python bench/slack.py [--requests 200] [--concurrency 8]
Starts `csf run` (HTTP mode under gunicorn, as deployed, default CSF_WEB_PROCESSES) on the
1M-contribution store that bench/who.py builds (run it first; this refreshes its score cache),
with SLACK_API_URL pointing at the fake Slack of tests/support/fake_slack.py; sends signed slash
commands (known topics, big and small) and reports median and p95 of the time to the ack (the
HTTP response) and to the final answer (the fake server receiving the response-URL post).

Two loads, both reported:
- users (closed loop): 8 askers, each sending `/csf who` and waiting for its answer before the
  next, so 8 questions are in flight at any time. What 8 people using csf at once see.
- burst (open loop): 8 senders that move on as soon as the ack arrives, so all 200 questions
  arrive within a few seconds and queue; the answer times measure how fast the queue drains.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.who import TOPICS, taxonomy_text  # noqa: E402
from tests.support.fake_slack import FakeSlack, SlackClient  # noqa: E402

SECRET = "bench-signing-secret"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"csf run exited with {process.returncode}")
        try:
            if httpx.get(url + "/healthz").status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit("csf run did not start")


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[int(q * (len(ordered) - 1))]


def _answered(fake: FakeSlack, name: str, timeout: float = 120) -> float:
    """When the fake Slack received the answer posted to response URL `name`."""
    return fake.wait_for_path("/" + name, timeout).at


def _run(
    client: SlackClient, fake: FakeSlack, queries: list[str], concurrency: int, *, wait: bool
) -> tuple[list[float], list[float]]:
    """(ack times, answer times) in seconds; `wait` makes each sender wait for its answer."""
    sent: dict[str, float] = {}
    acks: list[float] = []
    answers: list[float] = []

    def send(text: str) -> None:
        url = client.next_response_url()
        name = url.rsplit("/", 1)[1]
        started = sent[name] = time.monotonic()
        response = client.command(text, response_url=url)
        acks.append(time.monotonic() - started)
        assert response.status_code == 200, response.status_code
        if wait:
            answers.append(_answered(fake, name) - started)

    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(send, queries))
    if not wait:
        answers = [_answered(fake, name) - started for name, started in sent.items()]
    return acks, answers


def _drain(fake: FakeSlack, names: list[str], first: float) -> float:
    """Seconds from the first question sent to the last answer received."""
    return max(_answered(fake, name) for name in names) - first


def _summary(label: str, acks: list[float], answers: list[float]) -> str:
    return (
        f"{label}: ack median {1000 * statistics.median(acks):.1f} ms, "
        f"p95 {1000 * _pct(acks, 0.95):.1f} ms; "
        f"answer median {1000 * statistics.median(answers):.1f} ms, "
        f"p95 {1000 * _pct(answers, 0.95):.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", type=Path, default=Path("/tmp/csf-bench-who.db"))
    parser.add_argument(
        "--database-url",
        help="serve from this store instead (e.g. the PostgreSQL copy bench/who.py makes: "
        "postgresql://postgres@127.0.0.1:5432/test?options=-csearch_path%%3Dcsf_bench_who)",
    )
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    if not args.store.exists():
        raise SystemExit(f"{args.store} is missing: run bench/who.py first to build it")
    taxonomy_file = args.store.with_suffix(".taxonomy.yml")
    taxonomy_file.write_text(taxonomy_text())
    port = _free_port()
    env = {
        **os.environ,
        "CSF_DATABASE_URL": args.database_url or f"sqlite:///{args.store}",
        "CSF_TAXONOMY": str(taxonomy_file),
        "CSF_LOG_LEVEL": "WARNING",
    }
    for step in (["migrate"], ["scores", "refresh"]):  # answers for "now" read a fresh cache
        subprocess.run([sys.executable, "-m", "cli", *step], env=env, cwd=ROOT, check=True)
    with FakeSlack() as fake:
        env |= {
            "SLACK_BOT_TOKEN": "xoxb-bench-token",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": fake.url,
            "SLACK_APP_TOKEN": "",
            "PORT": str(port),
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "cli", "run"], env=env, cwd=ROOT, stderr=subprocess.DEVNULL
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_up(base, process)
            client = SlackClient(base, SECRET, fake)
            rng = random.Random(11)
            queries = [
                f"who bench topic {rng.randrange(0, TOPICS) if i % 2 else i % 10:03d}"
                for i in range(args.requests)
            ]
            # Warm up every process: first connections, caches.
            _run(client, fake, queries[:16], args.concurrency, wait=True)
            users = _run(client, fake, queries, args.concurrency, wait=True)
            first = time.monotonic()
            before = len(fake.of("response_url"))
            burst = _run(client, fake, queries, args.concurrency, wait=False)
            names = [c.path.rsplit("/", 1)[1] for c in fake.of("response_url")[before:]]
            drained = _drain(fake, names, first)
        finally:
            process.terminate()
            process.wait(timeout=30)
    print(f"{args.requests} requests, {args.concurrency} at once")
    print(_summary("users (each waits for its answer)", *users))
    print(_summary("burst (next request right after the ack)", *burst))
    # Where the burst's time goes: the queue drains at the rate the answer processes compute;
    # every answer waits for those ahead of it. p95 <= 1.5 s needs the whole burst drained in
    # about 1.5 s.
    rate = args.requests / drained
    print(
        f"burst drain: {args.requests} answers in {drained:.1f} s = {rate:.0f} answers/s "
        f"({1000 / rate:.0f} ms of answer time each, all processes together); a p95 of 1.5 s "
        f"needs about {args.requests / 1.5:.0f} answers/s, {args.requests / 1.5 / rate:.1f}x today"
    )


if __name__ == "__main__":
    main()

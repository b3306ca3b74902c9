"""Benchmark: `csf ingest mail` against raw git reading the same public-inbox epochs.

Run by hand (not a test):  .venv/bin/python bench/mail_ingest.py [--messages 200000] [--runs 3]
It generates a fictional public-inbox v2 archive (seeded; `--epochs` of equal size, written with
`git fast-import`): patches with real diffs in kernel paths from 2,000 fictional senders, in
series with cover letters and second versions, and replies, a third of them with review lines.
Then, interleaved, the median of `--runs` runs of:
- `git log --raw` over every epoch: the history alone, no message read;
- `git log -p` over every epoch: git printing every message, as the diff that adds it;
- raw git reading every message: that `git log --raw` feeding `git cat-file --batch` the blob
  of each commit, both to /dev/null (the least any reader of the archive does);
- a fresh `csf ingest mail` into SQLite (reading, parsing, resolving people, writing, indexing).
It prints messages per second of each and csf's ratio to both.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.public_inbox import START, PublicInbox, message, patch_body  # noqa: E402

PATHS = [
    "kernel/bpf/verifier.c",
    "kernel/bpf/syscall.c",
    "tools/testing/selftests/bpf/verifier/spill.c",
    "kernel/sched/fair.c",
    "mm/slub.c",
    "mm/page_alloc.c",
    "net/core/filter.c",
    "arch/x86/net/bpf_jit_comp.c",
    "include/linux/bpf.h",
    "drivers/gpu/drm/amd/amdgpu/amdgpu_vm.c",
]
SYLLABLES = ["ka", "lo", "mi", "ren", "tav", "os", "bel", "qui", "zan", "dor", "fe", "lin"]


def _sender(rng: random.Random, n: int) -> tuple[str, str]:
    first = "".join(rng.choice(SYLLABLES) for _ in range(2)).title()
    return f"{first} Fictional{n}", f"dev{n}@lists{n % 7}.example"


def generate(path: Path, messages: int, epochs: int, seed: int = 7) -> None:
    """About 40% patches (a third of them in series with a cover letter, some sent as v2) and
    60% replies to recent patches, a third of those with a review line."""
    rng = random.Random(seed)
    senders = [_sender(rng, n) for n in range(2000)]
    box = PublicInbox(path)
    per_epoch = max(1, messages // epochs)
    recent: list[tuple[str, str]] = []  # (message id, subject) of recent patches
    batch: list[tuple[bytes, bool]] = []
    written = 0
    for i in range(messages):
        when = START + timedelta(minutes=3 * i)
        sender = rng.choice(senders)
        if rng.random() < 0.4 or not recent:
            mid = f"{i}.{rng.getrandbits(32):08x}@mail.example"
            files = {rng.choice(PATHS): rng.randint(3, 120) for _ in range(rng.randint(1, 3))}
            version = 2 if rng.random() < 0.15 else 1
            subject = f"[PATCH v{version}] subsys: change number {i}"
            raw = message(sender, subject, mid, when=when, body=patch_body(files))
            recent = [*recent[-200:], (mid, subject)]
        else:
            parent, subject = rng.choice(recent)
            mid = f"r{i}.{rng.getrandbits(32):08x}@mail.example"
            body = f"> +line 1\n{'This needs another look at the bounds first. ' * 3}\n"
            if rng.random() < 0.33:
                body += f"Reviewed-by: {sender[0]} <{sender[1]}>\n"
            raw = message(sender, f"Re: {subject}", mid, when=when, in_reply_to=parent, body=body)
        batch.append((raw, False))
        if len(batch) == 5000 or i == messages - 1:
            box.write(batch, epoch=min(written // per_epoch, epochs - 1))
            written += len(batch)
            batch = []


def _epochs(path: Path) -> list[Path]:
    return sorted((path / "git").glob("*.git"), key=lambda p: int(p.name.split(".")[0]))


def time_git_log(path: Path) -> float:
    started = time.perf_counter()
    for epoch in _epochs(path):
        subprocess.run(
            ["git", "-C", str(epoch), "log", "--reverse", "--root", "--raw", "--no-abbrev"],
            stdout=subprocess.DEVNULL,
            check=True,
        )
    return time.perf_counter() - started


def time_git_log_patch(path: Path) -> float:
    """`git log -p`: git printing every message (as each commit's diff of the blob `m`)."""
    started = time.perf_counter()
    for epoch in _epochs(path):
        subprocess.run(
            ["git", "-C", str(epoch), "log", "--reverse", "--root", "-p"],
            stdout=subprocess.DEVNULL,
            check=True,
        )
    return time.perf_counter() - started


def time_raw_read(path: Path) -> float:
    """`git log --raw` piped (blob ids only) into `git cat-file --batch`, to /dev/null."""
    started = time.perf_counter()
    for epoch in _epochs(path):
        subprocess.run(
            f"git -C {epoch} log --reverse --root --raw --no-abbrev --format= "
            f"| awk '{{print $4}}' | git -C {epoch} cat-file --batch > /dev/null",
            shell=True,
            check=True,
        )
    return time.perf_counter() - started


def time_ingest(path: Path, folder: Path, run: int) -> tuple[float, int]:
    from sqlmodel import Session

    from bot.ingest.mail import ingest_mail, mail_list_name
    from bot.store.engine import make_engine, upgrade
    from bot.store.links import archive_base
    from bot.store.writes import upsert_repo
    from bot.taxonomy.model import default_taxonomy

    engine = make_engine(f"sqlite:///{folder}/mail-{run}.db")
    upgrade(engine)
    with Session(engine) as session:
        repo = upsert_repo(session, mail_list_name("bench"), "linux", tracked=False)
        session.commit()
        started = time.perf_counter()
        stats = ingest_mail(
            session,
            default_taxonomy(),
            repo,
            path,
            web=archive_base("https://lore.kernel.org/bench"),
        )
        elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed, stats.messages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--archive", type=Path, help="Use (or keep) the archive in this folder.")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="csf-mail-bench-"))
    archive = args.archive or folder / "archive"
    if not (archive / "git").exists():
        started = time.perf_counter()
        generate(archive, args.messages, args.epochs)
        print(f"generated {args.messages:,} messages in {time.perf_counter() - started:.1f} s")
    logs, patches, raws, ingests = [], [], [], []
    read = 0
    for run in range(args.runs):  # interleaved, so drift on a shared machine hits all three
        logs.append(time_git_log(archive))
        patches.append(time_git_log_patch(archive))
        raws.append(time_raw_read(archive))
        elapsed, read = time_ingest(archive, folder, run)
        ingests.append(elapsed)
    log, patch, raw, csf = (statistics.median(x) for x in (logs, patches, raws, ingests))
    print(f"messages: {read:,} in {len(_epochs(archive))} epochs; medians of {args.runs} runs")
    print(f"git log --raw:            {log:7.2f} s  {read / log:9,.0f} messages/s")
    print(f"git log -p:               {patch:7.2f} s  {read / patch:9,.0f} messages/s")
    print(f"git log --raw | cat-file: {raw:7.2f} s  {read / raw:9,.0f} messages/s")
    print(f"csf ingest mail:          {csf:7.2f} s  {read / csf:9,.0f} messages/s")
    print(
        f"csf / git log -p: {csf / patch:.2f}x   csf / raw read: {csf / raw:.2f}x   "
        f"csf / git log --raw: {csf / log:.2f}x"
    )
    if args.archive is None:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Benchmark: sync a fictional forum category from the fake Discourse into a fresh SQLite store.

Run by hand (not a test):  .venv/bin/python bench/discourse_sync.py [--topics 3000] [--users 300]
[--long-every 10]

Every `--long-every`-th topic is a long thread (21-45 posts: the topic's first 20, then the
rest 20 post ids a request). Prints the requests a first sync made per 100 topics, by kind,
beyond the category's topic list pages (target: at most 120, i.e. 1.2 a topic), then what a
second sync with nothing new costs, and one after a tenth of the long threads got a reply.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--topics", type=int, default=3000)
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--long-every", type=int, default=10)
    args = parser.parse_args()

    from sqlmodel import Session

    from bot.ingest.discourse import ForumSync
    from bot.sources.discourse import DiscourseHTTP, DiscourseSource
    from bot.store.engine import make_engine, upgrade
    from bot.store.writes import upsert_repo
    from bot.taxonomy.model import default_taxonomy
    from tests.support.fake_discourse import (
        LONG_REPLY,
        START,
        FakeDiscourse,
        ForumMessage,
        generated_forum,
        iso,
    )

    world = generated_forum(args.topics, users=args.users, long_every=args.long_every)
    with tempfile.TemporaryDirectory() as folder, FakeDiscourse(world) as server:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        upgrade(engine)
        with Session(engine) as session, DiscourseHTTP(server.url) as http:
            repo = upsert_repo(session, "discourse:discourse.llvm.org/c/mlir/31", "mlir")
            session.commit()
            runner = ForumSync(session, lambda _: DiscourseSource(http), default_taxonomy())

            def run(label: str) -> None:
                before = dict(http.by_kind)
                started = time.perf_counter()
                stats = runner.sync(repo)
                seconds = time.perf_counter() - started
                used = {k: http.by_kind.get(k, 0) - before.get(k, 0) for k in http.by_kind}
                beyond = sum(n for k, n in used.items() if k != "list")
                per = 100 / args.topics
                print(f"{label}: {stats.summary()}")
                print(
                    f"  {seconds:.1f} s; requests by kind {used}; beyond the list pages "
                    f"{beyond} = {beyond * per:.1f} per 100 topics "
                    f"(topics {used.get('topic', 0) * per:.1f}, long-thread posts "
                    f"{used.get('posts', 0) * per:.1f}, profiles {used.get('user', 0) * per:.1f})"
                )

            long = [t for t in world.topics.values() if len(t.posts) > 20]
            print(
                f"{args.topics} topics ({len(long)} long threads, "
                f"{sum(len(t.posts) for t in world.topics.values())} posts), {args.users} users"
            )
            run("first sync")
            run("nothing new")
            for n, topic in enumerate(long[:: max(1, len(long) // 10)]):
                topic.posts.append(
                    ForumMessage(
                        10**7 + n, "poster001", iso(START + timedelta(days=3000)), LONG_REPLY, 1
                    )
                )
            run("a tenth of the long threads answered")
        engine.dispose()


if __name__ == "__main__":
    main()

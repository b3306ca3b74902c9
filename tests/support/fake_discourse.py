"""The fake Discourse the tests use: the package's local forum server, and generated forums.

The server lives in `bot/demo/discourse_server.py` (csf demo serves its sample forum with it);
this module keeps the names tests and the benchmark import, and builds forums of fictional
people (`.example` websites, invented names) of any size.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from bot.demo.discourse_server import (
    FakeDiscourse,
    ForumAccount,
    ForumMessage,
    ForumSection,
    ForumThread,
    ForumWorld,
)

__all__ = [
    "HOST",
    "LONG_REPLY",
    "FakeDiscourse",
    "ForumAccount",
    "ForumMessage",
    "ForumSection",
    "ForumThread",
    "ForumWorld",
    "generated_forum",
    "iso",
]

HOST = "discourse.llvm.org"  # links are built on the public host; the API is the loopback
START = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
LONG_REPLY = (
    "I think the analysis should run before the rewrite, because the aliasing information it "
    "computes is what decides whether a buffer can be reused in place. We tried the other order "
    "in our downstream pipeline and it produced extra copies for every loop-carried tensor, "
    "which is exactly what this proposal is trying to avoid. A second point is the interaction "
    "with function boundaries: the callee's results need a layout map, and the caller has to "
    "agree on it, so the interface should say who decides."
)


def iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def generated_forum(
    topics: int,
    *,
    seed: int = 7,
    users: int = 60,
    long_every: int = 10,
    category: tuple[int, str, str] = (31, "mlir", "MLIR"),
) -> ForumWorld:
    """`topics` threads in one category: every `long_every`-th one a long thread (21-45
    posts), a fifth of them RFCs, some with accepted answers; fictional people throughout."""
    rng = random.Random(seed)
    world = ForumWorld(categories=[ForumSection(*category)])
    names = [f"poster{n:03d}" for n in range(users)]
    for name in names:
        world.user(name, f"Poster {name[-3:]}", website=f"https://{name}.example")
    post_id = 1000
    for n in range(topics):
        topic_id = 5000 + n
        when = START + timedelta(hours=3 * n)
        rfc = n % 5 == 0
        title = f"[RFC] Buffer reuse plan {n}" if rfc else f"How do I lower op {n}?"
        length = rng.randint(21, 45) if n % long_every == 0 else rng.randint(1, 8)
        thread = ForumThread(topic_id, title, category[0], iso(when), tags=["bufferization"])
        for k in range(length):
            post_id += 1
            author = names[rng.randrange(users)]
            text = LONG_REPLY if k == 0 or rng.random() < 0.5 else "+1, thanks!"
            thread.posts.append(
                ForumMessage(
                    post_id,
                    author,
                    iso(when + timedelta(minutes=7 * k)),
                    text,
                    reply_to=1 if k else None,
                    accepted=(not rfc and k == 1 and n % 3 == 0),
                )
            )
        world.topics[topic_id] = thread
    return world

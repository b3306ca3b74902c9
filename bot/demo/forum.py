"""The sample world's forum: an MLIR category of RFC threads, design replies and answers.

MLIR designs in the open on discourse.llvm.org. The world's forum holds, for a few MLIR topics,
RFC threads written by the people who build those areas, argued over in long replies (and
waved through with a few "+1"s that count for nothing), and questions whose accepted answers
come from the area's people. Forum accounts link their GitHub profiles from their websites, so
the sync joins them to the same people; one does not, and stays a person of their own that
`csf people suggest` offers. Served by the local Discourse and read by the same sync `csf sync`
runs, so a demo answer cites an RFC with its thread's link and date.
"""

from __future__ import annotations

import random
from datetime import timedelta

from bot.demo.discourse_server import ForumMessage, ForumSection, ForumThread, ForumWorld
from bot.demo.world import SampleWorld

HOST = "discourse.llvm.org"
CATEGORY = ForumSection(31, "mlir", "MLIR")
FULL_NAME = f"discourse:{HOST}/c/{CATEGORY.slug}/{CATEGORY.id}"
ISO = "%Y-%m-%dT%H:%M:%S.000Z"

# Per topic: the tag the forum uses, and the RFCs its builders write.
_RFCS: dict[str, tuple[str, tuple[str, ...]]] = {
    "mlir.bufferization": (
        "bufferization",
        (
            "[RFC] One-Shot Bufferization of function boundaries without layout maps",
            "[RFC] Ownership-based buffer deallocation for region branch ops",
            "RFC: Bufferizing tensor.empty without an allocation",
        ),
    ),
    "mlir.linalg": (
        "linalg",
        (
            "[RFC] Linalg named ops for grouped convolutions",
            "[RFC] Tiling interface for reductions with partial results",
        ),
    ),
    "mlir.sparse": (
        "sparse",
        ("[RFC] Sparse tensor encodings for block-sparse layouts",),
    ),
    "mlir.transform": (
        "transform-dialect",
        ("[RFC] Transform dialect handles that survive pattern application",),
    ),
}
_POINTS = (
    "the analysis has to run before the rewrite, because the aliasing it finds decides whether "
    "a buffer is reused in place",
    "function boundaries need an agreed layout, or every call site inserts a copy",
    "loop-carried values are where extra copies hide, so the tests should cover scf.for and "
    "scf.while with yields that swap their operands",
    "the interface should say who owns a buffer after the op, not leave it to each pass",
    "downstream pipelines already depend on the current behaviour, so a flag for one release "
    "would let them migrate",
    "the verifier can catch most of the misuse if the ops carry the information explicitly",
    "we measured this on a set of models and the copies went away in all but one case",
)


def _text(rng: random.Random, points: int) -> str:
    """A reply in the words of the trade: long enough to be an argument, not a nod."""
    chosen = rng.sample(_POINTS, k=min(points, len(_POINTS)))
    return (
        "Thanks for writing this up. "
        + " ".join(f"I think {p}." for p in chosen)
        + " Happy to review the patches once the interface is settled."
    )


def build_forum(world: SampleWorld) -> ForumWorld:
    """The world's MLIR category: a pure function of the world (its own random stream)."""
    rng = random.Random(world.seed + 31)
    forum = ForumWorld(categories=[CATEGORY])
    by_topic: dict[str, list[str]] = {}
    for person in world.people:
        if person.role in ("maintainer", "reviewer", "regular") and person.topics:
            by_topic.setdefault(person.topics[0], []).append(person.login)
    names: dict[str, str] = {}

    def account(login: str) -> str:
        """The forum username of a sample person, their GitHub linked from their website."""
        if login not in names:
            person = world.person(login)
            username = login.replace("-", "_")
            forum.user(username, person.name, website=f"https://github.com/{login}")
            names[login] = username
        return names[login]

    topic_id, post_id = 2000, 30000
    for topic, (tag, titles) in _RFCS.items():
        builders = world.maintainers(topic) + [
            p for p in by_topic.get(topic, []) if p not in world.maintainers(topic)
        ]
        others = [p for t, people in by_topic.items() if t.startswith("mlir.") for p in people]
        for n, title in enumerate(titles):
            author = builders[n % len(builders)]
            when = world.now - timedelta(days=40 + 75 * n + rng.randint(0, 20))
            topic_id += 1
            thread = ForumThread(topic_id, title, CATEGORY.id, when.strftime(ISO), tags=[tag])
            pool = list(dict.fromkeys(p for p in builders + others if p != author))
            repliers = [author, *rng.sample(pool, k=min(6, len(pool)))]
            for k, login in enumerate(repliers):
                post_id += 1
                said = when + timedelta(hours=5 * k)
                if k == 0:
                    text = _text(rng, 4)
                elif k % 3 == 2:
                    text = "+1, this would help us a lot."
                else:
                    text = _text(rng, 3)
                thread.posts.append(
                    ForumMessage(
                        post_id, account(login), said.strftime(ISO), text, reply_to=1 if k else None
                    )
                )
            forum.topics[topic_id] = thread
    # Questions answered by the area's people: the accepted answer counts, the question not.
    for topic, (tag, _) in _RFCS.items():
        asker, expert = rng.choice(world.people).login, world.maintainers(topic)[-1]
        when = world.now - timedelta(days=rng.randint(10, 200))
        topic_id += 1
        thread = ForumThread(
            topic_id, f"How do I debug a failing {tag} pipeline?", CATEGORY.id, when.strftime(ISO)
        )
        for k, (login, text) in enumerate(
            [(asker, _text(rng, 2)), (expert, _text(rng, 2)), (asker, "That fixed it, thanks!")]
        ):
            post_id += 1
            thread.posts.append(
                ForumMessage(
                    post_id,
                    account(login),
                    (when + timedelta(hours=k)).strftime(ISO),
                    text,
                    reply_to=1 if k else None,
                    accepted=k == 1,
                )
            )
        thread.tags.append(tag)
        forum.topics[topic_id] = thread
    return forum

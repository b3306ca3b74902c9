"""Design work from a forum in the ranking: it tips the balance between comparable coders only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from bot.ingest.discourse import ForumSync
from bot.ranking.who import load_ranking_config, who
from bot.sources.discourse import DiscourseHTTP, DiscourseSource
from bot.store.writes import upsert_repo
from bot.taxonomy.model import default_taxonomy
from bot.taxonomy.question import read_query
from tests.support.fake_discourse import (
    LONG_REPLY,
    FakeDiscourse,
    ForumMessage,
    ForumSection,
    ForumThread,
    ForumWorld,
    iso,
)
from tests.support.ranking_world import AS_OF, World

CATEGORY = "discourse:discourse.llvm.org/c/mlir/31"


def _forum() -> ForumWorld:
    """Ada (GitHub ada-rfc, linked from her forum profile) writes three bufferization RFCs."""
    world = ForumWorld(categories=[ForumSection(31, "mlir", "MLIR")])
    world.user("ada_r", "Ada Rfc", website="https://github.com/ada-rfc")
    world.user("forum-only", "Fo Rum")
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    post_id = 100
    for n in range(3):
        when = start + timedelta(days=7 * n)
        posts = []
        for k, author in enumerate(["ada_r", "forum-only", "ada_r"]):
            post_id += 1
            posts.append(
                ForumMessage(post_id, author, iso(when + timedelta(hours=k)), LONG_REPLY, 1)
            )
        world.topics[900 + n] = ForumThread(
            900 + n,
            f"[RFC] One-Shot Bufferization of region branch ops, part {n + 1}",
            31,
            iso(when),
            posts=posts,
            tags=["bufferization"],
        )
    return world


def _ranking(session: Session) -> list[str | None]:
    taxonomy = default_taxonomy()
    answer = who(
        session,
        taxonomy,
        read_query(taxonomy, ["mlir", "bufferization"]),
        config=load_ranking_config(),
        as_of=AS_OF,
        cached=False,
    )
    return [r.person.get("login") for r in answer.results]


def test_an_rfc_author_outranks_a_silent_committer_only_when_the_code_work_is_comparable(
    session: Session,
) -> None:
    code = World(session)
    code.merged("ada-rfc", 6, 300, every=30)
    code.merged("bo-silent", 6, 300, every=30)  # the same code, no design work anywhere
    code.save()
    before = _ranking(session)
    # Equal code: order between them is a tie broken by anything; the RFCs must decide it.
    repo = upsert_repo(session, CATEGORY, "mlir")
    session.commit()
    with FakeDiscourse(_forum()) as server, DiscourseHTTP(server.url) as http:
        ForumSync(session, lambda _: DiscourseSource(http), default_taxonomy()).sync(repo)
    order = _ranking(session)
    assert set(before[:2]) == {"ada-rfc", "bo-silent"}
    assert order.index("ada-rfc") < order.index("bo-silent")

    code.merged("cy-coder", 30, 300, every=9)  # far more code in the area, no RFCs
    code.save()
    order = _ranking(session)
    assert order.index("cy-coder") < order.index("ada-rfc") < order.index("bo-silent")

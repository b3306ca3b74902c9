"""The Discourse client against a Discourse-shaped server on 127.0.0.1: shapes, paging, faults."""

from __future__ import annotations

import pytest

from bot.sources.discourse import (
    DiscourseError,
    DiscourseHTTP,
    DiscourseSource,
    Forum,
    forum_host,
    github_links,
    parse_forum,
    words_of,
)
from tests.support.fake_discourse import (
    HOST,
    FakeDiscourse,
    ForumSection,
    ForumWorld,
    generated_forum,
)

MLIR = Forum(HOST, "mlir", 31)


def _client(server: FakeDiscourse, sleeps: list[float], **kw: object) -> DiscourseHTTP:
    return DiscourseHTTP(server.url, sleep=sleeps.append, **kw)  # type: ignore[arg-type]


def test_a_category_is_paged_newest_bump_first_and_long_threads_come_in_chunks() -> None:
    world = generated_forum(70, long_every=7)
    with FakeDiscourse(world, per_page=30) as server, _client(server, []) as http:
        source = DiscourseSource(http)
        pages = [source.topic_page(MLIR, n) for n in range(3)]
        assert [len(p.topics) for p in pages] == [30, 30, 10]
        assert [p.more for p in pages] == [True, True, False]
        listed = [t for p in pages for t in p.topics]
        assert [t.bumped_at for t in listed] == sorted((t.bumped_at for t in listed), reverse=True)
        long = max(world.topics.values(), key=lambda t: len(t.posts))
        topic = source.topic(long.id)
        assert len(topic.posts) == 20
        assert len(topic.stream) == len(long.posts) > 20
        assert topic.tags == ("bufferization",)
        assert topic.title == long.title
        rest = source.posts(topic.id, topic.stream[20:])
        assert [p.post_number for p in rest] == list(range(21, len(long.posts) + 1))
        asked = [r for r in server.log if r.path.endswith("/posts.json")]
        assert len(asked) == -(-len(rest) // 20)  # 20 ids a request at most
        assert all(r.query.count("post_ids") <= 20 for r in asked)


def test_429_waits_as_retry_after_says_and_a_500_is_retried() -> None:
    sleeps: list[float] = []
    with FakeDiscourse(generated_forum(3)) as server, _client(server, sleeps) as http:
        server.rate_limit(7)
        server.fail(500)
        page = DiscourseSource(http).topic_page(MLIR, 0)
    assert len(page.topics) == 3
    assert sleeps[0] == 7  # as the forum asked, not a guess
    assert len(sleeps) == 2


def test_a_500_that_persists_is_one_clear_error_line() -> None:
    with FakeDiscourse(generated_forum(3)) as server, _client(server, []) as http:
        server.fail(500, times=10)
        with pytest.raises(DiscourseError) as raised:
            DiscourseSource(http).topic(5000)
    message = str(raised.value)
    assert "\n" not in message
    assert "topic 5000" in message
    assert "500" in message


def test_a_truncated_body_is_retried_then_refused_with_one_line() -> None:
    with FakeDiscourse(generated_forum(3)) as server, _client(server, []) as http:
        server.truncate(1)
        assert DiscourseSource(http).topic(5000).id == 5000  # once: read again
        server.truncate(10)
        with pytest.raises(DiscourseError, match="not JSON"):
            DiscourseSource(http).topic(5000)


def test_anonymous_by_default_and_an_api_key_goes_in_its_headers() -> None:
    with FakeDiscourse(generated_forum(2)) as server:
        with _client(server, []) as http:
            DiscourseSource(http).topic(5000)
        assert "api-key" not in server.headers_seen[-1]
        with _client(server, [], api_key="key-fictional", api_username="csf-bot") as http:
            DiscourseSource(http).topic(5000)
        assert server.headers_seen[-1]["api-key"] == "key-fictional"
        assert server.headers_seen[-1]["api-username"] == "csf-bot"


def test_a_private_category_is_refused_in_one_line() -> None:
    with (
        FakeDiscourse(generated_forum(2), api_key="needed") as server,
        _client(server, []) as http,
        pytest.raises(DiscourseError, match="refused"),
    ):
        DiscourseSource(http).topic_page(MLIR, 0)


def test_categories_are_found_by_name_with_their_subcategories() -> None:
    world = ForumWorld(
        categories=[
            ForumSection(31, "mlir", "MLIR"),
            ForumSection(7, "llvm-project", "LLVM Project"),
            ForumSection(65, "code-generation", "Code Generation", parent_id=7),
        ]
    )
    with FakeDiscourse(world) as server, _client(server, []) as http:
        found = {(c.slug, c.id, c.name) for c in DiscourseSource(http).categories()}
    assert ("code-generation", 65, "Code Generation") in found
    assert ("mlir", 31, "MLIR") in found


def test_profiles_give_linked_github_accounts_and_never_an_address() -> None:
    world = generated_forum(1)
    world.user("ada_q", "Ada Q", website="https://github.com/ada-q", bio="ada@mail.example")
    world.user("bo", "Bo", bio="I work with github.com/colleague and on github.com/bo")
    with FakeDiscourse(world) as server, _client(server, []) as http:
        source = DiscourseSource(http)
        ada, bo = source.user("ada_q"), source.user("bo")
        assert source.user("nobody") is None
    assert ada is not None
    assert ada.github_logins == ("ada-q",)
    assert "@" not in repr(ada)
    assert bo is not None
    assert bo.github_logins == ("bo",)


def test_user_cards_give_many_profiles_a_request_with_the_same_links() -> None:
    world = generated_forum(1)
    world.users.clear()
    world.user("ada_q", "Ada Q", website="https://github.com/ada-q", bio="ada@mail.example")
    world.user("bo", "Bo", bio="I work with github.com/colleague and on github.com/bo")
    ids = {u.username: u.user_id for u in world.users.values()}
    with FakeDiscourse(world) as server, _client(server, []) as http:
        cards = DiscourseSource(http).user_cards([ids["ada_q"], ids["bo"], 9999])
        assert [r.path for r in server.answered()] == ["/user-cards.json"]
    assert sorted(cards) == ["ada_q", "bo"]  # an id the forum does not show is left out
    assert cards["ada_q"].github_logins == ("ada-q",)
    assert cards["bo"].github_logins == ("bo",)  # from the card's bio excerpt, same name only
    assert "@" not in repr(cards)


def test_names_and_text() -> None:
    forum = parse_forum("discourse:discourse.llvm.org/c/mlir/31")
    assert forum == MLIR
    assert forum.full_name == "discourse:discourse.llvm.org/c/mlir/31"
    assert forum.topic_link(5000, 3) == "https://discourse.llvm.org/t/5000/3/"
    assert forum_host("discourse:https://discourse.llvm.org/") == "discourse.llvm.org"
    with pytest.raises(DiscourseError, match="not an allowed archive host"):
        forum_host("https://forum.evil.example")
    with pytest.raises(DiscourseError):
        parse_forum("discourse:discourse.llvm.org/c/mlir")
    quoted = '<aside class="quote"><blockquote>many words quoted here</blockquote></aside><p>+1</p>'
    assert words_of(quoted) == 1
    assert github_links("see https://github.com/llvm/llvm-project") == ()

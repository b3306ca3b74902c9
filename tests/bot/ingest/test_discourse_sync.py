"""Forum categories into the store: what counts, resumability, who is who, forgetting."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.ingest.discourse import ACCEPTED, ForumSync, discourse_key
from bot.ingest.loop import sync_tracked
from bot.people.privacy import forget
from bot.people.suggest import suggest
from bot.sources.discourse import DiscourseHTTP, DiscourseSource, Forum, ForumClients
from bot.store.engine import make_engine, upgrade
from bot.store.identity import login_key
from bot.store.models import Contribution, ContributionTopic, Identity, Person, Repo
from bot.store.writes import resolve_person, upsert_repo
from bot.taxonomy.model import default_taxonomy
from tests.support.fake_discourse import (
    LONG_REPLY,
    START,
    FakeDiscourse,
    ForumMessage,
    ForumThread,
    generated_forum,
    iso,
)

CATEGORY = "discourse:discourse.llvm.org/c/mlir/31"


class Crash(BaseException):
    """The process dies here (a kill): nothing after it runs, nothing uncommitted stays."""


class CrashAfter(httpx.BaseTransport):
    def __init__(self, requests: int | None) -> None:
        self.left = requests
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.left is not None:
            if self.left <= 0:
                raise Crash
            self.left -= 1
        return self.inner.handle_request(request)


def _sync(engine: Engine, server: FakeDiscourse, crash_after: int | None = None) -> Any:
    with (
        Session(engine) as session,
        DiscourseHTTP(server.url, transport=CrashAfter(crash_after), sleep=lambda _: None) as http,
    ):
        repo = session.exec(select(Repo).where(Repo.full_name == CATEGORY)).one()
        stats = ForumSync(session, lambda _: DiscourseSource(http), default_taxonomy()).sync(repo)
        return stats, http.by_kind


def _track(engine: Engine) -> None:
    with Session(engine) as session:
        upsert_repo(session, CATEGORY, "mlir")
        session.commit()


def _snapshot(engine: Engine) -> set[tuple[Any, ...]]:
    with Session(engine) as session:
        rows = session.exec(select(Contribution)).all()
        tags = {(t.contribution_id, t.topic) for t in session.exec(select(ContributionTopic)).all()}
        keys = {i.person_id: i.value for i in session.exec(select(Identity)).all()}
        return {
            (
                r.kind,
                r.external_id,
                r.identity_key,
                keys.get(r.person_id),
                r.title,
                r.state,
                r.url,
                r.occurred_at,
                tuple(r.labels),
                frozenset(t for c, t in tags if c == r.id),
            )
            for r in rows
        }


@pytest.fixture
def tracked(engine: Engine) -> Iterator[Engine]:
    _track(engine)
    return engine


def test_what_counts_rfc_authors_substantive_design_replies_and_accepted_answers(
    tracked: Engine,
) -> None:
    world = generated_forum(0)
    world.user("ada_rfc", "Ada Fictional")
    world.user("bo", "Bo Example")
    world.user("cy", "Cy Example")
    day = START
    rfc = ForumThread(
        7001,
        "[RFC] One-Shot Bufferization of function boundaries",
        31,
        iso(day),
        tags=["bufferization"],
        posts=[
            ForumMessage(1, "ada_rfc", iso(day), LONG_REPLY),
            ForumMessage(2, "bo", iso(day + timedelta(hours=1)), "+1, LGTM!", reply_to=1),
            ForumMessage(3, "cy", iso(day + timedelta(hours=2)), LONG_REPLY, reply_to=1, quote=1),
            ForumMessage(
                4, "bo", iso(day + timedelta(hours=3)), " ".join(["word"] * 30), reply_to=1
            ),
            ForumMessage(5, "ada_rfc", iso(day + timedelta(hours=4)), "Thanks!", reply_to=4),
        ],
    )
    question = ForumThread(
        7002,
        "How do I run the sparsifier?",
        31,
        iso(day),
        posts=[
            ForumMessage(6, "cy", iso(day), LONG_REPLY),
            ForumMessage(7, "bo", iso(day + timedelta(hours=1)), "Use the pass.", accepted=True),
            ForumMessage(8, "ada_rfc", iso(day + timedelta(hours=2)), LONG_REPLY),
        ],
    )
    world.topics = {7001: rfc, 7002: question}
    with FakeDiscourse(world) as server:
        _sync(tracked, server)
    with Session(tracked) as session:
        rows = session.exec(select(Contribution).order_by(col(Contribution.external_id))).all()
        found = {(r.kind, r.external_id, r.identity_key, r.state) for r in rows}
        assert found == {
            ("rfc", "t7001", "name:discourse:discourse.llvm.org:ada_rfc", None),
            ("comment", "p3", "name:discourse:discourse.llvm.org:cy", None),  # long, own words
            ("comment", "p4", "name:discourse:discourse.llvm.org:bo", None),  # answered
            ("comment", "p7", "name:discourse:discourse.llvm.org:bo", ACCEPTED),
        }
        first = next(r for r in rows if r.kind == "rfc")
        assert first.url == "https://discourse.llvm.org/t/7001/"
        assert first.title == "[RFC] One-Shot Bufferization of function boundaries"
        assert first.parent_number == 7001
        assert "mlir:bufferization" in first.labels
        tags = set(
            session.exec(
                select(ContributionTopic.topic).where(ContributionTopic.contribution_id == first.id)
            )
        )
        assert {"mlir", "mlir.bufferization"} <= tags
        people = {p.name for p in session.exec(select(Person))}
        assert people == {"Ada Fictional", "Bo Example", "Cy Example"}


def test_a_second_sync_costs_one_list_page_and_a_bump_reads_only_new_posts(
    tracked: Engine,
) -> None:
    world = generated_forum(40, long_every=10)
    with FakeDiscourse(world) as server:
        first, _ = _sync(tracked, server)
        assert first.new["rfc"] == 8
        before = len(server.log)
        again, _ = _sync(tracked, server)
        assert len(server.log) - before == 1  # the first list page says nothing is new
        assert again.new == {"comment": 0, "rfc": 0}
        long = world.topics[5020]  # a long RFC thread
        assert len(long.posts) > 20
        last = long.posts[-1]
        long.posts.append(
            ForumMessage(99999, "poster001", iso(START + timedelta(days=400)), LONG_REPLY)
        )
        before = len(server.log)
        bumped, _ = _sync(tracked, server)
        asked = server.log[before:]
        posts = [r for r in asked if r.path.endswith("/posts.json")]
        assert [r.path for r in asked if r.path.startswith("/t/")] == [
            "/t/5020.json",
            "/t/5020/posts.json",
        ]
        assert posts[0].query == "post_ids%5B%5D=99999"  # only the new one
        assert bumped.new["comment"] == 1
        assert last.id < 99999


def test_killing_a_sync_anywhere_and_rerunning_equals_an_uninterrupted_run(
    tmp_path: Any,
) -> None:
    """Killed after its n-th request, for n all along the sync (list pages, topics, long
    threads, profiles), then run again: the same store as a sync never killed."""
    world = generated_forum(24, long_every=6, users=10)

    def store(name: str) -> Engine:
        made = make_engine(f"sqlite:///{tmp_path / name}")
        upgrade(made)
        _track(made)
        return made

    with FakeDiscourse(world, per_page=10) as server:
        reference = store("reference.db")
        _sync(reference, server)
        expected, people = _snapshot(reference), _people(reference)
        total = len(server.log)
        assert total > 30
        for crash_at in range(1, total, 2):
            killed = store(f"killed-{crash_at}.db")
            with pytest.raises(Crash):
                _sync(killed, server, crash_after=crash_at)
            _sync(killed, server)
            assert _snapshot(killed) == expected, f"killed after request {crash_at}"
            assert _people(killed) == people
            killed.dispose()
        reference.dispose()


def _people(engine: Engine) -> list[tuple[str | None, tuple[str, ...]]]:
    with Session(engine) as session:
        found = []
        for person in session.exec(select(Person)):
            values = session.exec(
                select(Identity.value).where(Identity.person_id == person.id)
            ).all()
            found.append((person.name, tuple(sorted(values))))
        return sorted(found)


def test_a_failing_forum_leaves_nothing_half_written_and_is_one_clear_line(
    tracked: Engine,
) -> None:
    world = generated_forum(12)
    with FakeDiscourse(world) as server:
        server.truncate(1000)  # every answer cut short
        with (
            Session(tracked) as session,
            ForumClients(api_url=server.url, sleep=lambda _: None) as c,
        ):
            run = sync_tracked(
                session, None, default_taxonomy(), refresh=lambda _: "", forums=c.for_forum
            )
        assert run.failed == [CATEGORY]
        error = str(run.repos[0].error)
        assert "\n" not in error
        assert "not JSON" in error
        with Session(tracked) as session:
            assert session.exec(select(Contribution)).all() == []
        server.faults.clear()
        server.fail(500, times=50)
        with (
            Session(tracked) as session,
            ForumClients(api_url=server.url, sleep=lambda _: None) as c,
        ):
            run = sync_tracked(
                session, None, default_taxonomy(), refresh=lambda _: "", forums=c.for_forum
            )
        assert "500" in str(run.repos[0].error)


def test_the_loop_sends_forums_to_the_forum_sync_and_never_to_github(tracked: Engine) -> None:
    with Session(tracked) as session:
        upsert_repo(session, "llvm/llvm-project", "mlir")
        session.commit()
    with FakeDiscourse(generated_forum(5)) as server:
        with Session(tracked) as session, ForumClients(api_url=server.url) as clients:
            run = sync_tracked(
                session,
                None,
                default_taxonomy(),
                refresh=lambda _: "refreshed",
                forums=clients.for_forum,
            )
        assert all(not r.path.startswith("/repos") for r in server.log)
    outcomes = {r.repo: r for r in run.repos}
    assert outcomes[CATEGORY].ok
    assert outcomes[CATEGORY].stats is not None
    assert "GITHUB_TOKEN" in str(outcomes["llvm/llvm-project"].error)


def test_a_username_joins_a_github_person_only_on_evidence(tracked: Engine) -> None:
    with Session(tracked) as session:
        for login in ("ada-fict", "bo-fict", "cy-fict"):
            resolve_person(session, [login_key(login)], login=login)
        session.commit()
    world = generated_forum(10, users=3)
    world.users.clear()
    # Linked from the profile's website, under another username: joined.
    world.user("ada_f", "Ada Fict", website="https://github.com/ada-fict")
    # The same name as a GitHub login, linked from the bio: joined.
    world.user("bo-fict", "Bo Fict", bio="Code at https://github.com/bo-fict")
    # The same name, no link: a person of its own, and a suggestion.
    world.user("cy-fict", "Cy Fict")
    names = ["ada_f", "bo-fict", "cy-fict"]
    for n, topic in enumerate(world.topics.values()):
        for k, post in enumerate(topic.posts):
            post.username = names[(n + k) % 3]
    with FakeDiscourse(world) as server:
        _stats, kinds = _sync(tracked, server)
        assert kinds["user"] == 1  # three people seen posting: their cards in one request
        _again, kinds = _sync(tracked, server)
        assert "user" not in kinds  # profiles are not read again so soon
    with Session(tracked) as session:

        def owner(value: str) -> int:
            return session.exec(select(Identity.person_id).where(Identity.value == value)).one()

        assert owner("discourse:discourse.llvm.org:ada_f") == owner("ada-fict")
        assert owner("discourse:discourse.llvm.org:bo-fict") == owner("bo-fict")
        assert owner("discourse:discourse.llvm.org:cy-fict") != owner("cy-fict")
        found = suggest(session)
        evidence = [e for s in found for e in s.evidence if e.kind == "forum_name_is_login"]
        assert len(evidence) == 1
        assert "cy-fict" in evidence[0].text
        assert set(evidence[0].person_ids) == {
            owner("discourse:discourse.llvm.org:cy-fict"),
            owner("cy-fict"),
        }
        joined = session.exec(
            select(Contribution).where(Contribution.person_id == owner("ada-fict"))
        ).all()
        assert joined


def test_forgetting_a_forum_person_removes_and_suppresses_their_posts(tracked: Engine) -> None:
    world = generated_forum(20, users=4)
    with FakeDiscourse(world) as server:
        _sync(tracked, server)
        key = discourse_key("discourse.llvm.org", "poster001")
        with Session(tracked) as session:
            person_id = session.exec(
                select(Identity.person_id).where(Identity.value == key.value)
            ).one()
            assert session.exec(
                select(Contribution).where(Contribution.person_id == person_id)
            ).all()
            forget(session, "discourse:discourse.llvm.org:poster001", actor="test")
            session.commit()
            assert session.get(Person, person_id) is None
        for topic in world.topics.values():  # they write again everywhere; everything is bumped
            topic.posts.append(
                ForumMessage(
                    topic.id * 10,
                    "poster001",
                    iso(START + timedelta(days=500)),
                    LONG_REPLY,
                    reply_to=1,
                )
            )
        _sync(tracked, server)
    with Session(tracked) as session:
        keys = {c.identity_key for c in session.exec(select(Contribution))}
        assert f"name:{key.value}" not in keys
        assert session.exec(select(Identity).where(Identity.value == key.value)).first() is None
        assert keys  # everyone else's work stays


def test_tracking_a_forum_category_by_name_or_slug_and_id(engine: Engine) -> None:
    from bot.ingest.discourse import track_forum

    with FakeDiscourse(generated_forum(1)) as server, ForumClients(api_url=server.url) as clients:
        with Session(engine) as session:
            repos = track_forum(
                session,
                default_taxonomy(),
                "discourse:https://discourse.llvm.org",
                ["MLIR", "mlir/31"],
                None,
                source_for_host=clients.for_host,
                actor="test",
            )
            assert [r.full_name for r in repos] == [CATEGORY, CATEGORY]
            assert repos[0].ecosystem == "mlir"
        assert [r.path for r in server.log] == ["/categories.json"]
    assert Forum("discourse.llvm.org", "mlir", 31).full_name == CATEGORY


def test_a_maintainer_file_naming_both_joins_a_username_without_its_profile(
    tracked: Engine, tmp_path: Path
) -> None:
    from bot.ingest.git import ingest_git
    from bot.store.models import ForumHandle
    from tests.support.git_repos import GitRepo

    maintainers = (
        "# Widget Maintainers\n\n## Core\n\n"
        "- Ada Fict \\\n  ada@fict.example (email),\n"
        "  [@ada-fict](https://github.com/ada-fict) (GitHub),\n  ada_forum (Discourse)\n"
        "- Two Accounts \\\n  [@bo-fict](https://github.com/bo-fict) (GitHub),\n"
        "  [@cy-fict](https://github.com/cy-fict) (GitHub),\n  shared_name (Discourse)\n"
    )
    mirror = GitRepo(tmp_path / "widget")
    mirror.commit("Maintainers", {"mlir/Maintainers.md": maintainers})
    with Session(tracked) as session:
        for login in ("ada-fict", "bo-fict", "cy-fict"):
            resolve_person(session, [login_key(login)], login=login)
        repo = upsert_repo(session, "fictional/widget-mlir", "mlir", tracked=False)
        session.commit()
        ingest_git(session, default_taxonomy(), repo, mirror.path)
        assert sorted(session.exec(select(ForumHandle.login, ForumHandle.handle)).all()) == [
            ("ada-fict", "ada_forum")  # two accounts in one entry: whose name is whose is unsaid
        ]
    world = generated_forum(6, users=2)
    world.users.clear()
    world.user("ada_forum", "Ada F")  # no link on the profile: the file is the evidence
    world.user("shared_name", "Shared")
    for n, topic in enumerate(world.topics.values()):
        for k, post in enumerate(topic.posts):
            post.username = ("ada_forum", "shared_name")[(n + k) % 2]
    with FakeDiscourse(world) as server:
        _stats, kinds = _sync(tracked, server)
    assert kinds.get("user") == 1  # only the username nothing else joins has its card read
    with Session(tracked) as session:

        def owner(value: str) -> int:
            return session.exec(select(Identity.person_id).where(Identity.value == value)).one()

        assert owner("discourse:discourse.llvm.org:ada_forum") == owner("ada-fict")
        shared = owner("discourse:discourse.llvm.org:shared_name")
        assert shared not in (owner("bo-fict"), owner("cy-fict"))


def test_forgetting_an_account_drops_the_forum_names_files_give_beside_it(
    tracked: Engine, tmp_path: Path
) -> None:
    from bot.ingest.git import ingest_git
    from bot.store.models import ForumHandle
    from tests.support.git_repos import GitRepo

    mirror = GitRepo(tmp_path / "widget")
    mirror.commit(
        "Maintainers",
        {
            "Maintainers.md": "## Core\n\n- Ada \\\n  [@ada-fict](https://github.com/ada-fict)"
            " (GitHub),\n  ada_forum (Discourse)\n"
        },
    )
    with Session(tracked) as session:
        resolve_person(session, [login_key("ada-fict")], login="ada-fict")
        repo = upsert_repo(session, "fictional/widget-mlir", "mlir", tracked=False)
        session.commit()
        ingest_git(session, default_taxonomy(), repo, mirror.path)
        assert session.exec(select(ForumHandle)).all()
        forget(session, "ada-fict", actor="test")
        session.commit()
        assert session.exec(select(ForumHandle)).all() == []


def test_a_second_profile_claiming_a_joined_account_is_not_joined(tracked: Engine) -> None:
    with Session(tracked) as session:
        resolve_person(session, [login_key("ada-fict")], login="ada-fict")
        session.commit()
    world = generated_forum(6, users=2)
    world.users.clear()
    world.user("ada_f", "Ada Fict", website="https://github.com/ada-fict")
    # Someone else types the same account into their own profile.
    world.user("mallory_f", "Not Ada", website="https://github.com/ada-fict")
    for n, topic in enumerate(world.topics.values()):
        for k, post in enumerate(topic.posts):
            post.username = ("ada_f", "mallory_f")[(n + k) % 2]
    with FakeDiscourse(world) as server:
        _sync(tracked, server)
    with Session(tracked) as session:

        def owner(value: str) -> int:
            return session.exec(select(Identity.person_id).where(Identity.value == value)).one()

        joined = [
            u
            for u in ("ada_f", "mallory_f")
            if owner(f"discourse:discourse.llvm.org:{u}") == owner("ada-fict")
        ]
    assert len(joined) == 1  # the first claim joins; the second stays its own person

"""GitHub data at its worst: deleted accounts, null authors, a 10,000-file PR, an outage."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.ingest.sync import SyncProgress
from bot.sources.github.http import GitHubError, GitHubShapeError
from bot.store.models import (
    CodeOwner,
    Contribution,
    ContributionTerm,
    ContributionTopic,
    HttpCache,
    Person,
    SyncCursor,
)
from bot.taxonomy.terms import MAX_STRUCTURE, MAX_TERMS
from tests.support.fake_github import Comment, Issue, PullRequest, Review
from tests.support.github_world import BUFFERIZATION, REPO, Harness, small_world


def test_deleted_accounts_are_nobody_and_their_threads_still_count_for_others(
    engine: Engine,
) -> None:
    world = small_world()
    repo = world.repo(REPO)
    # REST and GraphQL both show GitHub's placeholder `ghost` for deleted accounts; some
    # answers carry a null author instead.
    repo.pulls.append(
        PullRequest(
            50,
            "[mlir][bufferization] Work of a deleted account",
            "ghost",
            "2026-01-18T10:00:00Z",
            "2026-01-18T12:00:00Z",
            merged_at="2026-01-18T12:00:00Z",
            closed_at="2026-01-18T12:00:00Z",
            files=[BUFFERIZATION],
            reviews=[
                Review(5001, "bo-fictional", "APPROVED", "2026-01-18T11:00:00Z"),
                Review(5002, "ghost", "APPROVED", "2026-01-18T11:30:00Z"),
                Review(5003, None, "COMMENTED", "2026-01-18T11:40:00Z"),
            ],
        )
    )
    repo.issues += [
        Issue(
            60,
            "Filed by a deleted account",
            "ghost",
            "2026-01-24T10:00:00Z",
            "2026-01-24T10:00:00Z",
        ),
        Issue(61, "Filed by nobody", None, "2026-01-24T11:00:00Z", "2026-01-24T11:00:00Z"),
    ]
    repo.comments += [
        Comment(9100, 60, "ghost", "2026-01-24T12:00:00Z", "2026-01-24T12:00:00Z"),
        Comment(9101, 60, None, "2026-01-24T12:10:00Z", "2026-01-24T12:10:00Z"),
        Comment(9102, 60, "cyd-fictional", "2026-01-24T12:20:00Z", "2026-01-24T12:20:00Z"),
    ]
    with Harness(engine, world) as harness:
        harness.sync()
        assert not [r for r in harness.server.log if r.path == "/users/ghost"]
    with Session(engine) as session:
        logins = {p.login for p in session.exec(select(Person))}
        assert "ghost" not in logins
        assert None not in logins
        rows = {(c.kind, c.external_id) for c in session.exec(select(Contribution))}
        assert ("review", "5001") in rows  # Bo's review of the deleted account's PR counts
        assert ("comment", "9102") in rows
        for gone in (
            ("pr", "50"),
            ("review", "5002"),
            ("review", "5003"),
            ("issue", "60"),
            ("issue", "61"),
            ("comment", "9100"),
            ("comment", "9101"),
        ):
            assert gone not in rows
        comment = session.exec(select(Contribution).where(Contribution.external_id == "9102")).one()
        assert comment.title == "Filed by a deleted account"  # the thread is still known


def test_a_pr_of_ten_thousand_files_is_stored_whole_and_indexed_within_bounds(
    engine: Engine,
) -> None:
    world = small_world()
    files = [f"mlir/lib/Dialect/Bufferization/Gen/File{i:05d}.cpp" for i in range(10_000)]
    world.repo(REPO).pulls.append(
        PullRequest(
            70,
            "[mlir] Mass rename",
            "cyd-fictional",
            "2026-01-19T10:00:00Z",
            "2026-01-19T12:00:00Z",
            merged_at="2026-01-19T12:00:00Z",
            closed_at="2026-01-19T12:00:00Z",
            additions=10_000,
            deletions=10_000,
            files=files,
            reviews=[Review(7001, "bo-fictional", "APPROVED", "2026-01-19T11:00:00Z")],
        )
    )
    with Harness(engine, world) as harness:
        harness.sync()
        file_pages = [r for r in harness.server.log if r.operation == "PullRequestPages"]
    # The first 100 come with the PR, then 99 pages of 100; PR 2's last 50 files ride along
    # in the first of those requests.
    assert len(file_pages) == 99
    with Session(engine) as session:
        pr = session.exec(
            select(Contribution).where(Contribution.kind == "pr", Contribution.external_id == "70")
        ).one()
        assert pr.paths == files
        assert pr.files_changed == 10_000
        topics = set(
            session.exec(
                select(ContributionTopic.topic).where(ContributionTopic.contribution_id == pr.id)
            )
        )
        assert "mlir.bufferization" in topics
        terms = session.exec(
            select(ContributionTerm.term).where(ContributionTerm.contribution_id == pr.id)
        ).all()
        assert 0 < len(terms) <= MAX_TERMS + MAX_STRUCTURE


def test_an_outage_mid_sync_leaves_each_cursor_at_its_last_committed_page(
    engine: Engine,
) -> None:
    world = small_world()
    with Harness(engine, world) as harness:
        harness.sync()
        before = cursors(engine)
        repo = world.repo(REPO)
        for number in range(100, 250):  # two pages of new PRs, and a new issue
            repo.pulls.append(
                PullRequest(
                    number,
                    f"[mlir] change {number}",
                    "bo-fictional",
                    "2026-02-01T10:00:00Z",
                    f"2026-02-02T{number % 24:02d}:{number % 60:02d}:00Z",
                    merged_at="2026-02-02T10:00:00Z",
                    files=[BUFFERIZATION],
                )
            )
        repo.issues.append(
            Issue(
                300, "Later issue", "cyd-fictional", "2026-02-03T10:00:00Z", "2026-02-03T10:00:00Z"
            )
        )

        def outage_after_first_page(event: SyncProgress) -> None:
            if event.pages == 1:
                harness.server.fail(503, times=1000)

        with pytest.raises(GitHubError, match="kept failing"):
            harness.sync(on_progress=outage_after_first_page, max_attempts=3)
        during = cursors(engine)
        stored = numbers(engine)
        assert len([n for n in stored if n >= 100]) == 100  # the committed first page, no more
        assert during["github.pulls"] != before["github.pulls"]
        # The other streams never started: their cursors are where they were.
        assert {k: v for k, v in during.items() if k != "github.pulls"} == {
            k: v for k, v in before.items() if k != "github.pulls"
        }

        harness.server.faults.clear()
        harness.server.log.clear()
        harness.sync()
        assert len([n for n in numbers(engine) if n >= 100]) == 150
        assert len([r for r in harness.server.log if r.operation == "PullRequests"]) == 1
    with Session(engine) as session:
        assert session.exec(
            select(Contribution).where(
                Contribution.kind == "issue", Contribution.external_id == "300"
            )
        ).one()


def cursors(engine: Engine) -> dict[str, str]:
    with Session(engine) as session:
        return {c.source: c.value for c in session.exec(select(SyncCursor))}


def numbers(engine: Engine) -> list[int]:
    with Session(engine) as session:
        return [
            int(n)
            for n in session.exec(select(Contribution.external_id).where(Contribution.kind == "pr"))
        ]


def test_nul_and_lone_surrogates_from_github_are_cleaned_on_every_store(engine: Engine) -> None:
    """A `\\u0000` in a title or a location once wedged every later PostgreSQL sync."""
    world = small_world()
    world.users["bo-fictional"].location = "Z\x00urich \ud800"
    world.users["bo-fictional"].bio = "compilers\x00" + "x" * 200_000
    world.repo(REPO).pulls.append(
        PullRequest(
            80,
            "[mlir][bufferization] Null\x00 byte \udfff title",
            "bo-fictional",
            "2026-01-20T10:00:00Z",
            "2026-01-20T12:00:00Z",
            merged_at="2026-01-20T12:00:00Z",
            closed_at="2026-01-20T12:00:00Z",
            files=[BUFFERIZATION],
        )
    )
    with Harness(engine, world) as harness:
        harness.sync()
        harness.sync()  # and the next sync runs too
    with Session(engine) as session:
        pr = session.exec(
            select(Contribution).where(Contribution.kind == "pr", Contribution.external_id == "80")
        ).one()
        bo = session.exec(select(Person).where(Person.login == "bo-fictional")).one()
    assert pr.title == "[mlir][bufferization] Null byte \ufffd title"
    assert bo.location == "Zurich \ufffd"
    assert bo.bio is not None
    assert "\x00" not in bo.bio
    assert len(bo.bio) <= 100_000


# GitHub's error body (its `basic-error` schema), sent with a 200 by a proxy or a bad day.
ERROR_BODY = {"message": "Server Error", "documentation_url": "https://docs.github.com/rest"}


def _profiles(engine: Engine) -> dict[str, tuple[str | None, object]]:
    with Session(engine) as session:
        return {
            p.login: (p.name, p.profile_fetched_at)
            for p in session.exec(select(Person))
            if p.login and not p.is_bot
        }


def _owners(engine: Engine) -> list[tuple[str, str, str, str]]:
    with Session(engine) as session:
        return sorted(
            (o.source_path, o.pattern, o.owner_kind, o.owner_value)
            for o in session.exec(select(CodeOwner))
        )


def _etag_slots(engine: Engine) -> set[str]:
    with Session(engine) as session:
        return set(session.exec(select(HttpCache.slot)))


@pytest.mark.parametrize(
    "body",
    [
        ERROR_BODY,  # a 200 whose body is an error
        {"data": {"u0": {"name": "No login"}}},  # a profile without the fields asked
        {"data": {"u0": ["not", "a", "profile"]}},
    ],
)
def test_profiles_answered_with_no_profile_are_not_stored_and_asked_again(
    engine: Engine, caplog: pytest.LogCaptureFixture, body: Any
) -> None:
    with Harness(engine, small_world()) as harness:
        server = harness.server
        server.answer_operation("Users", body)
        with caplog.at_level(logging.WARNING, logger="bot.ingest.sync"):
            stats = harness.sync()
        people = _profiles(engine)
        assert stats.profiles == 0
        assert stats.refused == len(people)
        assert f"{len(people)} malformed answers left for the next sync" in stats.summary()
        assert set(people.values()) == {(None, None)}  # nothing stored, nothing marked fresh
        lines = [r.getMessage() for r in caplog.records if "profiles of" in r.getMessage()]
        assert len(lines) == 1
        assert lines[0].endswith("nothing of it stored, asked again at the next sync")
        server.log.clear()
        again = harness.sync()
        assert [r.status for r in server.log if r.operation == "Users"] == [200]
    assert (again.profiles, again.refused) == (len(people), 0)
    assert _profiles(engine)["ada-fictional"][0] == "Ada Fictional"
    assert _profiles(engine)["cyd-fictional"][0] == "Cyd Fictional"


def test_a_refresh_answered_with_an_error_body_keeps_the_profile_and_stays_due(
    engine: Engine,
) -> None:
    world = small_world()
    pr = world.repo(REPO).pulls[0]
    with Harness(engine, world) as harness:
        harness.sync()
        before = _profiles(engine)["ada-fictional"]
        harness.clock.sleep(timedelta(days=8).total_seconds())
        pr.updated_at = "2026-03-01T00:00:00Z"  # ada is seen again, and due
        harness.server.answer_operation("Users", ERROR_BODY)
        stats = harness.sync()
        # Not stored as an empty profile, not marked fresh: due again when next seen.
        assert _profiles(engine)["ada-fictional"] == before
        assert stats.refused >= 1
        world.users["ada-fictional"].location = "Cambridge, UK"
        pr.updated_at = "2026-03-02T00:00:00Z"
        harness.server.log.clear()
        harness.sync()
        asked = [r.variables for r in harness.server.log if r.operation == "Users"]
    assert len(asked) == 1
    assert "ada-fictional" in asked[0].values()
    with Session(engine) as session:
        ada = session.exec(select(Person).where(Person.login == "ada-fictional")).one()
    assert ada.location == "Cambridge, UK"
    assert ada.profile_fetched_at is not None
    assert before[1] is not None
    assert ada.profile_fetched_at > before[1]  # type: ignore[operator]


def test_a_list_answered_with_an_error_body_stops_its_stream_in_one_line(engine: Engine) -> None:
    with Harness(engine, small_world()) as harness:
        harness.server.answer(f"/repos/{REPO}/issues/comments", ERROR_BODY)
        with pytest.raises(GitHubShapeError) as refused:
            harness.sync()
        assert str(refused.value) == (
            f"GitHub's answer for {REPO} comments is an error, not a list of objects with id "
            "(int), html_url (str), issue_url (str), created_at (str), updated_at (str): "
            "'Server Error'"
        )
        with Session(engine) as session:
            kinds = set(session.exec(select(Contribution.kind)))
            sources = set(session.exec(select(SyncCursor.source)))
        assert "comment" not in kinds
        assert "github.comments" not in sources
        assert not {s for s in _etag_slots(engine) if s.startswith("comments:")}
        harness.sync()  # the next sync reads the comments
        with Session(engine) as session:
            assert "comment" in set(session.exec(select(Contribution.kind)))
        harness.server.answer("/graphql", ERROR_BODY)
        with pytest.raises(GitHubShapeError, match="is an error, not data: 'Server Error'"):
            harness.sync()


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (
            {"data": {"repository": {"issues": {"nodes": [{"title": "x"}], "pageInfo": {}}}}},
            "holds an issue without a number",
        ),
        ({"data": {"repository": {"issues": {"edges": []}}}}, "is no page of issues"),
    ],
)
def test_a_page_of_issues_that_is_no_page_stores_nothing_of_it(
    engine: Engine, body: Any, said: str
) -> None:
    with Harness(engine, small_world()) as harness:
        harness.server.answer_operation("Issues", body)
        with pytest.raises(GitHubShapeError, match=said):
            harness.sync()
        with Session(engine) as session:
            kinds = set(session.exec(select(Contribution.kind)))
            sources = set(session.exec(select(SyncCursor.source)))
        assert "issue" not in kinds
        assert "github.issues" not in sources
        harness.sync()  # the next sync reads the issues
        with Session(engine) as session:
            assert {"issue", "rfc"} <= set(session.exec(select(Contribution.kind)))


def test_an_owner_file_answered_with_an_error_body_keeps_its_ownership(engine: Engine) -> None:
    with Harness(engine, small_world()) as harness:
        harness.sync()
        before = _owners(engine)
        assert any(row[0] == ".github/CODEOWNERS" for row in before)
        harness.clock.sleep(timedelta(days=8).total_seconds())
        harness.server.answer(f"/repos/{REPO}/contents/.github/CODEOWNERS", ERROR_BODY)
        stats = harness.sync()
        assert _owners(engine) == before
        assert stats.refused == 1
        harness.world.repos[REPO].files[".github/CODEOWNERS"] = "/mlir/ @bo-fictional\n"
        harness.sync()  # not marked fresh: the next sync reads the owner files again
        owners = _owners(engine)
    assert [r[1:4] for r in owners if r[0] == ".github/CODEOWNERS"] == [
        ("mlir/**", "github", "bo-fictional")
    ]


def test_large_prs_of_several_pages_get_their_later_pages_together(engine: Engine) -> None:
    from tests.support.fake_github import generate_world

    # 300 PRs, every 60th touching 250 files: PRs 60 and 120 come on page 1 and 2, and so on.
    world = generate_world(300, 1, people=20, full_name=REPO, big_every=60, big_files=250)
    with Harness(engine, world) as harness:
        harness.sync()
        operations = [r.operation for r in harness.server.log if r.operation]
    # Three pages of PRs; the five large PRs' pages 2 and 3 in two requests, not ten.
    assert operations.count("PullRequests") == 3
    assert operations.count("PullRequestPages") == 2
    with Session(engine) as session:
        large = session.exec(
            select(Contribution).where(Contribution.kind == "pr", Contribution.files_changed > 3)
        ).all()
        assert sorted(int(c.external_id) for c in large) == [60, 120, 180, 240, 300]
        assert {len(c.paths) for c in large} == {250}

"""GitHub data at its worst: deleted accounts, null authors, a 10,000-file PR, an outage."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.ingest.sync import SyncProgress
from bot.sources.github.http import GitHubError
from bot.store.models import Contribution, ContributionTerm, ContributionTopic, Person, SyncCursor
from bot.taxonomy.terms import MAX_TERMS
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
        file_pages = [r for r in harness.server.log if r.operation == "PullRequestFiles"]
    # The first 100 come with the PR, then 99 pages of 100 (and one for PR 2's 150 files).
    assert len(file_pages) == 99 + 1
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
        assert 0 < len(terms) <= MAX_TERMS


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

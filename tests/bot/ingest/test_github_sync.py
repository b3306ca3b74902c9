"""GitHub sync against a fake GitHub on loopback: completeness, increments, resumption, faults."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.ingest import sync as sync_module
from bot.ingest.sync import SyncProgress
from bot.sources.github.http import GitHubAuthError, GitHubError, GitHubNotFoundError
from bot.store.identity import email_key, login_key, suppression_hash
from bot.store.models import (
    CodeOwner,
    Contribution,
    ContributionTerm,
    ContributionTopic,
    Identity,
    Person,
    Repo,
    Suppression,
    SyncCursor,
)
from bot.taxonomy.model import default_taxonomy
from bot.taxonomy.terms import terms_of
from tests.support.fake_github import (
    Comment,
    Issue,
    Review,
    User,
    World,
    generate_world,
)
from tests.support.github_world import BUFFERIZATION, REPO, Harness, small_world


@pytest.fixture
def harness(engine: Engine) -> Iterator[Harness]:
    with Harness(engine, small_world()) as h:
        yield h


def snapshot(engine: Engine) -> dict[str, Any]:
    """Everything a sync writes, in a comparable form."""
    with Session(engine) as session:
        people = {p.id: p.login for p in session.exec(select(Person))}
        contributions = sorted(
            (
                c.kind,
                c.external_id,
                people[c.person_id],
                c.state,
                c.occurred_at.isoformat(),
                tuple(c.paths),
                tuple(c.labels),
                c.parent_number,
            )
            for c in session.exec(select(Contribution))
        )
        by_id = {c.id: (c.kind, c.external_id) for c in session.exec(select(Contribution))}
        topics = sorted(
            (by_id[t.contribution_id], t.topic) for t in session.exec(select(ContributionTopic))
        )
        owners = sorted(
            (o.source_path, o.pattern, o.owner_kind, o.owner_value, o.area)
            for o in session.exec(select(CodeOwner))
        )
        return {
            "people": sorted((p.login, p.is_bot, p.location) for p in session.exec(select(Person))),
            "identities": sorted((i.kind, i.value) for i in session.exec(select(Identity))),
            "contributions": contributions,
            "topics": topics,
            "owners": owners,
        }


def test_full_sync_stores_what_the_server_holds(harness: Harness) -> None:
    stats = harness.sync()
    snap = snapshot(harness.engine)
    kinds = [c[0] for c in snap["contributions"]]
    # PRs 1-3 (4's author is a deleted account); reviews: bo on #1, 130 by cyd on #2, ada on #4
    # (ada's comment on her own PR and the pending review are not reviews given).
    assert kinds.count("pr") == 3
    assert kinds.count("review") == 132
    assert kinds.count("rfc") == 1
    assert kinds.count("issue") == 1
    assert kinds.count("comment") == 2
    assert stats.new == {"pr": 3, "review": 132, "rfc": 1, "issue": 1, "comment": 2}

    with Session(harness.engine) as session:
        big = session.exec(
            select(Contribution).where(Contribution.kind == "pr", Contribution.external_id == "2")
        ).one()
        assert len(big.paths) == 150
        assert big.files_changed == 150
        bot = session.exec(select(Person).where(Person.login == "dependabot[bot]")).one()
        assert bot.is_bot
        ada = session.exec(select(Person).where(Person.login == "ada-fictional")).one()
        assert ada.location == "London, UK"
        assert (ada.country_code, ada.region) == ("GB", "uk")
        assert ada.public_email == "ada@compilers.example"
        assert ada.bio == "MLIR <!channel>"
        assert ada.profile_fetched_at == harness.clock.datetime()

    topics = dict.fromkeys(t for (key, t) in snap["topics"] if key == ("pr", "1"))
    assert "mlir.bufferization" in topics
    assert (("comment", "9002"), "mlir.bufferization") in snap["topics"]  # tagged like its PR
    assert (("rfc", "10"), "mlir.bufferization") in snap["topics"]
    assert (("review", "999"), "mlir.linalg") in snap["topics"]
    assert ("pr", "3") not in {key for key, _ in snap["topics"]}  # CI config is no topic

    assert (
        ".github/CODEOWNERS",
        "mlir/lib/Dialect/Bufferization/**",
        "github",
        "ada-fictional",
        None,
    ) in snap["owners"]
    assert (".github/CODEOWNERS", "**/*.td", "team", "example-org/tablegen", None) in snap["owners"]
    assert ("mlir/Maintainers.md", "mlir/**", "github", "ada-fictional", "Bufferization") in snap[
        "owners"
    ]
    assert ("mlir/Maintainers.md", "mlir/**", "github", "bo-fictional", "Linalg") in snap["owners"]
    assert {r.operation for r in harness.server.log if r.operation} == {
        "PullRequests",
        "PullRequestPages",  # the rest of the large PRs' files and reviews, together
        "Users",  # every profile of the sync in one request, none through REST
        "Issues",  # issues alone, not REST's list of issues and every PR
    }
    assert not [r.path for r in harness.server.log if r.path.endswith("/issues")]
    assert [r.operation for r in harness.server.log].count("Users") == 1
    assert [r.operation for r in harness.server.log].count("PullRequestPages") == 1
    assert not [r.path for r in harness.server.log if "/users/" in r.path]
    assert stats.requests == len(harness.server.counted())


def test_second_sync_adds_nothing_and_costs_only_cheap_requests(harness: Harness) -> None:
    harness.sync()
    before = snapshot(harness.engine)
    harness.sync()
    harness.server.log.clear()
    third = harness.sync()
    assert snapshot(harness.engine) == before
    assert third.new == dict.fromkeys(third.new, 0)
    assert third.new_people == 0
    # Two GraphQL pages (nothing after either cursor) and one conditional REST request, free.
    assert [(r.operation or r.path, r.status) for r in harness.server.log] == [
        ("PullRequests", 200),
        ("Issues", 200),
        (f"/repos/{REPO}/issues/comments", 304),
    ]
    assert third.requests == 2
    assert third.not_modified == 1


def test_incremental_sync_takes_only_what_changed(harness: Harness) -> None:
    harness.sync()
    repo = harness.world.repos[REPO]
    pr = repo.pulls[0]
    pr.reviews.append(Review(104, "grace-fictional", "APPROVED", "2026-02-01T09:00:00Z"))
    pr.updated_at = "2026-02-01T09:00:00Z"
    repo.issues.append(
        Issue(
            12,
            "Vector unrolling regression",
            "bo-fictional",
            "2026-02-02T10:00:00Z",
            "2026-02-02T10:00:00Z",
        )
    )
    repo.comments.append(
        Comment(9003, 12, "ada-fictional", "2026-02-02T11:00:00Z", "2026-02-02T11:00:00Z")
    )
    harness.server.log.clear()
    stats = harness.sync()
    assert stats.new == {"pr": 0, "review": 1, "rfc": 0, "issue": 1, "comment": 1}
    pages = [r for r in harness.server.log if r.operation == "PullRequests"]
    assert len(pages) == 1  # only the PR updated after the cursor came back


def _world_for_resume() -> World:
    world = generate_world(pulls=340, reviews_per_pull=2, people=40, full_name=REPO)
    world.repo(REPO).issues = [
        Issue(
            100_000 + i,
            f"Issue {i}",
            "ada-fictional" if i % 2 else None,
            f"2026-03-{1 + i // 10:02d}T10:{i % 60:02d}:00Z",
            f"2026-03-{1 + i // 10:02d}T10:{i % 60:02d}:00Z",
        )
        for i in range(250)
    ]
    world.users["ada-fictional"] = User("ada-fictional", location="Cambridge, UK")
    return world


def test_killed_sync_resumes_to_the_same_rows(engine: Engine, tmp_path: Any) -> None:
    from bot.store.engine import make_engine, upgrade

    reference = make_engine(f"sqlite:///{tmp_path / 'reference.db'}")
    upgrade(reference)
    with Harness(reference, _world_for_resume()) as h:
        h.sync()
    expected = snapshot(reference)

    class KilledError(Exception):
        pass

    with Harness(engine, _world_for_resume()) as h:
        # Killed between pages: after the second page was committed.
        def die_after_two(event: SyncProgress) -> None:
            if event.pages == 2:
                raise KilledError

        with pytest.raises(KilledError):
            h.sync(on_progress=die_after_two)
        partial = snapshot(engine)
        assert 0 < len(partial["contributions"]) < len(expected["contributions"])

        # Killed inside a page: the cursor write of the fourth page fails before its commit.
        original = sync_module.set_cursor
        calls = {"n": 0}

        def failing_set_cursor(*args: Any) -> None:
            calls["n"] += 1
            if calls["n"] == 4:
                raise KilledError
            original(*args)

        sync_module.set_cursor = failing_set_cursor  # type: ignore[assignment]
        try:
            with pytest.raises(KilledError):
                h.sync()
        finally:
            sync_module.set_cursor = original
        h.server.log.clear()
        h.sync()
        assert snapshot(engine) == expected
        # It resumed: the first pages were not fetched again.
        assert len([r for r in h.server.log if r.operation == "PullRequests"]) < 4


def test_transient_faults_are_survived(harness: Harness) -> None:
    harness.server.fail(502, times=2)
    harness.server.drop()
    harness.server.secondary_limit(retry_after=37)
    harness.server.fail(503)
    harness.sync()
    assert 37 in harness.clock.sleeps
    clean = World()
    clean.users, clean.repos = harness.world.users, harness.world.repos
    assert len(snapshot(harness.engine)["contributions"]) == 139


def test_persistent_failure_gives_up_with_a_clear_error(harness: Harness) -> None:
    harness.server.fail(502, times=50)
    with pytest.raises(GitHubError, match=r"kept failing for llvm/llvm-project after 4 attempts"):
        harness.sync(max_attempts=4)
    assert len([r for r in harness.server.log if r.status == 502]) == 4
    assert len(harness.clock.sleeps) == 3
    assert all(1 <= s <= 6 for s in harness.clock.sleeps)  # exponential with jitter, bounded


def test_exhausted_budget_waits_for_the_reset(harness: Harness) -> None:
    harness.server.exhaust("graphql", reset_in=900)
    start = harness.clock.time()
    harness.sync()
    assert harness.clock.time() - start >= 900
    assert any(900 <= s <= 902 for s in harness.clock.sleeps)
    assert len(snapshot(harness.engine)["contributions"]) == 139


def test_low_budget_waits_before_running_out(engine: Engine) -> None:
    with Harness(engine, small_world(), core_limit=30) as h:
        h.sync(reserve=25)
        # The client paused for the reset instead of spending the budget down to a 403.
        assert not [r for r in h.server.log if r.status == 403]
        assert any(s > 3000 for s in h.clock.sleeps)


def test_bad_token_is_a_clear_error_and_stores_nothing(harness: Harness) -> None:
    with pytest.raises(GitHubAuthError, match="GITHUB_TOKEN"):
        harness.sync(token="ghp_wrong")
    with Session(harness.engine) as session:
        assert session.exec(select(Contribution)).first() is None
        assert session.exec(select(SyncCursor)).first() is None
    assert [r.status for r in harness.server.log] == [401]  # never retried


def test_unknown_repo_is_a_clear_error_and_stores_nothing(engine: Engine) -> None:
    world = small_world()
    del world.repos[REPO]
    with Harness(engine, world) as h:
        with pytest.raises(GitHubNotFoundError, match="llvm/llvm-project"):
            h.sync()
        assert len(h.server.log) == 1
    with Session(engine) as session:
        assert session.exec(select(Contribution)).first() is None


def test_github_enterprise_base_url(engine: Engine) -> None:
    with Harness(engine, small_world(), enterprise=True) as h:
        assert h.server.url.endswith("/api/v3")
        h.sync()
        assert any(r.path == "/api/graphql" for r in h.server.log)
        assert len(snapshot(engine)["contributions"]) == 139


def test_suppressed_people_are_not_brought_back(harness: Harness) -> None:
    with Session(harness.engine) as session:
        session.add(Suppression(identity_hash=suppression_hash(login_key("grace-fictional"))))
        session.commit()
    harness.sync()
    snap = snapshot(harness.engine)
    assert "grace-fictional" not in {login for login, *_ in snap["people"]}
    assert not [c for c in snap["contributions"] if c[2] == "grace-fictional"]
    assert not [r for r in harness.server.log if r.path == "/users/grace-fictional"]


def test_profiles_refresh_at_most_weekly(harness: Harness) -> None:
    def asked() -> list[list[str]]:
        """The logins of each profile request, in order."""
        return [sorted(r.variables.values()) for r in harness.server.log if r.operation == "Users"]

    harness.sync()
    first = asked()
    assert len(first) == 1  # four people in one request; the bot's profile is not fetched
    assert len(first[0]) == 4
    assert not [login for login in first[0] if "bot" in login]
    harness.world.repos[REPO].pulls[0].updated_at = "2026-03-01T00:00:00Z"  # ada seen again
    harness.server.log.clear()
    harness.sync()
    assert asked() == []
    harness.clock.sleep(timedelta(days=8).total_seconds())
    harness.world.repos[REPO].pulls[0].updated_at = "2026-03-09T00:00:00Z"
    harness.world.users["ada-fictional"].location = "Cambridge, UK"
    harness.server.log.clear()
    harness.sync()
    # Both people on the updated PR are due again, asked together.
    assert asked() == [["ada-fictional", "bo-fictional"]]
    with Session(harness.engine) as session:
        ada = session.exec(select(Person).where(Person.login == "ada-fictional")).one()
        assert ada.location == "Cambridge, UK"


def test_owner_files_are_replaced_when_they_change(harness: Harness) -> None:
    harness.sync()
    files = harness.world.repos[REPO].files
    files[".github/CODEOWNERS"] = "/mlir/lib/Dialect/Bufferization/ @bo-fictional\n"
    del files["mlir/Maintainers.md"]
    harness.clock.sleep(timedelta(days=8).total_seconds())
    harness.sync()
    owners = snapshot(harness.engine)["owners"]
    assert owners == [
        (".github/CODEOWNERS", "mlir/lib/Dialect/Bufferization/**", "github", "bo-fictional", None)
    ]


def test_progress_reports_pages_and_budget(harness: Harness) -> None:
    harness.sync()
    stages = [event.stage for event in harness.progress]
    assert stages[0] == "pull requests"
    assert {"issues", "comments", "owners"} <= set(stages)
    assert harness.progress[-1].requests_left is not None
    assert harness.progress[-1].requests_left < 5000


def test_no_address_in_clear_after_a_sync(harness: Harness) -> None:
    """Only the address a person published on their profile is held, and only there."""
    harness.sync()
    with harness.engine.connect() as connection:
        for table in ("identity", "contribution", "code_owner", "sync_cursor", "http_cache"):
            text = " ".join(
                str(row) for row in connection.execute(sa.text(f"SELECT * FROM {table}"))
            )
            assert "@compilers.example" not in text, table
        emails = connection.execute(
            sa.text("SELECT public_email FROM person WHERE public_email IS NOT NULL")
        )
        assert [row[0] for row in emails] == ["ada@compilers.example"]


def test_identities_are_logins_and_the_hash_of_a_published_address(harness: Harness) -> None:
    """A published address becomes a hashed identity, so git commits under it join the account."""
    harness.sync()
    with Session(harness.engine) as session:
        rows = session.exec(select(Identity.kind, Identity.value, Identity.person_id)).all()
        ada = session.exec(select(Person).where(Person.login == "ada-fictional")).one()
    assert {kind for kind, _, _ in rows} == {"github", "email"}
    assert all(value == value.lower() for kind, value, _ in rows if kind == "github")
    emails = [(value, person) for kind, value, person in rows if kind == "email"]
    assert emails == [(email_key("ada@compilers.example").value, ada.id)]


def test_an_issue_edited_while_paging_hides_nothing(engine: Engine) -> None:
    """Items edited mid-sync move to the end of the list; none may be skipped."""
    world = small_world()
    world.repo(REPO).issues = [
        Issue(
            1000 + i,
            f"Issue {i}",
            "cyd-fictional",
            "2026-02-01T00:00:00Z",
            f"2026-02-{1 + i // 24:02d}T{i % 24:02d}:00:00Z",
        )
        for i in range(150)
    ]
    with Harness(engine, world) as h:
        edited = {"done": False}

        def edit_after_first_page(event: SyncProgress) -> None:
            if event.stage == "issues" and not edited["done"]:
                h.world.repos[REPO].issues[49].updated_at = "2026-03-30T00:00:00Z"
                edited["done"] = True

        h.sync(on_progress=edit_after_first_page)
        assert edited["done"]
    with Session(engine) as session:
        numbers = set(
            session.exec(select(Contribution.external_id).where(Contribution.kind == "issue"))
        )
    assert numbers == {str(1000 + i) for i in range(150)}


def test_a_full_page_at_one_timestamp_moves_on_by_page(engine: Engine) -> None:
    world = small_world()
    world.repo(REPO).issues = [
        Issue(
            2000 + i,
            f"Bulk-labelled {i}",
            "cyd-fictional",
            "2026-02-01T00:00:00Z",
            "2026-02-02T00:00:00Z",
        )
        for i in range(230)
    ]
    with Harness(engine, world) as h:
        h.sync()
        issue_pages = [r for r in h.server.log if r.path.endswith("/issues")]
        assert len(issue_pages) <= 4
    with Session(engine) as session:
        count = len(session.exec(select(Contribution.id).where(Contribution.kind == "issue")).all())
    assert count == 230


def test_a_thread_retitled_as_rfc_stays_one_row(harness: Harness) -> None:
    harness.sync()
    issue = harness.world.repos[REPO].issues[1]
    issue.title, issue.updated_at = "[RFC] Crash in linalg tiling", "2026-02-10T10:00:00Z"
    harness.sync()
    with Session(harness.engine) as session:
        rows = session.exec(select(Contribution.kind).where(Contribution.external_id == "11")).all()
    assert rows == ["rfc"]


def test_a_retitled_pr_is_classified_again_both_ways(harness: Harness) -> None:
    """A PR retitled to a revert becomes upkeep; retitled back, it is real work again (the
    stored nature is replaced, not only ever set)."""

    def nature() -> str | None:
        with Session(harness.engine) as session:
            return session.exec(
                select(Contribution.nature).where(
                    Contribution.kind == "pr", Contribution.external_id == "1"
                )
            ).one()

    harness.sync()
    assert nature() is None
    pull = harness.world.repos[REPO].pulls[0]
    title = pull.title
    pull.title, pull.updated_at = f'Revert "{title}"', "2026-02-10T10:00:00Z"
    harness.sync()
    assert nature() == "revert"
    pull.title, pull.updated_at = title, "2026-02-11T10:00:00Z"
    harness.sync()
    assert nature() is None


def test_a_published_address_joins_git_history_ingested_first(
    engine: Engine, tmp_path: Any
) -> None:
    from bot.ingest.git import ingest_git
    from tests.support.git_repos import GitRepo

    git = GitRepo(tmp_path / "llvm")
    git.commit(
        "[mlir] early work", {BUFFERIZATION: "x\n"}, author=("Ada F.", "ada@compilers.example")
    )
    with Harness(engine, small_world()) as h:
        with Session(engine) as session:
            repo = session.exec(select(Repo)).one()
            ingest_git(session, default_taxonomy(), repo, git.path)
            session.commit()
        h.sync()
    with Session(engine) as session:
        ada = session.exec(select(Person).where(Person.login == "ada-fictional")).one()
        commit = session.exec(select(Contribution).where(Contribution.kind == "commit")).one()
        assert commit.person_id == ada.id  # one person, not two
        assert session.exec(select(Person).where(Person.name == "Ada F.")).first() is None


def test_files_a_pr_adds_mark_its_tags_and_words_built(engine: Engine) -> None:
    """GitHub's `changeType: ADDED` (on the first page of files and past it) marks the PR's
    tags and words of the files it created; a PR that only modifies, and the reviews of one
    that adds, are not built."""
    world = small_world()
    amdgpu = world.repos[REPO].pulls[1]
    amdgpu.added = {amdgpu.files[5], amdgpu.files[120]}  # 150 files: the second page too
    with Harness(engine, world) as harness:
        harness.sync()
    with Session(engine) as session:
        rows = session.execute(
            sa.select(Contribution.kind, Contribution.external_id, ContributionTopic.built)
            .join(ContributionTopic, ContributionTopic.contribution_id == Contribution.id)
            .where(Contribution.kind.in_(["pr", "review"]))  # type: ignore[attr-defined]
        ).all()
        words = session.execute(
            sa.select(ContributionTerm.term).where(ContributionTerm.built)
        ).scalars()
        built_words = set(words)
    built = {(kind, number) for kind, number, flag in rows if flag}
    assert built == {("pr", "2")}
    assert ("pr", "1") in {(kind, number) for kind, number, _ in rows}
    # The words of the files it added, of those the index keeps for a 150-file change.
    indexed = terms_of(amdgpu.files, amdgpu.labels, amdgpu.title)
    assert built_words == terms_of(sorted(amdgpu.added), (), None) & indexed
    assert "file120" in built_words


def test_an_account_gone_since_it_was_seen_is_asked_once_a_week_with_the_others(
    harness: Harness,
) -> None:
    del harness.world.users["bo-fictional"]  # renamed or deleted after their work
    harness.sync()
    with Session(harness.engine) as session:
        bo = session.exec(select(Person).where(Person.login == "bo-fictional")).one()
        ada = session.exec(select(Person).where(Person.login == "ada-fictional")).one()
        # Not a person's profile any more: nothing stored, but checked, so not asked daily.
        assert (bo.name, bo.location) == (None, None)
        assert bo.profile_fetched_at == harness.clock.datetime()
        assert ada.location == "London, UK"  # the others in the same request are stored
    harness.world.repos[REPO].pulls[0].updated_at = "2026-03-01T00:00:00Z"
    harness.server.log.clear()
    harness.sync()
    assert not [r for r in harness.server.log if r.operation == "Users"]


def test_a_store_synced_by_rest_keeps_its_issue_time_and_moves_to_the_graphql_cursor(
    harness: Harness,
) -> None:
    harness.sync()
    with Session(harness.engine) as session:  # what a csf reading issues through REST kept
        cursor = session.exec(select(SyncCursor).where(SyncCursor.source == "github.issues")).one()
        cursor.value = "2026-02-01T00:00:00Z"
        session.add(cursor)
        session.commit()
    harness.world.repos[REPO].issues.append(
        Issue(13, "Later issue", "bo-fictional", "2026-02-03T10:00:00Z", "2026-02-03T10:00:00Z")
    )
    harness.server.log.clear()
    stats = harness.sync()
    asked = [r.variables for r in harness.server.log if r.operation == "Issues"]
    assert asked[0]["since"] == "2026-02-01T00:00:00Z"
    assert asked[0]["after"] is None
    assert stats.new["issue"] == 1
    with Session(harness.engine) as session:
        value = session.exec(
            select(SyncCursor.value).where(SyncCursor.source == "github.issues")
        ).one()
    assert not value.startswith("2026-")  # GraphQL's keyset cursor from now on
    harness.server.log.clear()
    assert harness.sync().new["issue"] == 0
    asked = [r.variables for r in harness.server.log if r.operation == "Issues"]
    assert (asked[0]["since"], asked[0]["after"]) == (None, value)

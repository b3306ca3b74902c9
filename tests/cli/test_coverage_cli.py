"""`csf ingest git` and `csf sync` say how much of each repository is in a topic, and warn
when a repository gets almost none, with why and what to do."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import csf
from tests.support.fake_github import TOKEN, FakeGitHub, PullRequest, Review
from tests.support.git_repos import llvm_like_repo, unrelated_repo
from tests.support.github_world import small_world


def test_ingest_git_reports_coverage_and_warns_on_an_unknown_layout(tmp_path: Path) -> None:
    assert csf(tmp_path, "migrate").returncode == 0
    tagged = llvm_like_repo(tmp_path / "llvm-project")
    result = csf(tmp_path, "ingest", "git", str(tagged.path), "--repo", "llvm/llvm-project")
    assert result.returncode == 0, result.stderr
    assert "llvm/llvm-project: 52 of 56 contributions (93%) in a topic" in result.stdout
    assert "warning" not in result.stderr

    other = unrelated_repo(tmp_path / "widgets")
    warned = csf(
        tmp_path, "ingest", "git", str(other.path), "--repo", "example-org/widgets", "-e", "mlir"
    )
    assert warned.returncode == 0, warned.stderr  # a warning, not a failure
    assert "example-org/widgets: 0 of 52 contributions (0%) in a topic" in warned.stdout
    [line] = [x for x in warned.stderr.splitlines() if "warning" in x]
    assert line.startswith("csf: warning: example-org/widgets: only 0% of its 52 contributions")
    assert "in no ecosystem's `repos`" in line
    assert "Free-word questions (`csf who WORDS`) still work" in line
    # The coverage stands for the stored history, so a run that adds nothing still says it.
    again = csf(
        tmp_path, "ingest", "git", str(other.path), "--repo", "example-org/widgets", "-e", "mlir"
    )
    assert "0 commits read" in again.stdout
    assert "example-org/widgets: 0 of 52 contributions (0%) in a topic" in again.stdout
    assert "csf: warning: example-org/widgets" in again.stderr


def test_sync_reports_coverage_per_repository_and_warns_on_the_uncovered(tmp_path: Path) -> None:
    world = small_world()
    widgets = world.repo("example-org/widgets")
    widgets.pulls = [
        PullRequest(
            n,
            f"widgets: polish part {n}",
            "bo-fictional",
            "2026-02-01T10:00:00Z",
            "2026-02-02T10:00:00Z",
            merged_at="2026-02-02T10:00:00Z",
            closed_at="2026-02-02T10:00:00Z",
            files=[f"src/widgets/part{n}.c"],
            reviews=[Review(5000 + n, "cyd-fictional", "APPROVED", "2026-02-01T12:00:00Z")],
        )
        for n in range(1, 31)
    ]
    assert csf(tmp_path, "migrate").returncode == 0
    assert csf(tmp_path, "track", "add", "llvm/llvm-project").returncode == 0
    assert csf(tmp_path, "track", "add", "example-org/widgets", "-e", "mlir").returncode == 0
    with FakeGitHub(world) as server:
        synced = csf(tmp_path, "sync", GITHUB_API_URL=server.url, GITHUB_TOKEN=TOKEN)
    assert synced.returncode == 0, synced.stderr
    assert "llvm/llvm-project: 138 of 139 contributions (>99%) in a topic" in synced.stdout
    assert "example-org/widgets: 0 of 60 contributions (0%) in a topic" in synced.stdout
    warnings = [x for x in synced.stderr.splitlines() if x.startswith("csf: warning:")]
    assert len(warnings) == 1
    assert warnings[0].startswith("csf: warning: example-org/widgets: only 0% of its 60")
    assert "'mlir' topic globs (from `-e`)" in warnings[0]

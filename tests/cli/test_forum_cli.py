"""`csf track add discourse:… --category …` and `csf sync` against a forum on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import csf
from tests.support.fake_discourse import FakeDiscourse, ForumSection, generated_forum

CATEGORY = "discourse:discourse.llvm.org/c/mlir/31"


def test_track_a_forum_category_by_name_then_sync_it_without_a_github_token(
    tmp_path: Path,
) -> None:
    world = generated_forum(30, long_every=5)
    world.categories.append(ForumSection(7, "llvm-project", "LLVM Project"))
    with FakeDiscourse(world) as server:
        env = {"DISCOURSE_API_URL": server.url}
        assert csf(tmp_path, "migrate").returncode == 0
        added = csf(
            tmp_path, "track", "add", "discourse:https://discourse.llvm.org", "--category",
            "MLIR", **env,
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
        assert added.stdout.strip() == f"tracking {CATEGORY} (mlir)"
        listed = csf(tmp_path, "track", "list")
        assert CATEGORY in listed.stdout
        synced = csf(tmp_path, "sync", **env)
        assert synced.returncode == 0, synced.stderr
        assert f"{CATEGORY}: " in synced.stdout
        assert "6 RFCs" in synced.stdout
        assert all(not r.path.startswith("/repos") for r in server.log)
        answer = csf(tmp_path, "who", "mlir", "bufferization", "--json")
        assert answer.returncode == 0, answer.stderr
        assert "[RFC] Buffer reuse plan" in answer.stdout
        assert "https://discourse.llvm.org/t/" in answer.stdout


def test_forum_mistakes_are_one_line(tmp_path: Path) -> None:
    with FakeDiscourse(generated_forum(1)) as server:
        env = {"DISCOURSE_API_URL": server.url}
        assert csf(tmp_path, "migrate").returncode == 0
        unknown = csf(
            tmp_path, "track", "add", "discourse:https://discourse.llvm.org", "--category",
            "Cooking", **env,
        )  # fmt: skip
        assert unknown.returncode == 1
        assert unknown.stderr.startswith("csf: discourse.llvm.org has no category 'Cooking'")
        assert unknown.stderr.count("\n") == 1
        other_host = csf(
            tmp_path, "track", "add", "discourse:https://forum.fictional.example",
            "--category", "mlir/31",
        )  # fmt: skip
        assert other_host.returncode == 1
        assert "CSF_ARCHIVE_HOSTS" in other_host.stderr
        no_category = csf(tmp_path, "track", "add", "discourse:https://discourse.llvm.org")
        assert no_category.returncode == 1
        assert "--category" in no_category.stderr
        assert (
            csf(
                tmp_path, "track", "add", "discourse:discourse.llvm.org", "--category", "mlir/31"
            ).returncode
            == 0
        )
        # A refusal, not a 500: the process would wait out real backoff before giving up (about
        # 18 s); a 500 that persists is tested with a clock of its own (tests/bot/sources).
        server.fail(403, times=100)
        failed = csf(tmp_path, "sync", **env)
        assert failed.returncode == 1
        assert "Traceback" not in failed.stderr
        assert f"not synced: {CATEGORY}" in failed.stderr
        assert "the forum refused" in failed.stderr

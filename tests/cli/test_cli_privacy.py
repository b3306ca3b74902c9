"""`csf people forget/export`, `csf audit`, `csf prune` and a locked store: real processes."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ENV_NAMES
from tests.support.git_repos import GitRepo


def csf(cwd: Path, *args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ENV_NAMES.values()}
    clean.update({"COLUMNS": "200", **env})
    return subprocess.run(
        [sys.executable, "-m", "cli", *args],
        cwd=cwd,
        env=clean,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """A migrated store holding the git history of two fictional people."""
    git = GitRepo(tmp_path / "linux")
    git.commit("mm: fold slabs", {"mm/slub.c": "x\n"}, author=("Ada Fictional", "ada@example.com"))
    git.commit(
        "sched: old fix",
        {"kernel/sched/fair.c": "y\n"},
        author=("Bo Fictional", "bo@example.org"),
        date="2014-03-01T10:00:00+00:00",
    )
    assert csf(tmp_path, "migrate").returncode == 0
    ingested = csf(tmp_path, "ingest", "git", str(git.path), "--repo", "torvalds/linux")
    assert ingested.returncode == 0, ingested.stderr
    return tmp_path


def test_forget_asks_first_then_erases_and_audits_without_the_person(store: Path) -> None:
    declined = csf(store, "people", "forget", "ada@example.com", stdin="n\n")
    assert declined.returncode == 1
    assert "Ada Fictional" in declined.stdout  # what would go, shown before asking
    assert "1 contributions" in declined.stdout
    assert declined.stderr.strip() == "csf: nothing erased (confirm, or pass --yes)"
    assert csf(store, "people", "show", "ada@example.com").returncode == 0

    confirmed = csf(store, "people", "forget", "ada@example.com", stdin="y\n")
    assert confirmed.returncode == 0, confirmed.stderr
    assert "erased and suppressed" in confirmed.stdout
    gone = csf(store, "people", "show", "ada@example.com")
    assert gone.returncode == 1
    assert "no one known as 'ada@example.com'" in gone.stderr

    unknown = csf(store, "people", "forget", "stranger@example.com", "--yes")
    assert unknown.returncode == 0, unknown.stderr
    assert "csf holds no one as stranger@example.com" in unknown.stdout

    events = [json.loads(line) for line in csf(store, "audit", "--json").stdout.splitlines()]
    erasures = [e for e in events if e["action"] == "people.forget"]
    assert [(e["actor"], e["target"][:8]) for e in erasures] == [("cli", "erasure:")] * 2
    # The erasure ids are random hex, which may spell "ada" by chance: they are left out.
    shown = [{**e, "target": e["target"].split(":")[0]} for e in events]
    assert "ada" not in json.dumps(shown).lower()
    assert "stranger" not in json.dumps(events).lower()
    table = csf(store, "audit", "--since", "2000-01-01")
    assert table.returncode == 0
    assert "people.forget" in table.stdout
    assert "no audit events since 2999-01-01" in csf(store, "audit", "--since", "2999-01-01").stdout


def test_export_writes_json_readable_by_the_operator_only(store: Path) -> None:
    shown = csf(store, "people", "export", "bo@example.org")
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert [c["title"] for c in data["contributions"]] == ["sched: old fix"]
    assert "bo@example.org" not in shown.stdout  # held as a hash, so exported as one
    target = store / "bo.json"
    written = csf(store, "people", "export", "bo@example.org", "--out", str(target))
    assert written.returncode == 0, written.stderr
    from_file = json.loads(target.read_text())
    # The same data, and the export before this one is now part of it.
    assert {**from_file, "audit_events": []} == {**data, "audit_events": []}
    assert [e["action"] for e in from_file["audit_events"]] == ["people.export"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    actions = [json.loads(x)["action"] for x in csf(store, "audit", "--json").stdout.splitlines()]
    assert actions.count("people.export") == 2


def test_export_writes_a_new_private_file_and_never_through_a_link(store: Path) -> None:
    def exports() -> int:
        lines = csf(store, "audit", "--json").stdout.splitlines()
        return [json.loads(line)["action"] for line in lines].count("people.export")

    old = store / "old.json"
    old.write_text("someone else's notes\n")
    old.chmod(0o644)
    kept = csf(store, "people", "export", "bo@example.org", "--out", str(old))
    assert kept.returncode == 1
    assert (
        kept.stderr == f"csf: cannot write {old}: it already exists (pass --force to replace it)\n"
    )
    assert old.read_text() == "someone else's notes\n"
    assert exports() == 0  # refused before anything was exported
    replaced = csf(store, "people", "export", "bo@example.org", "--out", str(old), "--force")
    assert replaced.returncode == 0, replaced.stderr
    assert json.loads(old.read_text())["contributions"][0]["title"] == "sched: old fix"
    assert stat.S_IMODE(old.stat().st_mode) == 0o600  # not the 644 the old file had

    target = store / "elsewhere.txt"
    target.write_text("not yours\n")
    link = store / "link.json"
    link.symlink_to(target)
    for force in ((), ("--force",)):
        refused = csf(store, "people", "export", "bo@example.org", "--out", str(link), *force)
        assert refused.returncode == 1
        assert refused.stderr.startswith(f"csf: cannot write {link}: it is a symbolic link")
    assert target.read_text() == "not yours\n"
    assert link.is_symlink()

    for path, why in (
        (store / "missing" / "x.json", f"there is no folder {store / 'missing'}"),
        (old / "x.json", "Not a directory"),
    ):
        failed = csf(store, "people", "export", "bo@example.org", "--out", str(path))
        assert failed.returncode == 1
        assert failed.stderr == f"csf: cannot write {path}: {why}\n"
    assert exports() == 1  # only the export that was written
    assert sorted(p.name for p in store.iterdir() if p.name.startswith(".")) == []  # no temp left


def test_map_png_keeps_an_existing_file_unless_forced(store: Path) -> None:
    chart = store / "map.png"
    chart.write_bytes(b"an older chart")
    kept = csf(store, "map", "linux", "--png", str(chart))
    assert kept.returncode == 1
    assert kept.stderr.startswith(f"csf: cannot write {chart}: it already exists")
    assert chart.read_bytes() == b"an older chart"
    drawn = csf(store, "map", "linux", "--png", str(chart), "--force")
    assert drawn.returncode == 0, drawn.stderr
    assert chart.read_bytes().startswith(b"\x89PNG")


def test_prune_dry_run_then_prune(store: Path) -> None:
    dry = csf(store, "prune", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would remove 1 contributions, 1 inactive people never shortlisted" in dry.stdout
    assert csf(store, "people", "show", "bo@example.org").returncode == 0
    done = csf(store, "prune")
    assert "removed 1 contributions, 1 inactive people" in done.stdout
    assert csf(store, "people", "show", "bo@example.org").returncode == 1
    assert csf(store, "people", "show", "ada@example.com").returncode == 0
    # A longer retention keeps more: nothing of Ada's is older than a year.
    assert (
        "would remove 0 contributions, 0"
        in csf(store, "prune", "--dry-run", CSF_RETENTION_YEARS="1").stdout
    )
    bad = csf(store, "prune", CSF_RETENTION_YEARS="0")
    assert bad.returncode == 1
    assert bad.stderr.startswith("csf: CSF_RETENTION_YEARS:")


def test_a_locked_store_gives_a_one_line_retry_message(tmp_path: Path) -> None:
    assert csf(tmp_path, "migrate").returncode == 0
    url = f"sqlite:///{tmp_path / 'csf.db'}?timeout=0.2"
    holder = sqlite3.connect(tmp_path / "csf.db", isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process in the middle of a write
        holder.execute(
            "INSERT INTO audit_event (at, actor, action, detail) "
            "VALUES ('2026-01-01 00:00:00', 'x', 'x', '{}')"
        )
        blocked = csf(tmp_path, "track", "add", "llvm/llvm-project", CSF_DATABASE_URL=url)
        assert blocked.returncode == 1
        assert blocked.stderr == (
            "csf: the store is busy (another csf process is writing to it): try again in a moment\n"
        )
        assert blocked.stdout == ""
        # Readers are not blocked by a writer (WAL).
        assert csf(tmp_path, "track", "list", CSF_DATABASE_URL=url).returncode == 0
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    retried = csf(tmp_path, "track", "add", "llvm/llvm-project", CSF_DATABASE_URL=url)
    assert retried.returncode == 0, retried.stderr
    assert "tracking llvm/llvm-project" in retried.stdout


def test_a_debug_sync_logs_requests_but_never_the_token(tmp_path: Path) -> None:
    from tests.support.fake_github import TOKEN, FakeGitHub
    from tests.support.github_world import small_world

    assert csf(tmp_path, "migrate").returncode == 0
    assert csf(tmp_path, "track", "add", "llvm/llvm-project").returncode == 0
    with FakeGitHub(small_world()) as server:
        env = {"GITHUB_API_URL": server.url, "GITHUB_TOKEN": TOKEN, "CSF_LOG_LEVEL": "DEBUG"}
        result = csf(tmp_path, "sync", **env)
    assert result.returncode == 0, result.stderr
    assert "HTTP Request: POST" in result.stderr  # httpx's lines are there at DEBUG
    assert TOKEN not in result.stderr + result.stdout


def test_only_listed_slack_users_are_admins() -> None:
    from bot.config import ConfigError, is_admin, load_settings

    settings = load_settings({"CSF_ADMIN_USERS": " U0ADMIN1, W0ADMIN2 ,"})
    assert is_admin(settings, "U0ADMIN1")
    assert is_admin(settings, "W0ADMIN2")
    assert not is_admin(settings, "U0OTHER")
    assert not is_admin(settings, "")
    assert not is_admin(settings, None)
    assert not is_admin(load_settings({}), "U0ADMIN1")  # nobody unless listed
    with pytest.raises(ConfigError, match="CSF_ADMIN_USERS: 'alice' is not a Slack user id"):
        load_settings({"CSF_ADMIN_USERS": "U0ADMIN1,alice"})
    assert load_settings({}).retention_years == 5
    assert load_settings({"CSF_RETENTION_YEARS": "7"}).retention_years == 7

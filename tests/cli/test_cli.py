"""The `csf` command as a person runs it: a real process, a real SQLite file, real output."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import Session

from bot.store.engine import head_revision
from bot.store.identity import HASH_PREFIX, IdentityKey
from bot.store.models import IdentityKind
from bot.store.writes import add_identity
from tests.support.cli import csf


def test_migrate_then_topics_mlir(tmp_path: Path) -> None:
    migrated = csf(tmp_path, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert f"schema none -> {head_revision()}" in migrated.stdout
    assert (tmp_path / "csf.db").exists()
    again = csf(tmp_path, "migrate")
    assert "up to date" in again.stdout

    topics = csf(tmp_path, "topics", "mlir")
    assert topics.returncode == 0, topics.stderr
    assert "mlir.bufferization" in topics.stdout
    assert "one-shot bufferize" in topics.stdout
    assert "mlir:bufferization" in topics.stdout
    assert "llvm.x86" not in topics.stdout


def test_topics_json_lists_the_ecosystem(tmp_path: Path) -> None:
    result = csf(tmp_path, "topics", "tvm", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data) == ["tvm"]
    assert "meta_schedule" in data["tvm"]["topics"]["tvm.metaschedule"]["aliases"]


def test_topics_for_an_unknown_ecosystem(tmp_path: Path) -> None:
    result = csf(tmp_path, "topics", "cobol")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "csf: unknown ecosystem 'cobol': choose one of mlir, llvm, tvm, triton, xla, iree, linux"
    )


def test_broken_taxonomy_file_names_its_line(tmp_path: Path) -> None:
    broken = tmp_path / "team-taxonomy.yml"
    broken.write_text(
        "ecosystems:\n  toy:\n    name: Toy\n    repos: [example-org/toy]\n"
        "    topics:\n      parser:\n        name: Parser\n        pahts: [src/**]\n"
    )
    for result in (
        csf(tmp_path, "topics", "--file", str(broken)),
        csf(tmp_path, "topics", CSF_TAXONOMY=str(broken)),
    ):
        assert result.returncode == 1
        assert "Traceback" not in result.stderr
        assert result.stderr.startswith(
            f"csf: {broken}:8: topic 'toy.parser': unknown setting 'pahts'"
        )


def test_commands_refuse_an_unmigrated_store(tmp_path: Path) -> None:
    (tmp_path / "csf.db").touch()  # an empty file is an SQLite database with no tables
    for args in (("run",), ("worker",), ("track", "list")):
        result = csf(tmp_path, *args)
        assert result.returncode == 1, args
        assert "has no schema yet: run `csf migrate`" in result.stderr
        assert "Traceback" not in result.stderr


def test_a_mistyped_store_path_is_said_and_nothing_is_created(tmp_path: Path) -> None:
    """Only `csf migrate` brings a store into being: a typo in CSF_DATABASE_URL for a read
    command must not leave new folders and an empty store behind."""
    missing = tmp_path / "typo" / "dir" / "csf.db"
    url = f"sqlite:///{missing}"
    for args in (("who", "mlir", "bufferization"), ("profile", "someone"), ("worker",)):
        result = csf(tmp_path, *args, CSF_DATABASE_URL=url)
        assert result.returncode == 1, args
        assert result.stderr.strip() == (
            f"csf: there is no store at {missing}: check CSF_DATABASE_URL, or create one there "
            "with `csf migrate`"
        )
        assert not (tmp_path / "typo").exists()
    assert csf(tmp_path, "migrate", CSF_DATABASE_URL=url).returncode == 0
    assert missing.is_file()


def test_migrate_on_a_store_from_a_newer_csf_is_one_line_and_changes_nothing(
    tmp_path: Path,
) -> None:
    assert csf(tmp_path, "migrate").returncode == 0
    with sqlite3.connect(tmp_path / "csf.db") as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999_future'")
    result = csf(tmp_path, "migrate")
    assert result.returncode == 1
    assert result.stderr.startswith("csf: the store at sqlite:///./csf.db is at schema 9999_future")
    assert result.stderr.strip().endswith("upgrade csf; the store was not changed")
    assert len(result.stderr.strip().splitlines()) == 1
    with sqlite3.connect(tmp_path / "csf.db") as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [
            ("9999_future",)
        ]


def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    result = csf(
        tmp_path, "migrate", CSF_DATABASE_URL="postgresql://nobody:hunter2@127.0.0.1:1/none"
    )
    assert result.returncode == 1
    assert result.stderr.startswith(
        "csf: cannot open the store at postgresql+psycopg://nobody:***@"
    )
    assert "hunter2" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_track_add_list_remove(tmp_path: Path) -> None:
    assert csf(tmp_path, "migrate").returncode == 0
    added = csf(tmp_path, "track", "add", "https://github.com/iree-org/iree")
    assert added.returncode == 0, added.stderr
    assert "tracking iree-org/iree (iree)" in added.stdout
    fork = csf(tmp_path, "track", "add", "example-org/mlir-fork", "--ecosystem", "MLIR")
    assert fork.returncode == 0, fork.stderr

    listed = csf(tmp_path, "track", "list")
    assert "iree-org/iree" in listed.stdout
    assert "example-org/mlir-fork" in listed.stdout

    removed = csf(tmp_path, "track", "remove", "IREE-org/iree")
    assert removed.returncode == 0, removed.stderr
    listed = csf(tmp_path, "track", "list")
    assert "iree-org/iree" not in listed.stdout
    assert "example-org/mlir-fork" in listed.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("track", "add", "example-org/unknown"), "is not in the taxonomy: name its ecosystem"),
        (("track", "add", "not a repo"), "is not a repository: write it as owner/name"),
        (("track", "add", "apache/tvm", "-e", "cobol"), "unknown ecosystem 'cobol'"),
        (("track", "remove", "apache/tvm"), "apache/tvm is not tracked"),
    ],
)
def test_track_mistakes_get_a_clear_answer(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    assert csf(tmp_path, "migrate").returncode == 0
    result = csf(tmp_path, *args)
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_track_defaults_follows_every_ecosystem(tmp_path: Path) -> None:
    assert csf(tmp_path, "migrate").returncode == 0
    result = csf(tmp_path, "track", "defaults")
    assert result.returncode == 0, result.stderr
    listed = csf(tmp_path, "track", "list").stdout
    for repo in (
        "llvm/llvm-project",
        "apache/tvm",
        "triton-lang/triton",
        "openxla/xla",
        "iree-org/iree",
        "torvalds/linux",
    ):
        assert repo in listed


def test_every_planned_command_exists_and_says_what_it_does(tmp_path: Path) -> None:
    help_text = csf(tmp_path, "--help").stdout
    for command in (
        "migrate",
        "run",
        "worker",
        "sync",
        "ingest",
        "who",
        "profile",
        "digest",
        "outreach",
        "track",
        "demo",
        "topics",
    ):
        assert command in help_text, command


def test_sync_from_a_fake_github(tmp_path: Path) -> None:
    from tests.support.fake_github import TOKEN, FakeGitHub
    from tests.support.github_world import small_world

    assert csf(tmp_path, "migrate").returncode == 0
    assert csf(tmp_path, "track", "add", "llvm/llvm-project").returncode == 0
    with FakeGitHub(small_world()) as server:
        env = {"GITHUB_API_URL": server.url, "GITHUB_TOKEN": TOKEN}
        first = csf(tmp_path, "sync", **env)
        assert first.returncode == 0, first.stderr
        assert "llvm/llvm-project: 2 comments, 1 issue, 3 PRs, 132 reviews, 1 RFC;" in first.stdout
        assert "5 new people, 4 profiles, 4 ownership rows" in first.stdout
        assert "scores refreshed as of" in first.stdout
        again = csf(tmp_path, "sync", "llvm/llvm-project", **env)
        assert again.returncode == 0, again.stderr
        assert "llvm/llvm-project: nothing new; 0 new people" in again.stdout
        assert "scores kept as of" in again.stdout, again.stdout
        # A tracked repo GitHub does not know is reported; the others still sync.
        assert csf(tmp_path, "track", "add", "apache/tvm").returncode == 0
        partly = csf(tmp_path, "sync", **env)
        assert partly.returncode == 1
        assert "llvm/llvm-project: nothing new" in partly.stdout
        assert "GitHub has no apache/tvm" in partly.stderr
        assert partly.stderr.strip().endswith("csf: not synced: apache/tvm (see above)")
        refused = csf(tmp_path, "sync", GITHUB_API_URL=server.url, GITHUB_TOKEN="ghp_wrong")
        assert refused.returncode == 1
        assert refused.stderr.strip() == (
            "csf: GitHub refused GITHUB_TOKEN (401 Bad credentials): set a valid token"
        )


def test_sync_needs_a_token_and_a_tracked_repo(tmp_path: Path) -> None:
    assert csf(tmp_path, "migrate").returncode == 0
    nothing = csf(tmp_path, "sync")
    assert nothing.stderr.strip().startswith("csf: no repositories tracked")
    # The token is needed for GitHub repositories (forum categories are read without one).
    assert csf(tmp_path, "track", "add", "apache/tvm").returncode == 0
    missing = csf(tmp_path, "sync")
    assert missing.stderr.strip() == "csf: GITHUB_TOKEN is not set: csf sync needs it"
    assert csf(tmp_path, "track", "remove", "apache/tvm").returncode == 0
    untracked = csf(tmp_path, "sync", "apache/tvm", GITHUB_TOKEN="ghp_x")
    assert "apache/tvm is not tracked: `csf track add apache/tvm` first" in untracked.stderr
    bad_date = csf(tmp_path, "sync", "--since", "last week", GITHUB_TOKEN="ghp_x")
    assert "--since 'last week' is not a date" in bad_date.stderr


def test_ingest_git_and_people_commands(tmp_path: Path) -> None:
    from tests.support.git_repos import GitRepo

    repo = GitRepo(tmp_path / "linux")
    repo.commit(
        "sched/fair: fix\n\nReviewed-by: Bo Fictional <bo@kernel-fictional.example>",
        {"kernel/sched/fair.c": "x\n"},
    )
    repo.commit("mm: fold", {"mm/slub.c": "y\n"}, author=("Ada F", "ada@home.example"))
    assert csf(tmp_path, "migrate").returncode == 0
    # Every topic's answers prepared, however few rows they read (`score_cache.prepare_rows`).
    every = tmp_path / "ranking.yml"
    every.write_text("score_cache:\n  prepare_rows: 1\n")
    ingest = ("ingest", "git", str(repo.path), "--repo", "torvalds/linux")
    result = csf(tmp_path, *ingest, CSF_RANKING_CONFIG=str(every))
    assert result.returncode == 0, result.stderr
    assert (
        "torvalds/linux: 2 commits read; 2 commit and 1 review contributions stored; 3 new people"
        in result.stdout
    )
    assert "scores refreshed as of" in result.stdout
    assert "person-topic scores in" in result.stdout
    assert "answers prepared for" in result.stdout, result.stdout
    again = csf(tmp_path, *ingest, CSF_RANKING_CONFIG=str(every))
    assert "0 commits read" in again.stdout
    # Nothing new: the database marked no change, so the cache stands without a sum, and its
    # answers were prepared already.
    assert "scores kept as of" in again.stdout, again.stdout
    assert "answers prepared" not in again.stdout, again.stdout
    with sqlite3.connect(tmp_path / "csf.db") as connection:
        kept = connection.execute("SELECT count(*), count(DISTINCT topic) FROM topic_facts")
        people, topics = kept.fetchone()
    assert people > 0
    assert f"answers prepared for {topics} topics ({people} people's facts" in result.stdout
    repo.commit("mm: grow", {"mm/slub.c": "y\nz\n"}, author=("Ada F", "ada@home.example"))
    grown = csf(tmp_path, "ingest", "git", str(repo.path), "--repo", "torvalds/linux")
    assert "1 commits read" in grown.stdout or "1 commit read" in grown.stdout, grown.stdout
    assert "scores refreshed as of" in grown.stdout
    # By default only topics whose leaders have thousands of rows there are prepared.
    assert "answers prepared" not in grown.stdout, grown.stdout
    with sqlite3.connect(tmp_path / "csf.db") as connection:
        assert connection.execute("SELECT count(*) FROM topic_facts").fetchone() == (0,)
    # Ingesting history does not make csf follow the repository on GitHub.
    assert "torvalds/linux" not in csf(tmp_path, "track", "list").stdout

    shown = csf(tmp_path, "people", "show", "ada@home.example")
    assert shown.returncode == 0, shown.stderr
    assert "email:sha256:" in shown.stdout
    assert "ada@home.example" not in shown.stdout
    merged = csf(tmp_path, "people", "merge", "ada@compilers.example", "ada@home.example")
    assert merged.returncode == 0, merged.stderr
    assert "scores refreshed as of" in merged.stdout  # cached answers see the merge at once

    not_a_repo = csf(tmp_path, "ingest", "git", str(tmp_path), "--repo", "torvalds/linux")
    assert not_a_repo.returncode == 1
    assert (
        not_a_repo.stderr.strip()
        == f"csf: {tmp_path} is not a git repository (a clone or a bare mirror)"
    )
    unknown = csf(tmp_path, "ingest", "git", str(repo.path), "--repo", "example-org/thing")
    assert "is not in the taxonomy: name its ecosystem" in unknown.stderr


def test_ingest_git_says_which_commits_a_mirror_could_not_give(tmp_path: Path) -> None:
    from tests.support.git_repos import GitRepo

    repo = GitRepo(tmp_path / "linux")
    repo.commit("sched: one", {"kernel/sched/fair.c": "x\n"})
    repo.commit("sched: two", {"kernel/sched/fair.c": "x\ny\n"})
    lost = repo.git("rev-parse", "HEAD:kernel/sched/fair.c")
    repo.commit("mm: three", {"mm/slub.c": "z\n"})
    repo.drop_object(lost)
    assert csf(tmp_path, "migrate").returncode == 0
    result = csf(tmp_path, "ingest", "git", str(repo.path), "--repo", "torvalds/linux")
    assert result.returncode == 0, result.stderr
    assert "3 commits read; 3 commit" in result.stdout
    assert "1 commit not read in full" in result.stdout
    said = [line for line in result.stderr.splitlines() if line.startswith("csf: commit ")]
    assert len(said) == 1
    assert lost in said[0]
    assert "stored with its paths" in said[0]
    assert "Traceback" not in result.stderr


def test_who_in_the_terminal(tmp_path: Path) -> None:
    from bot.store.engine import make_engine
    from tests.support.ranking_world import build

    assert csf(tmp_path, "migrate").returncode == 0
    engine = make_engine(f"sqlite:///{tmp_path / 'csf.db'}")
    with Session(engine) as session:
        world = build(session)
        # An address at a university department, held as the store holds it: hash and domain.
        add_identity(
            session,
            world.people["ada-owner"],
            IdentityKey(IdentityKind.EMAIL, f"{HASH_PREFIX}{7:064x}", "cl.cam.ac.uk"),
        )
        session.commit()
    engine.dispose()
    table = csf(
        tmp_path, "who", "mlir", "bufferization", "--as-of", "2026-06-01", "-n", "3", "--active"
    )
    assert table.returncode == 0, table.stderr
    assert "MLIR › Bufferization" in table.stdout
    assert "University of Cambridge" in table.stdout
    assert table.stdout.index("@ada-owner") < table.stdout.index("@bo-reviewer")
    data = json.loads(
        csf(
            tmp_path,
            "who",
            "one-shot",
            "bufferize",
            "--as-of",
            "2026-06-01",
            "--json",
            "--region",
            "uk",
        ).stdout
    )
    assert [r["person"]["login"] for r in data["results"]] == ["ada-owner", "eve-specialist"]
    assert [a["name"] for a in data["results"][0]["person"]["affiliations"]] == [
        "University of Cambridge"
    ]
    assert data["results"][1]["person"]["affiliations"] == []
    assert data["results"][0]["reason"].startswith("owns mlir/lib/Dialect/Bufferization")
    assert data["scores_as_of"] is None  # no cache yet
    # After a refresh, "now" is answered from the score cache, and says so; a date is replayed.
    refreshed = csf(tmp_path, "scores", "refresh")
    assert refreshed.returncode == 0, refreshed.stderr
    assert "scores refreshed as of" in refreshed.stdout
    now = json.loads(csf(tmp_path, "who", "mlir", "bufferization", "--json").stdout)
    assert now["scores_as_of"] is not None
    assert now["as_of"] == now["scores_as_of"]
    assert {"ada-owner", "bo-reviewer"} <= {r["person"]["login"] for r in now["results"][:3]}
    assert "scores from" in csf(tmp_path, "who", "mlir", "bufferization").stdout
    dated = csf(tmp_path, "who", "mlir", "bufferization", "--as-of", "2026-06-01", "--json")
    assert json.loads(dated.stdout)["scores_as_of"] is None
    unknown = csf(tmp_path, "who", "bufferizaton")
    assert "did you mean: mlir.bufferization" in unknown.stdout
    shown = csf(tmp_path, "profile", "eve-specialist", "--as-of", "2026-06-01")
    assert shown.returncode == 0, shown.stderr
    assert "Eve Specialist @eve-specialist" in shown.stdout
    assert "mlir.bufferization (Bufferization)" in shown.stdout
    assert "8 merged PRs" in shown.stdout
    assert "merged_pr" not in shown.stdout  # words, not the store's names
    ada = csf(tmp_path, "profile", "ada-owner", "--as-of", "2026-06-01")
    assert "affiliations (from email domains)  University of Cambridge (cl.cam.ac.uk)" in ada.stdout
    missing = csf(tmp_path, "profile", "nobody-fictional")
    assert missing.stderr.strip().startswith("csf: no one known as 'nobody-fictional'")
    bad = csf(tmp_path, "who", "mlir", "--region", "mars")
    assert bad.returncode == 1
    assert "choose one of uk, eu, europe, us, other, unknown" in bad.stderr
    bad_map = csf(tmp_path, "map", "mlir", "--region", "mars")
    assert bad_map.returncode == 1
    assert bad_map.stderr.strip() == bad.stderr.strip()  # one check, one wording


EXAMPLE_COMPANY = Path(__file__).resolve().parents[2] / "bot" / "outreach" / "example_company.yml"


def test_outreach_in_the_terminal(tmp_path: Path) -> None:
    from bot.store.engine import make_engine
    from tests.support.ranking_world import build

    assert csf(tmp_path, "migrate").returncode == 0
    engine = make_engine(f"sqlite:///{tmp_path / 'csf.db'}")
    with Session(engine) as session:
        build(session)
    engine.dispose()
    missing = csf(tmp_path, "outreach", "eve-specialist", "--as-of", "2026-06-01")
    assert missing.returncode == 1
    assert missing.stderr.startswith("csf: CSF_COMPANY_PROFILE is not set: outreach needs")
    assert len(missing.stderr.strip().splitlines()) == 1

    company = {"CSF_COMPANY_PROFILE": str(EXAMPLE_COMPANY)}
    shown = csf(tmp_path, "outreach", "eve-specialist", "--as-of", "2026-06-01", **company)
    assert shown.returncode == 0, shown.stderr
    data = json.loads(
        csf(
            tmp_path, "outreach", "eve-specialist", "--as-of", "2026-06-01", "--json", **company
        ).stdout
    )
    assert data["person"]["login"] == "eve-specialist"
    assert data["body"] in shown.stdout
    assert data["cites"]
    for cite in data["cites"]:
        assert re.fullmatch(r"\[mlir\] pr \d+ by eve-specialist", cite["title"])
        assert f"“{cite['title']}” ({cite['url']})" in shown.stdout
    assert "Subject: " in shown.stdout
    assert "https://github.com/eve-specialist" in shown.stdout  # the one route they have
    assert "csf never sends it" in shown.stdout

    note = csf(
        tmp_path,
        "outreach",
        "ada-owner",
        "--as-of",
        "2026-06-01",
        "--template",
        "dm",
        "--angle",
        "reviews",
        "--role",
        "gpu",
        **company,
    )
    assert note.returncode == 0, note.stderr
    assert "hiring a GPU Kernel Engineer" in note.stdout
    assert "your reviews" in note.stdout
    assert "Subject:" not in note.stdout

    for args, message in (
        (("--angle", "design"), "csf: eve-specialist's public work has nothing for the 'design'"),
        (("--template", "sonnet"), "csf: --template 'sonnet': choose one of first_email, dm"),
        (("--role", "chef"), "csf: unknown role 'chef'"),
    ):
        wrong = csf(
            tmp_path, "outreach", "eve-specialist", "--as-of", "2026-06-01", *args, **company
        )
        assert wrong.returncode == 1
        assert wrong.stderr.startswith(message), wrong.stderr
    broken = tmp_path / "company.yml"
    broken.write_text(EXAMPLE_COMPANY.read_text().replace("builds:", "bilds:"))
    refused = csf(tmp_path, "outreach", "eve-specialist", CSF_COMPANY_PROFILE=str(broken))
    assert refused.stderr.startswith(f"csf: {broken}:10: the company profile: unknown setting")


def test_profile_shows_role_fit(tmp_path: Path) -> None:
    from bot.store.engine import make_engine
    from tests.support.ranking_world import build

    assert csf(tmp_path, "migrate").returncode == 0
    engine = make_engine(f"sqlite:///{tmp_path / 'csf.db'}")
    with Session(engine) as session:
        build(session)
    engine.dispose()
    shown = csf(tmp_path, "profile", "eve-specialist", "--as-of", "2026-06-01")
    assert shown.returncode == 0, shown.stderr
    assert "Staff Compiler Engineer fit" in shown.stdout
    assert "Testing for compilers" in shown.stdout
    assert "8 of 8 landed changes touch test paths (100%)" in shown.stdout
    data = json.loads(
        csf(
            tmp_path, "profile", "eve-specialist", "--as-of", "2026-06-01", "--json", "--role", "ml"
        ).stdout
    )
    fit = data["role_fit"]
    assert fit["role_name"] == "Senior ML Compiler Engineer"
    ratings = {d["key"]: d["rating"] for d in fit["dimensions"]}
    assert ratings["testing"] == "strong"
    assert data["topics"][0]["topic"] == "mlir.bufferization"  # the profile itself is unchanged
    team = tmp_path / "roles.yml"
    team.write_text("roles:\n  x:\n    name: X\n    pitch: p\n    dimensions: {nope: 1}\n")
    refused = csf(tmp_path, "profile", "eve-specialist", CSF_ROLES=str(team))
    assert refused.returncode == 1
    assert refused.stderr.startswith(f"csf: {team}:5: role 'x': unknown dimension 'nope'")


def test_who_starts_without_slack_the_web_server_the_scheduler_charts_or_migrations(
    tmp_path: Path,
) -> None:
    """`csf who` imports only what it uses: a command's start is mostly its imports, and these
    are the heavy ones it has no use for. What they built is frozen for the collector, whose
    walk through it at exit took a third of the process's time (bench/cli_start.py)."""
    store = tmp_path / "csf.db"
    assert csf(tmp_path, "migrate", CSF_DATABASE_URL=f"sqlite:///{store}").returncode == 0
    script = (
        "import atexit, gc, json, sys\n"
        "atexit.register(lambda: print(json.dumps([gc.get_freeze_count(), sorted(sys.modules)]),"
        " file=sys.stderr))\n"
        "sys.argv = ['csf', 'who', 'mlir', 'bufferization']\n"
        "from cli.main import main\n"
        "main()\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env={**os.environ, "CSF_DATABASE_URL": f"sqlite:///{store}"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stderr
    assert "MLIR › Bufferization" in ran.stdout
    assert "no one found" in ran.stdout
    frozen, modules = json.loads(ran.stderr.strip().splitlines()[-1])
    loaded = set(modules)
    assert "bot.ranking.who" in loaded  # it did answer
    heavy = {"slack_bolt", "slack_sdk", "gunicorn", "matplotlib", "apscheduler", "alembic"}
    assert not {m.split(".")[0] for m in loaded} & heavy
    assert frozen > 50_000  # the imports' objects: about 90k (none without the freeze)


def test_each_command_group_module_registers_its_commands_on_the_one_app() -> None:
    import typer.main

    from cli import admin, backtest, digest, ingest, main, outreach, people, run, who

    assert main.load_commands([]) == (who, outreach, digest, backtest, ingest, people, admin, run)
    assert main.load_commands(["--json", "map", "mlir"]) == (who,)
    assert main.load_commands(["nosuchcommand"]) == main.load_commands([])
    assert main.load_commands(["who", "--help"]) == (who,)  # who's own help
    commands = typer.main.get_group(main.app).commands
    # Each command loads its own group alone: the table says which, and must say it truly.
    assert {name: f"cli.{group}" for name, group in main.GROUP_OF.items()} == {
        name: getattr(command.callback, "__module__", None)
        or next(iter({c.callback.__module__ for c in command.commands.values()}))
        for name, command in commands.items()
    }
    sub_apps = (
        "track",
        "ingest",
        "people",
        "scores",
        "backtest",
    )  # their commands are checked below
    by_module = {
        name: getattr(command.callback, "__module__", None)
        for name, command in commands.items()
        if name not in sub_apps
    }
    assert by_module == {
        **dict.fromkeys(("topics", "who", "map"), "cli.who"),
        **dict.fromkeys(("profile", "outreach"), "cli.outreach"),
        "digest": "cli.digest",
        "sync": "cli.ingest",
        **dict.fromkeys(("migrate", "audit", "prune"), "cli.admin"),
        **dict.fromkeys(("run", "worker", "demo"), "cli.run"),
    }
    subcommands = {
        name: {sub: c.callback.__module__ for sub, c in commands[name].commands.items()}
        for name in sub_apps
    }
    assert subcommands == {
        "track": dict.fromkeys(("add", "defaults", "remove", "list"), "cli.ingest"),
        "ingest": {"git": "cli.ingest", "mail": "cli.ingest"},
        "people": dict.fromkeys(
            ("show", "suggest", "mark", "merge", "split", "forget", "export"), "cli.people"
        ),
        "scores": {"refresh": "cli.admin"},
        "backtest": {"owners": "cli.backtest"},
    }


def test_backtest_owners_and_who_on_a_repository_outside_the_taxonomy(tmp_path: Path) -> None:
    """A torch-mlir-shaped repository ingested with -e mlir, asked by its name, scored by its
    own CODEOWNERS; a word that matches nothing is said, never silently dropped."""
    from tests.support.git_repos import GitRepo

    repo = GitRepo(tmp_path / "torch-mlir")
    owner = ("Ola Longtime", "9001+ola-longtime@users.noreply.github.com")
    for n in range(5):
        repo.commit(
            f"[TorchToLinalg] lower op {n}",
            {f"lib/Conversion/TorchToLinalg/Op{n}.cpp": "x\n" * 60},
            author=owner,
            date=f"2022-0{n + 1}-03T10:00:00+00:00",
        )
    repo.commit(
        "[TorchToLinalg] tweak\n\n"
        "Co-authored-by: Claude Sonnet 4.6 <assistant-noreply@tools.example>",
        {"lib/Conversion/TorchToLinalg/Op0.cpp": "y\n" * 70},
        author=("Nix Once", "nix@compilers.example"),
        date="2026-05-03T10:00:00+00:00",
    )
    assert csf(tmp_path, "migrate").returncode == 0
    ingested = csf(
        tmp_path, "ingest", "git", str(repo.path), "--repo", "llvm/torch-mlir", "-e", "mlir"
    )
    assert ingested.returncode == 0, ingested.stderr
    asked = csf(tmp_path, "who", "torch-mlir", "torchtolinalg", "qwzxv", "--as-of", "2026-06-01")
    assert asked.returncode == 0, asked.stderr
    assert "llvm/torch-mlir" in asked.stdout
    assert '"qwzxv" matches no work' in asked.stdout
    assert asked.stdout.index("@ola-longtime") < asked.stdout.index("Nix Once")
    assert "Claude" not in asked.stdout
    active = csf(tmp_path, "who", "torchtolinalg", "--active", "--as-of", "2026-06-01", "--json")
    assert [r["person"]["name"] for r in json.loads(active.stdout)["results"]] == ["Nix Once"]
    owners = tmp_path / "CODEOWNERS"
    owners.write_text(
        "/lib/Conversion/TorchToLinalg/ @ola-longtime\n/lib/Dialect/Torch/ @someone-else\n"
    )
    scored = csf(
        tmp_path,
        "backtest",
        "owners",
        str(owners),
        "--repo",
        "llvm/torch-mlir",
        "--as-of",
        "2026-06-01",
        "--json",
    )
    assert scored.returncode == 0, scored.stderr
    report = json.loads(scored.stdout)
    assert report["overall"]["csf"]["mrr"] == 1.0
    assert [a["question"] for a in report["areas"]] == ["torchtolinalg"]
    assert report["skipped"][0]["skipped"] == "no owner is known to csf"
    # A record the rules got wrong is marked by hand, and ranks from then on.
    marked = csf(tmp_path, "people", "mark", "assistant-noreply@tools.example", "--person")
    assert marked.returncode == 0, marked.stderr
    assert "is now a person, ranked" in marked.stdout
    again = csf(tmp_path, "who", "torchtolinalg", "--as-of", "2026-06-01", "--json")
    assert "Claude Sonnet 4.6" in [r["person"]["name"] for r in json.loads(again.stdout)["results"]]
    missing = csf(tmp_path, "backtest", "owners", str(owners), "--repo", "no/such")
    assert missing.returncode == 1
    assert missing.stderr.strip() == "csf: no/such is not in the store: ingest it first"


def test_terminal_searches_are_audited_like_slack_ones(tmp_path: Path) -> None:
    """`who`, `map` and `profile` look people up from the terminal as Slack does: each is in
    `csf audit` under the CLI's name, with the words asked."""
    from bot.store.engine import make_engine
    from tests.support.ranking_world import build

    assert csf(tmp_path, "migrate").returncode == 0
    engine = make_engine(f"sqlite:///{tmp_path / 'csf.db'}")
    with Session(engine) as session:
        build(session)
    engine.dispose()
    for args in (
        ("who", "mlir", "bufferization", "--as-of", "2026-06-01", "--json"),
        ("map", "mlir", "--as-of", "2026-06-01"),
        ("profile", "ada-owner", "--as-of", "2026-06-01"),
    ):
        result = csf(tmp_path, *args)
        assert result.returncode == 0, result.stderr
    audit = csf(tmp_path, "audit", "--json")
    events = [json.loads(line) for line in audit.stdout.splitlines()]
    searches = [(e["actor"], e["target"]) for e in events if e["action"] == "search"]
    assert searches == [
        ("cli", "mlir bufferization"),
        ("cli", "map mlir"),
        ("cli", "profile ada-owner"),
    ]


def test_people_are_named_as_they_can_be_typed_back(tmp_path: Path) -> None:
    """Someone known only from git has no login: the terminal lists them by `#ID`, which
    `profile` takes; `@login` and a pasted GitHub profile link work as the login does."""
    from bot.store.engine import make_engine
    from bot.store.identity import email_key
    from bot.store.writes import resolve_person
    from tests.support.ranking_world import build

    assert csf(tmp_path, "migrate").returncode == 0
    engine = make_engine(f"sqlite:///{tmp_path / 'csf.db'}")
    with Session(engine) as session:
        world = build(session)
        gita = resolve_person(session, [email_key("gita@kernel.example")])
        gita.name = "Gita Gitonly"
        assert gita.id is not None
        world.people["gita-gitonly"] = gita.id  # the world's work is added under this person
        world.merged("gita-gitonly", 12, 200, every=5)
        world.save()
        gita_id = gita.id
    engine.dispose()
    table = csf(tmp_path, "who", "mlir", "bufferization", "--as-of", "2026-06-01", "-n", "50")
    assert table.returncode == 0, table.stderr
    assert re.search(rf"Gita Gitonly #{gita_id}\b", table.stdout), table.stdout
    shown = csf(tmp_path, "profile", f"#{gita_id}", "--as-of", "2026-06-01")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith(f"Gita Gitonly #{gita_id}")
    for typed in ("@ada-owner", "https://github.com/ada-owner", "github.com/Ada-Owner/"):
        result = csf(tmp_path, "profile", typed, "--as-of", "2026-06-01")
        assert result.returncode == 0, (typed, result.stderr)
        assert result.stdout.startswith("Ada Owner @ada-owner"), typed


def test_links_and_hashes_come_out_whole_at_80_columns_and_piped(tmp_path: Path) -> None:
    """Links sit whole on lines of their own (never cut with "…" or folded mid-way), and
    `people show` prints the full hashes `people split` needs."""
    from bot.store.engine import make_engine
    from bot.store.identity import email_key
    from tests.support.ranking_world import build

    assert csf(tmp_path, "migrate").returncode == 0
    engine = make_engine(f"sqlite:///{tmp_path / 'csf.db'}")
    with Session(engine) as session:
        world = build(session)
        add_identity(session, world.people["ada-owner"], email_key("ada@lab.example"))
        session.commit()
    engine.dispose()
    for args in (
        ("who", "mlir", "bufferization", "--as-of", "2026-06-01"),
        ("profile", "ada-owner", "--as-of", "2026-06-01"),
    ):
        shown = csf(tmp_path, *args, COLUMNS="80")
        assert shown.returncode == 0, shown.stderr
        links = [line for line in shown.stdout.splitlines() if "https://" in line]
        assert links, args
        for line in links:
            assert re.fullmatch(
                r"\s+https://github\.com/llvm/llvm-project/pull/\d+(#pullrequestreview-\d+)?",
                line,
            ), (args, line)
        assert "…" not in shown.stdout
    identities = csf(tmp_path, "people", "show", "ada-owner", COLUMNS="80")
    assert re.search(
        r"^  email:sha256:[0-9a-f]{64}  \(lab\.example\)  seen ", identities.stdout, re.M
    )


def test_help_before_a_command_lists_every_command(tmp_path: Path) -> None:
    """`csf --help who` is csf's own help (the command after it is not read): it loads every
    group, so the help lists every command, as `csf --help` does."""
    from cli import main

    for flag in ("--help", "-h"):
        assert main.load_commands([flag, "who"]) == main.load_commands([])
        assert main.load_commands(["--json", flag, "map"]) == main.load_commands([])
    whole = csf(tmp_path, "--help")
    before = csf(tmp_path, "--help", "who")
    assert before.returncode == whole.returncode == 0, before.stderr
    assert before.stdout == whole.stdout
    for command in main.GROUP_OF:
        assert re.search(rf"\b{re.escape(command)}\b", before.stdout), command


def test_scores_refresh_retag_tags_stored_work_under_the_edited_taxonomy(tmp_path: Path) -> None:
    from tests.support.git_repos import GitRepo

    repo = GitRepo(tmp_path / "toy")
    repo.commit("Add the emitter", {"src/emit/asm.c": "emit\n" * 20})
    repo.commit("Add the parser", {"src/parse/lexer.c": "lex\n" * 20})
    before, after = tmp_path / "before.yml", tmp_path / "after.yml"
    head = "version: 1\necosystems:\n  toy:\n    name: Toy\n    repos: [example-org/toy]\n"
    parser = "      parser:\n        name: Parser\n        paths: ['src/parse/**']\n"
    emitter = "      emitter:\n        name: Emitter\n        paths: ['src/emit/**']\n"
    before.write_text(head + "    topics:\n" + parser)
    after.write_text(head + "    topics:\n" + parser + emitter)
    assert csf(tmp_path, "migrate").returncode == 0
    ingest = ("ingest", "git", str(repo.path), "--repo", "example-org/toy")
    assert csf(tmp_path, *ingest, CSF_TAXONOMY=str(before)).returncode == 0
    # Stored before the topic existed: its tags do not have it, and the answer says so.
    fallback = "Toy › Emitter has no work here, so its words were searched"
    assert fallback in csf(tmp_path, "who", "toy", "emitter", CSF_TAXONOMY=str(after)).stdout
    retagged = csf(tmp_path, "scores", "refresh", "--retag", CSF_TAXONOMY=str(after))
    assert retagged.returncode == 0, retagged.stderr
    assert (
        "topic tags changed on 1 of 2 stored contributions (1 added, 0 taken away)"
        in retagged.stdout
    )
    assert "scores refreshed as of" in retagged.stdout
    answer = csf(tmp_path, "who", "toy", "emitter", CSF_TAXONOMY=str(after)).stdout
    assert "Ada Fictional" in answer
    assert fallback not in answer, answer
    again = csf(tmp_path, "scores", "refresh", "--retag", CSF_TAXONOMY=str(after))
    assert "topic tags unchanged on all 2 stored contributions" in again.stdout, again.stdout

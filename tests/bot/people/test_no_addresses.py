"""No address in clear anywhere in the store, except the one a person published on their profile.

A fictional world is synced from the fake GitHub and its history ingested from a real git
repository, with addresses hidden everywhere sources put them (titles, subjects, bios, names
misconfigured as addresses, trailers, owner files, noreply addresses); then every text and JSON
column of every table is scanned.
"""

from __future__ import annotations

import re
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.ingest.git import ingest_git
from bot.store.models import Repo
from bot.taxonomy.model import default_taxonomy
from tests.support.fake_github import Issue, PullRequest, User
from tests.support.git_repos import GitRepo
from tests.support.github_world import BUFFERIZATION, REPO, Harness, small_world

# Broader than csf's own pattern on purpose: anything with a word, an @ and a dotted domain.
LOOKS_LIKE_ADDRESS = re.compile(r"[^\s@<>()\"',;:\[\]{}]+@[^\s@<>()\"',;:\[\]{}]+\.[A-Za-z]{2,}")
PUBLISHED = {"ada@example.com", "eve.contact@example.org"}


def world_with_addresses_everywhere():  # type: ignore[no-untyped-def]
    world = small_world()
    world.users["ada-fictional"].email = "ada@example.com"
    world.users["bo-fictional"].bio = "Compilers. Write to bo.private@example.org, not here."
    world.users["cyd-fictional"].name = "cyd@example.net"  # a name that is an address
    world.users["cyd-fictional"].company = "Example Labs (jobs@example.com)"
    world.users["eve-fictional"] = User(
        "eve-fictional", name="Eve Fictional", email="eve.contact@example.org"
    )
    repo = world.repo(REPO)
    repo.pulls.append(
        PullRequest(
            5,
            "[mlir] Fix crash reported by dev@example.com",
            "eve-fictional",
            "2026-01-17T10:00:00Z",
            "2026-01-17T12:00:00Z",
            merged_at="2026-01-17T12:00:00Z",
            closed_at="2026-01-17T12:00:00Z",
            files=[BUFFERIZATION],
        )
    )
    repo.issues.append(
        Issue(
            12,
            "Mail list@example.org bounces",
            "bo-fictional",
            "2026-01-23T10:00:00Z",
            "2026-01-23T10:00:00Z",
        )
    )
    repo.files[".github/CODEOWNERS"] += "/mlir/docs/ owner@example.com @eve-fictional\n"
    return world


def history(path: Path) -> GitRepo:
    git = GitRepo(path)
    (path / ".mailmap").write_text("Ada Fictional <ada@example.com> <ada.old@example.com>\n")
    git.git("add", ".mailmap")
    git.commit("[mlir] old address", {BUFFERIZATION: "a\n"}, author=("Ada", "ada.old@example.com"))
    git.commit(
        "[mlir] thanks to helper@example.net for the report\n\n"
        "Reviewed-by: Bo Fictional <bo.private@example.org>\n"
        "Co-authored-by: Dee Fictional <dee@example.com>\n"
        "Reported-by: Someone <someone@example.org>",
        {BUFFERIZATION: "b\n"},
        author=("Ada Fictional", "ada@example.com"),
    )
    git.commit(
        "[mlir] name misconfigured",
        {BUFFERIZATION: "c\n"},
        author=("fay@example.test", "fay@example.test"),
    )
    git.commit(
        "[mlir] from the web editor",
        {BUFFERIZATION: "d\n"},
        author=("Cyd Fictional", "4242+cyd-fictional@users.noreply.github.com"),
    )
    return git


def addresses_in_store(engine: Engine) -> set[tuple[str, str, str]]:
    found = set()
    inspector = sa.inspect(engine)
    with engine.connect() as connection:
        for table_name in inspector.get_table_names():
            table = sa.Table(table_name, sa.MetaData(), autoload_with=connection)
            for row in connection.execute(sa.select(table)).mappings():
                for column, value in row.items():
                    if value is None or isinstance(value, (int, float, bool)):
                        continue
                    for match in LOOKS_LIKE_ADDRESS.findall(str(value)):
                        found.add((table_name, column, match))
    return found


def test_a_synced_and_ingested_world_holds_only_published_addresses(
    engine: Engine, tmp_path: Path
) -> None:
    git = history(tmp_path / "llvm")
    with Harness(engine, world_with_addresses_everywhere()) as harness:
        harness.sync()
        with Session(engine) as session:
            repo = session.exec(select(Repo)).one()
            stats = ingest_git(session, default_taxonomy(), repo, git.path)
            session.commit()
    assert stats.commits == 4
    found = addresses_in_store(engine)
    assert found == {("person", "public_email", address) for address in PUBLISHED}
    with Session(engine) as session:
        titles = set(session.execute(sa.text("SELECT title FROM contribution")).scalars())
        names = set(session.execute(sa.text("SELECT name FROM person")).scalars())
        bios = set(session.execute(sa.text("SELECT bio FROM person")).scalars())
    # What surrounded the addresses is kept: people can still read the titles and bios.
    assert "[mlir] Fix crash reported by [address]" in titles
    assert "[mlir] thanks to [address] for the report" in titles
    assert "Compilers. Write to [address], not here." in bios
    assert "cyd@example.net" not in names

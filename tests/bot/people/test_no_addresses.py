"""No address in clear anywhere in the store, except the one a person published on their profile.

A fictional world is synced from the fake GitHub and its history ingested from a real git
repository, with addresses hidden everywhere sources put them (titles, subjects, labels, paths,
bios, names misconfigured as addresses, trailers, owner files and their folders, noreply
addresses), in every shape (IDN domains, quoted local parts, `@localhost`, `+tags`, angle
brackets); people search for addresses too. Then every column of every table the database holds
is read back (the tables as the database itself describes them, not a hand-made list).
"""

from __future__ import annotations

import re
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.ingest.git import ingest_git
from bot.store.models import AuditEvent, CodeOwner, Contribution, ContributionTerm, Person, Repo
from bot.store.writes import record_audit
from bot.taxonomy.model import default_taxonomy
from bot.taxonomy.terms import stems_of
from tests.support.fake_github import Comment, Issue, PullRequest, Review, User
from tests.support.git_repos import GitRepo
from tests.support.github_world import BUFFERIZATION, REPO, Harness, small_world

# Broader than csf's own pattern on purpose: anything (or anything quoted), an @, and a dotted
# domain in any script, or localhost.
_PART = r"[^\s@<>()\"',;:\[\]{}]+"
LOOKS_LIKE_ADDRESS = re.compile(
    rf"(?:\"[^\"\n]+\"|{_PART})@(?:localhost(?![\w.-])|{_PART}\.[^\W\d_]{{2,}})"
)
PUBLISHED = {"ada@example.com", "eve.contact@example.org"}
# One of each shape, for every field that takes free text.
SHAPES = (
    "dev@example.com",
    "dee@bücher.example",
    '"dee fictional"@example.net',
    "root@localhost",
    "<dee+csf@example.org>",
)


def world_with_addresses_everywhere():  # type: ignore[no-untyped-def]
    world = small_world()
    world.users["ada-fictional"].email = "ada@example.com"
    world.users["bo-fictional"].bio = "Compilers. Write to bo.private@example.org, not here."
    world.users["bo-fictional"].location = "Zürich (bo@zürich.example)"
    world.users["bo-fictional"].blog = "mailto:bo.blog@example.org"
    world.users["cyd-fictional"].name = "cyd@example.net"  # a name that is an address
    world.users["cyd-fictional"].company = "Example Labs (jobs@example.com)"
    world.users["grace-fictional"].name = '"grace f"@example.org'
    world.users["grace-fictional"].bio = "Reach me: grace@bücher.example or root@localhost"
    world.users["eve-fictional"] = User(
        "eve-fictional", name="Eve Fictional", email="eve.contact@example.org"
    )
    repo = world.repo(REPO)
    repo.pulls.append(
        PullRequest(
            5,
            "[mlir] Fix crash reported by " + ", ".join(SHAPES),
            "eve-fictional",
            "2026-01-17T10:00:00Z",
            "2026-01-17T12:00:00Z",
            merged_at="2026-01-17T12:00:00Z",
            closed_at="2026-01-17T12:00:00Z",
            files=[BUFFERIZATION, "mlir/docs/dee@bücher.example/Notes.md"],
            labels=["mlir:bufferization", *(f"reported-by:{shape}" for shape in SHAPES)],
            reviews=[Review(501, "bo-fictional", "APPROVED", "2026-01-17T11:00:00Z")],
        )
    )
    repo.issues.append(
        Issue(
            12,
            "Mail list@example.org bounces, and " + " ".join(SHAPES),
            "bo-fictional",
            "2026-01-23T10:00:00Z",
            "2026-01-23T10:00:00Z",
            labels=["triage:list@bücher.example"],
        )
    )
    repo.comments.append(
        Comment(9003, 12, "cyd-fictional", "2026-01-23T11:00:00Z", "2026-01-23T11:00:00Z")
    )
    repo.files[".github/CODEOWNERS"] += (
        "/mlir/docs/ owner@example.com @eve-fictional\n"
        "/mlir/docs/dee@bücher.example/ owner@bücher.example @eve-fictional\n"
    )
    # An owner file in a folder named like an address, with an address in its heading.
    repo.files["dee@example.com/Maintainers.md"] = (
        "# Ask docs@bücher.example or root@localhost\n@eve-fictional\n\n"
        "### Notes (dee@example.com)\n@eve-fictional\n"
    )
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
    git.commit(
        "[mlir] notes from " + ", ".join(SHAPES) + "\n\nReviewed By: bo-phab\n\n"
        "Differential Revision: https://dee@reviews.example/D1",  # a link is stored text too
        {BUFFERIZATION: "e\n", "mlir/docs/dee@bücher.example/Notes.md": "n\n"},
        author=("dee@bücher.example", "dee@bücher.example"),  # an IDN address as a name
    )
    return git


def addresses_in_store(engine: Engine) -> set[tuple[str, str, str]]:
    found = set()
    inspector = sa.inspect(engine)
    with engine.connect() as connection:
        for table_name in inspector.get_table_names():
            # The values as stored (no column types applied): every byte an address could hide in.
            rows = connection.execute(sa.text(f'SELECT * FROM "{table_name}"')).mappings()
            for row in rows:
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
        with Session(engine) as session:
            # People search for addresses too: the audit log keeps the search, not the address.
            for shape in SHAPES:
                record_audit(session, "U1", "search", f"who {shape}", {"query": f"who {shape}"})
            session.commit()
    assert stats.commits == 5
    found = addresses_in_store(engine)
    assert found == {("person", "public_email", address) for address in PUBLISHED}
    with Session(engine) as session:
        titles = set(session.exec(select(Contribution.title)))
        people = list(session.exec(select(Person)))
        paths = {p for row in session.exec(select(Contribution.paths)) for p in row}
        labels = {label for row in session.exec(select(Contribution.labels)) for label in row}
        terms = set(session.exec(select(ContributionTerm.term)))
        owners = session.exec(select(CodeOwner)).all()
        searches = session.exec(select(AuditEvent).where(AuditEvent.action == "search")).all()
    # What surrounded the addresses is kept: people can still read titles, paths and labels.
    every_shape = ", ".join(["[address]"] * 4 + ["<[address]>"])
    assert f"[mlir] Fix crash reported by {every_shape}" in titles
    assert f"[mlir] notes from {every_shape}" in titles
    assert "[mlir] thanks to [address] for the report" in titles
    assert "mlir/docs/[address]/Notes.md" in paths
    assert {"reported-by:[address]", "reported-by:<[address]>", "triage:[address]"} <= labels
    assert set(stems_of("address")) & terms  # the placeholder's word is searchable
    assert not {"bücher", "localhost", "dee"} & terms
    assert ("mlir/docs/[address]/**", None) in {(o.pattern, o.area) for o in owners}
    assert {"Ask [address] or [address]", "Notes ([address])"} <= {o.area for o in owners}
    assert "[address]/Maintainers.md" in {o.source_path for o in owners}
    assert {s.target for s in searches} == {"who [address]", "who <[address]>"}
    bios = {p.bio for p in people}
    assert {"Compilers. Write to [address], not here.", "Reach me: [address] or [address]"} <= bios
    assert {p.location for p in people} >= {"Zürich ([address])"}
    assert {p.name for p in people} >= {"[address]"}  # cyd's and grace's names were addresses
    # Git names that were addresses are no names at all.
    assert not {p.name for p in people if p.login is None} & {"[address]"}

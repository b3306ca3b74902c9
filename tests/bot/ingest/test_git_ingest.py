"""`csf ingest git` on real repositories built in temporary folders."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from bot.errors import CsfError
from bot.ingest import git as git_ingest
from bot.ingest.git import ingest_git
from bot.people import curation as people
from bot.people import privacy
from bot.people.suggest import suggest
from bot.sources import git as git_source
from bot.sources.git import GitIdent, GitSourceError, Mailmap
from bot.store.identity import email_key, login_key, name_key, suppression_hash
from bot.store.models import (
    Contribution,
    ContributionKind,
    ContributionTerm,
    ContributionTopic,
    Identity,
    Person,
    Repo,
    Suppression,
)
from bot.store.writes import (
    ContributionRecord,
    get_cursor,
    resolve_person,
    upsert_contribution,
    upsert_repo,
)
from bot.taxonomy.model import default_taxonomy
from tests.support.git_repos import ADA, GitRepo

BO = ("Bo Fictional", "bo@compilers.example")
BUFFERIZATION = "mlir/lib/Dialect/Bufferization/Transforms/OneShotAnalysis.cpp"


def _repo(session: Session, name: str = "llvm/llvm-project") -> Repo:
    repo = upsert_repo(session, name, "mlir", tracked=False)
    session.commit()
    return repo


def ingest(engine: Engine, path: Path, **options: Any) -> git_ingest.GitIngestStats:
    with Session(engine) as session:
        repo = session.exec(select(Repo)).first() or _repo(session)
        return ingest_git(session, default_taxonomy(), repo, path, **options)


def contributions(engine: Engine) -> list[tuple[str, str, str | None, str | None, int | None]]:
    """(kind, person's name, login, state, parent number) of every stored contribution."""
    with Session(engine) as session:
        rows = session.exec(select(Contribution, Person).join(Person)).all()
        return sorted(
            ((c.kind, p.name or "", p.login, c.state, c.parent_number) for c, p in rows), key=str
        )


def snapshot(engine: Engine) -> dict[str, Any]:
    with Session(engine) as session:
        return {
            "contributions": sorted(
                (c.kind, c.external_id, c.person_id, tuple(c.paths), c.additions, c.deletions)
                for c in session.exec(select(Contribution))
            ),
            "topics": sorted(
                (t.contribution_id, t.topic) for t in session.exec(select(ContributionTopic))
            ),
            "people": sorted((p.id, p.name, p.login) for p in session.exec(select(Person))),
        }


def test_commits_and_trailers_are_stored_exactly(engine: Engine, tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "llvm")
    repo.commit(
        "[mlir][bufferization] Fold copies (#12)\n\nLonger text.\n\n"
        "Reviewed-by: Bo Fictional <bo@compilers.example>\n"
        "Acked-by: Cyd Fictional <cyd@compilers.example>\n"
        "Co-authored-by: Dee Fictional <dee@compilers.example>\n"
        "Tested-by: Eve Fictional <eve@compilers.example>\n"
        "Signed-off-by: Ada Fictional <ada@compilers.example>\n",
        {BUFFERIZATION: "a\nb\nc\n", "mlir/test/bin.dat": b"\x00\x01\x02"},
    )
    repo.mv(BUFFERIZATION, "mlir/lib/Dialect/Bufferization/Transforms/Renamed.cpp")
    repo.commit("[mlir] Rename a file", author=BO)
    repo.commit(
        "[X86] Old Phabricator-era change\n\nReviewed By: bo-phab, cyd\n\n"
        "Differential Revision: https://reviews.llvm.org/D4242",
        {"llvm/lib/Target/X86/X86ISelLowering.cpp": "x\n"},
    )
    repo.git("checkout", "-q", "-b", "side")
    repo.commit("[mlir] side change", {"mlir/lib/IR/Side.cpp": "s\n"}, author=BO)
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "-m", "Merge branch side", "side")

    stats = ingest(engine, repo.path)
    assert stats.commits == 4  # the merge commit is skipped
    assert contributions(engine) == sorted(
        [
            ("commit", "Ada Fictional", None, None, 12),
            ("commit", "Dee Fictional", None, None, 12),  # the co-author
            ("review", "Bo Fictional", None, "approved", 12),
            ("review", "Cyd Fictional", None, "acked", 12),
            ("commit", "Bo Fictional", None, None, None),  # the rename
            ("commit", "Ada Fictional", None, None, None),  # the Phabricator-era change
            ("review", "bo-phab", None, "approved", None),
            ("review", "cyd", None, "approved", None),
            ("commit", "Bo Fictional", None, None, None),  # on the merged side branch
        ],
        key=str,
    )
    with Session(engine) as session:
        first = session.exec(
            select(Contribution).where(
                Contribution.title.startswith("[mlir][buff"),  # type: ignore[union-attr]
                Contribution.kind == "commit",
            )
        ).first()
        assert first is not None
        assert first.additions == 3  # the binary file counts no lines
        assert first.files_changed == 2
        assert first.url is not None
        assert first.url.endswith(f"/commit/{first.external_id}")
        renamed = session.exec(
            select(Contribution).where(Contribution.title == "[mlir] Rename a file")
        ).one()
        assert renamed.paths == [
            BUFFERIZATION,
            "mlir/lib/Dialect/Bufferization/Transforms/Renamed.cpp",
        ]
        phab = session.exec(
            select(Contribution).where(
                Contribution.kind == "review",
                Contribution.state == "approved",
                Contribution.parent_number.is_(None),
            )
        ).first()  # type: ignore[union-attr]
        assert phab is not None
        assert phab.url == "https://reviews.llvm.org/D4242"
        topics = {t.topic for t in session.exec(select(ContributionTopic))}
    assert {"mlir.bufferization", "llvm.x86", "mlir.core_ir"} <= topics


def test_a_differential_revision_link_is_rebuilt_from_its_number_or_dropped(
    engine: Engine, tmp_path: Path
) -> None:
    repo = GitRepo(tmp_path / "r")
    lines = {
        "old style": "HTTP://Reviews.LLVM.org/D0042/",
        "phishing": "https://evil.example/phish%7CD123",
        "lookalike": "https://reviews.llvm.org.evil.example/D7",
        "userinfo": "https://ada:@reviews.llvm.org/D7",
        "split label": "https://reviews.llvm.org/D7|Fix",
    }
    for subject, line in lines.items():
        repo.commit(
            f"{subject}\n\nReviewed By: bo-phab\n\nDifferential Revision: {line}",
            {"f.txt": subject},
        )
    ingest(engine, repo.path)
    with Session(engine) as session:
        reviews = {
            c.title: c.url
            for c in session.exec(select(Contribution).where(Contribution.kind == "review"))
        }
        commits = {
            c.title: c.url
            for c in session.exec(select(Contribution).where(Contribution.kind == "commit"))
        }
    # A revision csf can name becomes the one link to it; anything else is not linked, and the
    # review points at its commit instead.
    assert reviews.pop("old style") == "https://reviews.llvm.org/D42"
    assert reviews == {subject: commits[subject] for subject in reviews}
    assert all(url and url.startswith("https://github.com/") for url in reviews.values())


def test_identity_rules(engine: Engine, tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "r")
    repo.commit("one", author=("Ada Fictional", "ada@compilers.example"))
    repo.commit("two", author=("A. Fictional", "ADA@compilers.example"))  # same address
    repo.commit("three", author=("Ada F", "4242+ada-fictional@users.noreply.github.com"))
    repo.commit("four", author=("Wei Chen", "wei@one.example"))
    repo.commit("five", author=("Wei Chen", "wei@two.example"))  # a common name, another person
    repo.commit("six", author=("Old Name", "old@compilers.example"))
    repo.commit(
        "Add mailmap",
        {".mailmap": "Ada Fictional <ada@compilers.example> <old@compilers.example>\n"},
    )
    ingest(engine, repo.path)
    with Session(engine) as session:
        by_subject = {c.title: c.person_id for c in session.exec(select(Contribution))}
        ada = by_subject["one"]
        assert by_subject["two"] == ada  # one address, two spellings of the name
        assert by_subject["six"] == ada  # .mailmap maps the old address
        assert by_subject["four"] != by_subject["five"]  # equal names never merge
        noreply = session.get(Person, by_subject["three"])
        assert noreply is not None
        assert noreply.login == "ada-fictional"
        values = set(session.exec(select(Identity.value)))
        assert not [v for v in values if "@" in v]  # addresses only as hashes


@pytest.mark.parametrize("bot_first", [True, False])
def test_a_landing_bot_on_a_persons_address_is_their_work_not_a_bot(
    engine: Engine, tmp_path: Path, bot_first: bool
) -> None:
    """Landing bots commit an author's change under the bot's name and the author's address
    (`landerbot <ada@...>`); that made the author a bot and erased them from every answer."""
    ada = ("Ada Fictional", "ada@compilers.example")
    landed = ("landerbot", "ada@compilers.example")
    repo = GitRepo(tmp_path / "r")
    order = [("landed", landed), ("own", ada)] if bot_first else [("own", ada), ("landed", landed)]
    for title, author in order:
        repo.commit(title, {f"src/{title}.cpp": "x\n"}, author=author)
    repo.commit("synced", {"src/sync.cpp": "x\n"}, author=("landerbot", "lander@tools.example"))
    ingest(engine, repo.path)
    with Session(engine) as session:
        by_title = {c.title: c.person_id for c in session.exec(select(Contribution))}
        assert by_title["landed"] == by_title["own"]
        person = session.get(Person, by_title["own"])
        assert person is not None
        assert (person.name, person.is_bot) == ("Ada Fictional", False)
        names = set(
            session.exec(select(Identity.value).where(Identity.person_id == by_title["own"]))
        )
        assert name_key("landerbot").value not in names  # the tool's name is not hers
        tool = session.get(Person, by_title["synced"])  # the bot's own address: still a bot
        assert tool is not None
        assert (tool.name, tool.is_bot) == ("landerbot", True)


def test_a_nameless_machine_co_author_becomes_the_person_who_signs_its_address(
    engine: Engine, tmp_path: Path
) -> None:
    """A trailer with no name on a machine account (`Co-authored-by: <root@…>`) is no one
    until a person signs that address; then its work is theirs, not a bot's."""
    repo = GitRepo(tmp_path / "r")
    repo.commit("Paired\n\nCo-authored-by: <root@quill.example>\n", {"p.cu": "x\n"}, author=ADA)
    ingest(engine, repo.path)
    with Session(engine) as session:
        machine = session.exec(select(Person).where(Person.name == "root")).one()
        assert machine.is_bot
    repo.commit("Signed", {"s.cu": "x\n"}, author=("Cy Quill", "root@quill.example"))
    ingest(engine, repo.path)
    with Session(engine) as session:
        person = session.get(Person, machine.id)
        assert person is not None
        assert (person.name, person.is_bot) == ("Cy Quill", False)


def test_the_projects_own_bot_account_is_a_tool_and_a_surname_bot_is_a_person(
    engine: Engine, tmp_path: Path
) -> None:
    """ "Widgets Bot" updating CI tags in acme/widgets is the project's automation (seen as
    "FlashInfer Bot" in a real history); "Cy Bot" there, and "Widgets Bot" in another
    project, are names like any other."""
    with Session(engine) as session:
        _repo(session, "acme/widgets")
    repo = GitRepo(tmp_path / "r")
    repo.commit("Update CI tags", {"ci/tags.txt": "1\n"}, author=("Widgets Bot", "w@ci.example"))
    repo.commit("Sync owners", {"OWNERS": "x\n"}, author=("Widgets Robot", "r@ci.example"))
    repo.commit("Fix the parser", {"src/p.cpp": "x\n"}, author=("Cy Bot", "cy@compilers.example"))
    ingest(engine, repo.path)
    with Session(engine) as session:
        flags = {
            c.title: session.get(Person, c.person_id).is_bot  # type: ignore[union-attr]
            for c in session.exec(select(Contribution))
        }
    assert flags == {"Update CI tags": True, "Sync owners": True, "Fix the parser": False}


@pytest.mark.parametrize("machine_first", [True, False])
def test_a_machines_own_account_is_no_one_and_a_person_on_its_address_stays_one(
    engine: Engine, tmp_path: Path, machine_first: bool
) -> None:
    """Squashed commits carry `root <root@node…>` co-authors from unconfigured machines by the
    dozen (40 in one real history), each ranked as a person. A person's name on root@ is their
    own domain's: a commit there under `root` is theirs, whichever came first."""
    repo = GitRepo(tmp_path / "r")
    trailers = "".join(f"Co-authored-by: root <root@node{n}.cluster.example>\n" for n in range(3))
    repo.commit(f"Squashed kernels\n\n{trailers}", {"k.cu": "x\n"}, author=ADA)
    own = [
        ("Unsigned", ("root", "root@quill.example")),
        ("Signed", ("Cy Quill", "root@quill.example")),
    ]
    for title, author in own if machine_first else own[::-1]:  # read in this order
        repo.commit(title, {f"{title}.cu": "x\n"}, author=author)
        ingest(engine, repo.path)
    with Session(engine) as session:
        records = {}
        for contribution in session.exec(select(Contribution)):
            person = session.get(Person, contribution.person_id)
            assert person is not None
            records.setdefault((person.id, person.name, person.is_bot), []).append(
                contribution.title
            )
    machines = [key for key in records if key[1] == "root"]
    assert len(machines) == 3  # one record per machine
    assert all(is_bot for _, _, is_bot in machines)
    people = {(name, is_bot): sorted(titles) for (_, name, is_bot), titles in records.items()}
    assert people[("Cy Quill", False)] == ["Signed", "Unsigned"]
    assert people[(ADA[0], False)] == ["Squashed kernels"]


@pytest.mark.parametrize("default_first", [True, False])
def test_a_machines_default_name_on_a_persons_account_is_not_their_name(
    engine: Engine, tmp_path: Path, default_first: bool
) -> None:
    """`Ubuntu <user@vm…>`: git never configured on a cloud machine, seen ranking as a person
    called "Ubuntu" in seven top tens of one real history. The work is the account's user's;
    the record goes by the account until their own name appears there, and two users called
    "Ubuntu" are never one person or offered as one."""
    ada_vm = ("Ubuntu", "aquill@gpu1.cloud.example")
    ada = ("Ada Quill", "aquill@gpu1.cloud.example")
    repo = GitRepo(tmp_path / "r")
    order = [("vm", ada_vm), ("own", ada)] if default_first else [("own", ada), ("vm", ada_vm)]
    for title, author in order:
        repo.commit(title, {f"{title}.cu": "x\n"}, author=author)
        ingest(engine, repo.path)
    trailer = "Co-authored-by: Ubuntu <cyq@gpu2.cloud.example>\n"
    repo.commit(f"Paired\n\n{trailer}", {"p.cu": "x\n"}, author=("Ubuntu", "dee@gpu3.example"))
    ingest(engine, repo.path)
    with Session(engine) as session:
        people: dict[int, set[str]] = {}
        for contribution in session.exec(select(Contribution)):
            people.setdefault(contribution.person_id, set()).add(contribution.title or "")
        named = {}
        for person_id, titles in people.items():
            person = session.get(Person, person_id)
            assert person is not None
            assert not person.is_bot
            named[person.name] = titles
        assert named == {"Ada Quill": {"vm", "own"}, "cyq": {"Paired"}, "dee": {"Paired"}}
        names = set(session.exec(select(Identity.value).where(Identity.kind == "name")))
        assert name_key("Ubuntu").value not in names
        offered = [set(s.person_ids) for s in suggest(session)]
        assert not [ids for ids in offered if len(ids & set(people)) > 1]


def test_commits_join_the_github_account_that_published_the_address(
    engine: Engine, tmp_path: Path
) -> None:
    with Session(engine) as session:
        account = resolve_person(
            session,
            [login_key("ada-fictional"), email_key("ada@compilers.example")],
            login="ada-fictional",
        )
        session.commit()
        account_id = account.id
    repo = GitRepo(tmp_path / "r")
    repo.commit("work", author=ADA)
    ingest(engine, repo.path)
    with Session(engine) as session:
        commit = session.exec(select(Contribution)).one()
        assert commit.person_id == account_id


def test_reingest_adds_nothing_and_new_commits_arrive_alone(engine: Engine, tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "r")
    for i in range(5):
        repo.commit(f"c{i}", {f"mlir/lib/IR/F{i}.cpp": "x\n"})
    assert ingest(engine, repo.path).commits == 5
    before = snapshot(engine)
    again = ingest(engine, repo.path)
    assert again.commits == 0
    assert snapshot(engine) == before
    repo.commit("c5", {"mlir/lib/IR/F5.cpp": "x\n"}, author=BO)
    repo.commit("c6", {"mlir/lib/IR/F6.cpp": "x\n"})
    more = ingest(engine, repo.path)
    assert more.commits == 2
    assert more.new == {"commit": 2}
    full = ingest(engine, repo.path, full=True)
    assert full.commits == 7
    assert full.new == {"commit": 0}


def test_crash_midway_resumes_without_duplicates(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = GitRepo(tmp_path / "r")
    for i in range(9):
        repo.commit(
            f"c{i}\n\nReviewed-by: Bo Fictional <bo@compilers.example>",
            {f"mlir/lib/IR/F{i}.cpp": "x\n"},
        )
    reference = GitRepo(tmp_path / "unused")  # keep the helper honest: a second repo is independent
    del reference

    monkeypatch.setattr(git_ingest, "BATCH", 2)
    original = git_ingest._save
    calls = {"n": 0}

    def crash_on_third(*args: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("killed")
        original(*args)

    monkeypatch.setattr(git_ingest, "_save", crash_on_third)
    with pytest.raises(RuntimeError, match="killed"):
        ingest(engine, repo.path)
    monkeypatch.setattr(git_ingest, "_save", original)
    partial = contributions(engine)
    assert 0 < len(partial) < 18
    resumed = ingest(engine, repo.path)
    assert resumed.commits == 5  # the four committed commits are not read again
    assert [k for k, *_ in contributions(engine)].count("commit") == 9
    assert [k for k, *_ in contributions(engine)].count("review") == 9


def test_rewritten_history_is_a_clear_error(engine: Engine, tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "r")
    repo.commit("a")
    repo.commit("b")
    ingest(engine, repo.path)
    repo.git("reset", "-q", "--hard", "HEAD~1")  # the old commit's object is still there
    repo.commit("b, rewritten")
    with pytest.raises(GitSourceError, match="rerun with --full"):
        ingest(engine, repo.path)
    assert ingest(engine, repo.path, full=True).commits == 2


def test_bad_paths_and_empty_repositories(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(GitSourceError, match="does not exist"):
        ingest(engine, tmp_path / "missing")
    (tmp_path / "plain").mkdir()
    with pytest.raises(GitSourceError, match="is not a git repository"):
        ingest(engine, tmp_path / "plain")
    empty = GitRepo(tmp_path / "empty")
    stats = ingest(engine, empty.path)
    assert stats.commits == 0
    assert contributions(engine) == []


def test_odd_input_is_parsed_tolerantly(engine: Engine, tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "r")
    repo.git("config", "i18n.commitEncoding", "ISO-8859-1")
    repo.commit(
        "Latin-1 author\n\nReviewed-by: nobody\nAcked-by: <>\nReviewed-by: Bo <not-an-address>",
        author=(b"Ren\xe9e Fictional", "renee@compilers.example"),
    )
    repo.commit("no address", author=("Nobody", ""))
    stats = ingest(engine, repo.path)
    assert stats.commits == 2
    rows = contributions(engine)
    assert len(rows) == 1  # malformed trailers and an author without an address add nothing
    assert rows[0][1].startswith("Ren")
    assert "Fictional" in rows[0][1]


def test_bare_mirror_and_a_bare_mailmap(engine: Engine, tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "src")
    repo.commit(
        "first", {".mailmap": "Ada Fictional <ada@compilers.example> <old@compilers.example>\n"}
    )
    repo.commit("second", author=("Old", "old@compilers.example"))
    mirror = tmp_path / "mirror.git"
    repo.git("clone", "-q", "--mirror", str(repo.path), str(mirror))
    ingest(engine, mirror)
    with Session(engine) as session:
        ids = {c.person_id for c in session.exec(select(Contribution))}
    assert len(ids) == 1


def test_suppressed_people_are_skipped(engine: Engine, tmp_path: Path) -> None:
    with Session(engine) as session:
        session.add(Suppression(identity_hash=suppression_hash(email_key("bo@compilers.example"))))
        session.commit()
    repo = GitRepo(tmp_path / "r")
    repo.commit("by bo", author=BO)
    repo.commit("by ada\n\nReviewed-by: Bo Fictional <bo@compilers.example>")
    ingest(engine, repo.path)
    assert contributions(engine) == [("commit", "Ada Fictional", None, None, None)]


def _term_owners(engine: Engine) -> dict[str, set[int]]:
    """Contribution title -> the people its free-word index rows name."""
    with Session(engine) as session:
        rows = session.exec(
            select(Contribution.title, ContributionTerm.person_id).join(
                ContributionTerm,
                col(ContributionTerm.contribution_id) == Contribution.id,
            )
        ).all()
    owners: dict[str, set[int]] = {}
    for title, person_id in rows:
        owners.setdefault(str(title), set()).add(person_id)
    return owners


def test_merge_and_split_survive_reingestion(engine: Engine, tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "r")
    repo.commit("home", author=("Ada Fictional", "ada@home.example"))
    repo.commit("work", author=("Ada Fictional", "ada@compilers.example"))
    ingest(engine, repo.path)
    assert len({c[2] for c in snapshot(engine)["contributions"]}) == 2  # names alone never merge
    with Session(engine) as session:
        kept = people.merge(
            session,
            people.find(session, "ada@compilers.example"),
            people.find(session, "ada@home.example"),
            actor="test",
        )
        session.commit()
        kept_id = kept.id
    # Before any re-ingest, the free-word index follows the work to the kept person.
    assert _term_owners(engine) == {"home": {kept_id}, "work": {kept_id}}
    ingest(engine, repo.path, full=True)
    with Session(engine) as session:
        assert {c.person_id for c in session.exec(select(Contribution))} == {kept_id}
        assert session.exec(select(Person)).all().__len__() == 1
        person = people.find(session, "ada@home.example")
        home = str(email_key("ada@home.example"))
        new = people.split(session, person, [home], actor="test")
        session.commit()
        new_id = new.id
    assert _term_owners(engine) == {"home": {new_id}, "work": {kept_id}}
    ingest(engine, repo.path, full=True)
    with Session(engine) as session:
        owners = {c.title: c.person_id for c in session.exec(select(Contribution))}
    assert owners == {"home": new_id, "work": kept_id}


def test_people_corrections_refuse_nonsense(engine: Engine) -> None:
    with Session(engine) as session:
        ada = resolve_person(
            session, [login_key("ada-fictional"), name_key("Ada")], login="ada-fictional"
        )
        session.commit()
        with pytest.raises(CsfError, match="same person"):
            people.merge(session, ada, ada, actor="test")
        with pytest.raises(CsfError, match="no one known as"):
            people.find(session, "nobody-fictional")
        with pytest.raises(CsfError, match="not one of this person's identities"):
            people.split(session, ada, ["github:bo-fictional"], actor="test")
        with pytest.raises(CsfError, match="every identity"):
            people.split(session, ada, ["github:ada-fictional", "name:ada"], actor="test")


def test_mailmap_forms() -> None:
    mailmap = Mailmap(
        "# comment\n"
        "Proper One <one@commit.example>\n"
        "<proper-two@x.example> <two@commit.example>\n"
        "Proper Three <three@x.example> <three@commit.example>\n"
        "Proper Four <four@x.example> Commit Four <four@commit.example>\n"
    )
    assert mailmap.canonical(GitIdent("x", "ONE@commit.example")) == GitIdent(
        "Proper One", "ONE@commit.example"
    )
    assert mailmap.canonical(GitIdent("Two", "two@commit.example")) == GitIdent(
        "Two", "proper-two@x.example"
    )
    assert mailmap.canonical(GitIdent("3", "three@commit.example")) == GitIdent(
        "Proper Three", "three@x.example"
    )
    assert mailmap.canonical(GitIdent("Commit Four", "four@commit.example")) == GitIdent(
        "Proper Four", "four@x.example"
    )
    assert mailmap.canonical(GitIdent("Other", "four@commit.example")) == GitIdent(
        "Other", "four@commit.example"
    )


def test_merge_keeps_one_digest_entry_and_one_shortlist_entry(engine: Engine) -> None:
    from datetime import UTC, datetime

    from bot.store.models import Candidate, DigestEntry, DigestRun

    with Session(engine) as session:
        a = resolve_person(session, [login_key("ada-fictional")], login="ada-fictional")
        b = resolve_person(session, [email_key("ada@home.example")])
        when = datetime(2026, 3, 2, tzinfo=UTC)
        run = DigestRun(team_id="T1", period_start=when, period_end=when, status="posted")
        session.add(run)
        session.flush()
        for person in (a, b):
            session.add(
                DigestEntry(
                    run_id=run.id,
                    person_id=person.id,
                    ecosystem="mlir",
                    topic="mlir.linalg",
                    score=1.0,
                    reason="r",
                )
            )
            session.add(Candidate(team_id="T1", person_id=person.id, saved_by="U1", source="cli"))
        session.add(Candidate(team_id="T2", person_id=b.id, saved_by="U2", source="cli"))
        session.commit()
        people.merge(session, a, b, actor="test")
        session.commit()
        assert len(session.exec(select(DigestEntry)).all()) == 1
        shortlist = sorted((c.team_id, c.saved_by) for c in session.exec(select(Candidate)))
        assert shortlist == [("T1", "U1"), ("T2", "U2")]
        assert {c.person_id for c in session.exec(select(Candidate))} == {a.id}


def test_a_change_seen_as_pr_and_commit_counts_once(engine: Engine, tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from bot.store.models import ContributionKind
    from bot.store.writes import (
        ContributionRecord,
        counted_as_pr,
        counted_once,
        upsert_contribution,
    )

    when = datetime(2026, 1, 5, tzinfo=UTC)
    with Session(engine) as session:
        repo = _repo(session)
        author = resolve_person(session, [login_key("ada-fictional")], login="ada-fictional")
        assert repo.id is not None
        assert author.id is not None
        upsert_contribution(
            session,
            ContributionRecord(
                repo_id=repo.id,
                person_id=author.id,
                kind=ContributionKind.PR,
                external_id="12",
                created_at=when,
                occurred_at=when,
                title="[mlir] Fold copies",
            ),
        )
        session.commit()
    git = GitRepo(tmp_path / "r")
    git.commit("[mlir] Fold copies (#12)", {"mlir/lib/IR/A.cpp": "a\n"})
    git.commit("[mlir] Landed without a PR", {"mlir/lib/IR/B.cpp": "b\n"})
    git.commit("[mlir] PR not synced yet (#99)", {"mlir/lib/IR/C.cpp": "c\n"})
    ingest(engine, git.path)
    with Session(engine) as session:
        table = Contribution.__table__  # type: ignore[attr-defined]
        excluded = set(session.execute(sa.select(table.c.id).where(counted_as_pr(table))).scalars())
        titles = {
            c.title
            for c in session.exec(select(Contribution).where(Contribution.kind == "commit"))
            if c.id in excluded
        }
    assert titles == {"[mlir] Fold copies (#12)"}
    with Session(engine) as session:
        # Everything else counts: the PR (stored with no state) and the other two commits.
        rest = {
            c.id
            for c in session.exec(select(Contribution))
            if (c.kind, c.title) != ("commit", "[mlir] Fold copies (#12)")
        }
        assert len(rest) == 3
        once = sa.select(table.c.id).where(counted_once(table))
        assert set(session.execute(once).scalars()) == rest
        if engine.dialect.name == "postgresql":
            # The PR lookup is an anti-join: as a subquery tried on every row, it made the
            # planner read the whole store for each topic's sum.
            plan = "\n".join(session.execute(sa.text(f"EXPLAIN {_sql(once, engine)}")).scalars())
            assert "Anti Join" in plan
            assert "SubPlan" not in plan


def test_since_limits_what_is_read(engine: Engine, tmp_path: Path) -> None:
    from datetime import UTC, datetime

    git = GitRepo(tmp_path / "r")
    git.commit("old", date="2025-06-01T10:00:00+00:00")
    git.commit("new", date="2026-02-01T10:00:00+00:00")
    stats = ingest(engine, git.path, since=datetime(2026, 1, 1, tzinfo=UTC))
    assert stats.commits == 1
    assert [c[0] for c in contributions(engine)] == ["commit"]


def test_title_keywords_tag_each_commit_by_its_own_title(engine: Engine, tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "r")
    repo.commit("Fix one-shot bufferize crash", {"mlir/lib/IR/Ops.cpp": "a\n"})
    repo.commit("Tidy up", {"mlir/lib/IR/Ops.cpp": "b\n"})
    ingest(engine, repo.path)
    with Session(engine) as session:
        tagged = {
            c.title: {
                t.topic
                for t in session.exec(
                    select(ContributionTopic).where(ContributionTopic.contribution_id == c.id)
                )
            }
            for c in session.exec(select(Contribution))
        }
    assert "mlir.bufferization" in tagged["Fix one-shot bufferize crash"]
    assert "mlir.bufferization" not in tagged["Tidy up"]


def test_merge_keeps_both_teams_notes_and_the_furthest_status(engine: Engine) -> None:
    from bot.store.models import Candidate, CandidateNote

    with Session(engine) as session:
        a = resolve_person(session, [login_key("ada-fictional")], login="ada-fictional")
        b = resolve_person(session, [email_key("ada@home.example")])
        first = Candidate(team_id="T1", person_id=a.id, saved_by="U1", source="cli")
        second = Candidate(
            team_id="T1", person_id=b.id, saved_by="U2", source="cli", status="interviewing"
        )
        session.add_all([first, second])
        session.flush()
        session.add(CandidateNote(candidate_id=second.id, author="U2", text="Great RFC"))
        session.commit()
        people.merge(session, a, b, actor="test")
        session.commit()
        entry = session.exec(select(Candidate)).one()
        assert entry.status == "interviewing"
        assert [n.text for n in session.exec(select(CandidateNote))] == ["Great RFC"]
        assert session.exec(select(CandidateNote)).one().candidate_id == entry.id


def test_split_takes_the_github_profile_with_the_account(engine: Engine) -> None:
    from bot.store.models import HttpCache

    with Session(engine) as session:
        ada = resolve_person(
            session,
            [login_key("ada-fictional"), email_key("ada@home.example")],
            login="ada-fictional",
        )
        ada.location, ada.region, ada.company = "London", "uk", "Example Compilers"
        session.add(HttpCache(slot="user:ada-fictional", url="ada-fictional", etag='"x"'))
        session.commit()
        new = people.split(session, ada, ["github:ada-fictional"], actor="test")
        session.commit()
        assert (new.login, new.location, new.region, new.company) == (
            "ada-fictional",
            "London",
            "uk",
            "Example Compilers",
        )
        assert (ada.login, ada.location, ada.company) == (None, None, None)
        assert session.exec(select(HttpCache)).first() is None  # the next sync refetches


def test_record_separator_bytes_in_history_cannot_split_a_commit(
    engine: Engine, tmp_path: Path
) -> None:
    """`\\x1e` (git log's record byte) in a message or a name once cut a commit in two."""
    repo = GitRepo(tmp_path / "r")
    repo.commit("before", {BUFFERIZATION: "a\n"})
    repo.commit(
        "Fix\x1ethe analysis\n\nbody \x1e\x1e with separators",
        {BUFFERIZATION: "a\nb\n", "mlir/lib/Dialect/Bufferization/IR/\x1eodd.cpp": "x\n"},
        author=("Rec\x1eord Fictional", "record@compilers.example"),
    )
    for n in range(3):
        repo.commit(f"after {n}", {BUFFERIZATION: f"a\nb\n{n}\n"})
    stats = ingest(engine, repo.path)
    assert stats.commits == 5
    assert not stats.problems
    with Session(engine) as session:
        rows = {c.title: c for c in session.exec(select(Contribution))}
        names = {p.name for p in session.exec(select(Person))}
    assert set(rows) == {"before", "Fix\x1ethe analysis", "after 0", "after 1", "after 2"}
    odd = rows["Fix\x1ethe analysis"]
    assert sorted(odd.paths) == sorted(
        [BUFFERIZATION, "mlir/lib/Dialect/Bufferization/IR/\x1eodd.cpp"]
    )
    assert (odd.additions, odd.deletions) == (2, 0)
    assert "Rec\x1eord Fictional" in names


@pytest.mark.parametrize("per_log", [1, 2, 512])
def test_a_mirror_missing_a_blob_is_read_to_the_end(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, per_log: int
) -> None:
    """One commit git cannot diff no longer stops the ingest: it is stored with its paths,
    whichever batch of the history (`COMMITS_PER_LOG`) it falls in."""
    monkeypatch.setattr(git_source, "COMMITS_PER_LOG", per_log)
    repo = GitRepo(tmp_path / "r")
    repo.commit("first", {BUFFERIZATION: "one\n", "README.md": "hello\n"})
    repo.commit("grows", {BUFFERIZATION: "one\ntwo\n", "README.md": "hello\nworld\n"})
    lost = repo.git("rev-parse", f"HEAD:{BUFFERIZATION}")
    repo.commit("later", {"mlir/lib/Dialect/Linalg/Fuse.cpp": "x\ny\nz\n"}, author=BO)
    repo.commit("latest", {"mlir/lib/Dialect/Linalg/Fuse.cpp": "x\n"}, author=BO)
    repo.drop_object(lost)
    stats = ingest(engine, repo.path)
    assert stats.commits == 4
    assert len(stats.problems) == 1
    assert "could not be diffed" in stats.problems[0]
    assert lost in stats.problems[0]
    with Session(engine) as session:
        rows = {c.title: c for c in session.exec(select(Contribution))}
    assert set(rows) == {"first", "grows", "later", "latest"}
    assert sorted(rows["grows"].paths) == sorted([BUFFERIZATION, "README.md"])
    assert (rows["grows"].additions, rows["grows"].deletions) == (0, 0)  # sizes unknown
    assert (rows["later"].additions, rows["latest"].deletions) == (3, 2)
    # Read again: nothing new, nothing said twice.
    again = ingest(engine, repo.path)
    assert again.commits == 0
    assert not again.problems


@pytest.mark.parametrize("per_log", [1, 2, 512])
def test_an_unreadable_commit_is_left_out_and_said(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, per_log: int
) -> None:
    monkeypatch.setattr(git_source, "COMMITS_PER_LOG", per_log)
    repo = GitRepo(tmp_path / "r")
    repo.commit("first", {BUFFERIZATION: "one\n"})
    repo.commit("second", {BUFFERIZATION: "one\ntwo\n"})
    tree = repo.git("rev-parse", "HEAD^{tree}")
    repo.commit("third", {BUFFERIZATION: "one\ntwo\nthree\n"}, author=BO)
    repo.drop_object(tree)
    stats = ingest(engine, repo.path)
    assert stats.commits == 3
    # Without its tree, "second" and its child cannot be diffed: both are kept, without paths.
    assert len(stats.problems) == 2
    assert all(tree in p and "no paths" in p for p in stats.problems)
    with Session(engine) as session:
        rows = {c.title: c for c in session.exec(select(Contribution))}
    assert rows["first"].paths == [BUFFERIZATION]
    assert rows["first"].additions == 1
    assert rows["second"].paths == []
    assert rows["third"].paths == []


# -- `--full` reconciles: the store holds what the history holds ----------------------------------

DEE = ("Dee Fictional", "dee@compilers.example")
TEAM_TRAILERS = (
    "\n\nCo-authored-by: Dee Fictional <dee@compilers.example>\n"
    "Reviewed-by: Bo Fictional <bo@compilers.example>"
)


def _git_rows(engine: Engine) -> list[tuple[str, str, str]]:
    """(commit sha, kind, person's name) of every git row of llvm/llvm-project."""
    with Session(engine) as session:
        rows = session.exec(
            select(Contribution, Person)
            .join(Person)
            .join(Repo)
            .where(
                Repo.full_name == "llvm/llvm-project",
                col(Contribution.kind).in_(["commit", "review"]),
            )
        ).all()
        return sorted(
            (c.external_id.split(":")[0], c.kind, p.name or "")
            for c, p in rows
            if c.kind == "commit" or ":review:" in c.external_id
        )


def _expected(repo: GitRepo) -> list[tuple[str, str, str]]:
    """Every commit HEAD reaches: Ada's, Dee's as co-author, Bo's review."""
    shas = repo.git("rev-list", "--no-merges", "HEAD").split()
    return sorted(
        (sha, kind, name)
        for sha in shas
        for kind, name in (
            ("commit", "Ada Fictional"),
            ("commit", "Dee Fictional"),
            ("review", "Bo Fictional"),
        )
    )


def test_full_after_a_rewritten_history_stores_exactly_its_commits(
    engine: Engine, tmp_path: Path
) -> None:
    repo = GitRepo(tmp_path / "r")
    for n in range(5):
        repo.commit(f"[mlir] change {n}{TEAM_TRAILERS}", {BUFFERIZATION: f"{n}\n"})
    ingest(engine, repo.path)
    old = set(repo.git("rev-list", "HEAD").split())
    with Session(engine) as session:  # work csf holds from elsewhere, which --full leaves be
        llvm = session.exec(select(Repo)).one()
        other = _repo(session, "example-org/other")
        ada = session.exec(select(Person).where(Person.name == "Ada Fictional")).one()
        assert llvm.id is not None
        assert other.id is not None
        assert ada.id is not None
        when = datetime(2026, 1, 5, tzinfo=UTC)
        for repo_id, kind, external in (
            (llvm.id, ContributionKind.PR, "12"),
            (llvm.id, ContributionKind.REVIEW, "4242"),  # a GitHub review: a numeric id
            (other.id, ContributionKind.COMMIT, "f" * 40),
        ):
            record = ContributionRecord(repo_id, ada.id, kind, external, when, when, title="x")
            upsert_contribution(session, record)
        session.commit()

    repo.git("reset", "-q", "--hard", "HEAD~3")  # drop three commits (their objects stay)
    repo.commit(f"[mlir] change 2, again{TEAM_TRAILERS}", {BUFFERIZATION: "two\n"})
    repo.git("commit", "-q", "--amend", "-m", f"[mlir] change 2, amended{TEAM_TRAILERS}")
    repo.commit(f"[mlir] change 3, again{TEAM_TRAILERS}", {BUFFERIZATION: "three\n"})
    repo.commit(f"[mlir] change 4, again{TEAM_TRAILERS}", {BUFFERIZATION: "four\n"})
    assert len(old & set(repo.git("rev-list", "HEAD").split())) == 2

    stats = ingest(engine, repo.path, full=True)
    assert stats.commits == 5
    assert _git_rows(engine) == _expected(repo)
    assert stats.removed == 9  # three gone commits, three rows each
    assert "9 contributions of commits no longer in the history removed" in stats.summary()
    with Session(engine) as session:
        kept = sorted((c.kind, c.external_id) for c in session.exec(select(Contribution)))
        assert ("pr", "12") in kept
        assert ("review", "4242") in kept
        assert ("commit", "f" * 40) in kept
        tagged = {t.contribution_id for t in session.exec(select(ContributionTopic))}
        termed = {t.contribution_id for t in session.exec(select(ContributionTerm))}
        ids = {c.id for c in session.exec(select(Contribution))}
    assert tagged <= ids
    assert termed <= ids
    # Nothing left to do: a second --full removes nothing and adds nothing.
    again = ingest(engine, repo.path, full=True)
    assert (again.removed, again.new) == (0, {"commit": 0, "review": 0, "pr": 0})
    assert _git_rows(engine) == _expected(repo)


def test_forget_then_full_keeps_each_co_author_once(engine: Engine, tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "r")
    first = repo.commit(f"[mlir] paired{TEAM_TRAILERS}", {BUFFERIZATION: "a\n"})
    repo.commit("[mlir] alone", {BUFFERIZATION: "b\n"}, author=DEE)
    ingest(engine, repo.path)
    with Session(engine) as session:
        privacy.forget(session, ADA[1], actor="test")
        session.commit()
    ingest(engine, repo.path, full=True)
    ingest(engine, repo.path, full=True)
    with Session(engine) as session:
        dee = session.exec(select(Person).where(Person.name == "Dee Fictional")).one()
        held = sorted(
            c.external_id
            for c in session.exec(select(Contribution).where(Contribution.person_id == dee.id))
        )
    assert len(held) == 2
    assert held[0].startswith(f"{first}:co:") or held[1].startswith(f"{first}:co:")
    assert first not in held  # the forgotten author's id is never handed to a co-author


def test_a_co_author_of_an_author_without_address_is_keyed_as_co_author(
    engine: Engine, tmp_path: Path
) -> None:
    """And a store that keyed them as the author (as csf once did) is mended by --full."""
    repo = GitRepo(tmp_path / "r")
    sha = repo.commit(
        "[mlir] by no one\n\nCo-authored-by: Dee Fictional <dee@compilers.example>",
        {BUFFERIZATION: "a\n"},
        author=("Nobody", ""),
    )
    ingest(engine, repo.path)
    with Session(engine) as session:
        row = session.exec(select(Contribution)).one()
        assert row.external_id.startswith(f"{sha}:co:")
        row.external_id = sha  # the old keying
        session.commit()
    ingest(engine, repo.path, full=True)
    with Session(engine) as session:
        ids = [c.external_id for c in session.exec(select(Contribution))]
    assert len(ids) == 1
    assert ids[0].startswith(f"{sha}:co:")


def test_a_full_run_killed_while_removing_loses_nothing_still_in_history(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = GitRepo(tmp_path / "r")
    for n in range(4):
        repo.commit(f"[mlir] change {n}{TEAM_TRAILERS}", {BUFFERIZATION: f"{n}\n"})
    ingest(engine, repo.path)
    repo.git("reset", "-q", "--hard", "HEAD~2")
    repo.commit(f"[mlir] change 2, again{TEAM_TRAILERS}", {BUFFERIZATION: "two\n"})
    monkeypatch.setattr(git_ingest, "SWEEP_CHUNK", 2)
    original = git_ingest.delete_contributions
    calls = {"n": 0}

    def killed_on_the_second_chunk(session: Session, ids: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("killed")
        original(session, ids)

    monkeypatch.setattr(git_ingest, "delete_contributions", killed_on_the_second_chunk)
    with pytest.raises(RuntimeError, match="killed"):
        ingest(engine, repo.path, full=True)
    held = set(_git_rows(engine))
    assert set(_expected(repo)) <= held  # every commit HEAD reaches is whole
    assert len(held) > len(_expected(repo))  # some of the gone ones are still there
    monkeypatch.setattr(git_ingest, "delete_contributions", original)
    ingest(engine, repo.path, full=True)
    assert _git_rows(engine) == _expected(repo)


def test_merge_then_split_gives_each_person_back_their_own_profile(engine: Engine) -> None:
    """Two accounts merged by mistake, then split: the split-off account is its own person
    again, with its own name, place and company, not those of the record it was merged into;
    and while merged, its profile fetches never overwrite the record's own."""
    from bot.ingest.pipeline import Ingestor
    from bot.sources.github.records import UserProfile

    with Session(engine) as session:
        repo = upsert_repo(session, "llvm/llvm-project", "mlir")
        quika = resolve_person(session, [login_key("quika-tarmar")], login="quika-tarmar")
        quika.name, quika.location, quika.company = "Quika Tarmar", "Lyon", "Example Silicon"
        lize = resolve_person(session, [login_key("lize-ithlintis")], login="lize-ithlintis")
        lize.name, lize.location, lize.company = "Lize Ithlintis", "Cambridge, UK", "Fict Labs"
        lize.region = "uk"
        session.commit()
        kept = people.merge(session, quika, lize, actor="test")
        session.commit()
        assert (kept.login, kept.name) == ("quika-tarmar", "Quika Tarmar")
        # A profile fetch of the merged-in account updates only what it came with.
        Ingestor(session, default_taxonomy(), repo).apply_profile(
            UserProfile(
                login="lize-ithlintis",
                name="Lize Ithlintis",
                location="Edinburgh",
                company="Fict Labs",
                blog=None,
                email=None,
                bio=None,
                created_at=None,
                is_bot=False,
            ),
            datetime(2026, 6, 1, tzinfo=UTC),
        )
        session.commit()
        assert (kept.name, kept.location) == ("Quika Tarmar", "Lyon")
        apart = people.split(session, kept, ["github:lize-ithlintis"], actor="test")
        session.commit()
        assert (apart.login, apart.name, apart.location, apart.region, apart.company) == (
            "lize-ithlintis",
            "Lize Ithlintis",
            "Edinburgh",
            "uk",
            "Fict Labs",
        )
        assert (kept.login, kept.name, kept.location, kept.company) == (
            "quika-tarmar",
            "Quika Tarmar",
            "Lyon",
            "Example Silicon",
        )


def _sql(statement: sa.Select[Any], engine: Engine) -> str:
    """A statement's SQL with its values written in, for EXPLAIN."""
    return str(statement.compile(engine, compile_kwargs={"literal_binds": True}))


@pytest.mark.parametrize("seconds", [0.0, 3600.0])
def test_commits_are_written_while_git_has_nothing_new_to_give(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seconds: float
) -> None:
    """When the ingest has caught up with git (git is still diffing), it writes what it holds:
    at git's end only the commits since are left to write, not a whole batch. Not more often
    than every IDLE_SECONDS, though (an hour here: then only at the end)."""
    repo = GitRepo(tmp_path / "r")
    shas = [repo.commit(f"c{i}", {f"mlir/lib/IR/F{i}.cpp": "x\n"}) for i in range(7)]
    monkeypatch.setattr(git_ingest, "IDLE_BATCH", 2)
    monkeypatch.setattr(git_ingest, "IDLE_SECONDS", seconds)
    real = git_ingest.read_commits
    seen_at_idle: list[tuple[int, str | None]] = []

    def git_pauses(*args: Any, **options: Any) -> Any:
        on_idle = options["on_idle"]
        for number, commit in enumerate(real(*args, **options), start=1):
            yield commit
            if number in (1, 4, 5):  # git pauses after printing these
                on_idle()
                with Session(engine) as session:
                    stored = session.exec(select(func.count()).select_from(Contribution)).one()
                    repo_row = session.exec(select(Repo)).one()
                    assert repo_row.id is not None
                    seen_at_idle.append((stored, get_cursor(session, repo_row.id, "git")))

    monkeypatch.setattr(git_ingest, "read_commits", git_pauses)
    assert ingest(engine, repo.path).commits == 7
    # After one commit there was too little to write; after four, all four were written and
    # the cursor says so; one more is again too little.
    if seconds:
        assert seen_at_idle == [(0, None)] * 3
    else:
        assert seen_at_idle == [(0, None), (4, shas[3]), (4, shas[3])]
    assert len(contributions(engine)) == 7


def test_git_is_stopped_before_a_failed_ingest_lets_go_of_its_lock(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error while storing closes the read of git's history at once (its `git log` killed),
    not when the error's traceback is freed: else a second ingest could start beside it."""
    repo = GitRepo(tmp_path / "r")
    for i in range(3):
        repo.commit(f"c{i}", {f"mlir/lib/IR/F{i}.cpp": "x\n"})
    real = git_ingest.read_commits
    closed: list[bool] = []

    def watched(*args: Any, **options: Any) -> Any:
        try:
            yield from real(*args, **options)
        finally:
            closed.append(True)

    def broken(self: Any, commit: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(git_ingest, "read_commits", watched)
    monkeypatch.setattr(git_ingest.GitIngest, "commit", broken)
    with pytest.raises(RuntimeError, match="disk full") as raised:
        ingest(engine, repo.path)
    assert raised.traceback  # the traceback (and the ingest's frame) is still held here
    assert closed == [True]


def test_a_co_author_who_is_the_author_again_gets_no_second_credit(
    engine: Engine, tmp_path: Path
) -> None:
    """GitHub's squash of a PR whose commits were made on a cluster's login node names the
    author again as co-author (seen in real histories as `Name (Team 1) <same-local@login01…>`
    and `Name <same-local@host…>`), which ranked one person twice, side by side. A real second
    author on the same commit keeps their credit, and the records are not merged."""
    trailers = (
        "\n\nCo-authored-by: Ada Fictional (Lab 3) <ada.f@login01.cluster.example>"
        "\nCo-authored-by: A. F. <adafict@login02.cluster.compilers.example>"
        "\nCo-authored-by: ada fictional <quill@node7.example>"
        "\nCo-authored-by: Dee Fictional <dee@compilers.example>\n"
    )
    repo = GitRepo(tmp_path / "r")
    author = ("Ada Fictional", "adafict@compilers.example")
    repo.commit(f"[mlir] squashed{trailers}", {BUFFERIZATION: "a\n"}, author=author)
    # An author known to no one (no address) leaves the co-author line its credit.
    lost = "[mlir] from a box\n\nCo-authored-by: Ada Fictional <adafict@compilers.example>\n"
    repo.commit(lost, {BUFFERIZATION: "b\n"}, author=("Ada Fictional", "none@none"))
    ingest(engine, repo.path)
    assert sorted((kind, name) for kind, name, *_ in contributions(engine)) == [
        ("commit", "Ada Fictional"),
        ("commit", "Ada Fictional"),
        ("commit", "Dee Fictional"),
    ]
    with Session(engine) as session:
        ada = session.exec(select(Person).where(Person.name == "Ada Fictional")).first()
        dee = session.exec(select(Person).where(Person.name == "Dee Fictional")).one()
        assert ada is not None
        held = session.exec(select(Contribution).where(Contribution.person_id == ada.id)).all()
        assert len(held) == 2  # the squash once, and the commit from the box
        # The co-author lines' identities stay on records of their own, never merged: the
        # same account at a host of her organisation, the same name, and the same name with
        # a parenthetical are offered.
        credited = select(Contribution.person_id)
        idle = session.exec(select(Person).where(col(Person.id).not_in(credited))).all()
        assert len(idle) == 3
        offered = [set(item.person_ids) for item in suggest(session)]
        beside = set().union(*(ids for ids in offered if ada.id in ids))
        assert beside >= {p.id for p in idle}, offered
        assert not [ids for ids in offered if dee.id in ids]


@pytest.mark.parametrize(
    ("author", "co_author", "again"),
    [
        (("Ada Fictional", "ada@a.example"), ("Ada  FICTIONAL", "x@b.example"), True),
        (("Ada Fictional (Lab)", "ada@a.example"), ("Ada Fictional", "y@b.example"), True),
        (("Ada Fictional", "ada.quill@a.example"), ("Q", "ada.quill+pr@b.a.example"), True),
        (("Ada Fictional", "ada.quill@a.example"), ("", "ada.quill@b.example"), True),
        (("Ada Fictional", "ada.quill@a.example"), ("Q", "ada.quill@b.example"), False),
        (("Alex Fictional", "alex@acme.example"), ("Alex Quillon", "alex@widgets.example"), False),
        (("Li", "li.one@a.example"), ("Li", "li.two@b.example"), False),  # one word
        (("Ada Fictional", "ada@a.example"), ("Dee Fictional", "dee@a.example"), False),
        (("Ada Fictional", "root@a.example"), ("Dee Fictional", "root@b.example"), False),
        (
            ("Ada", "1+ada@users.noreply.github.com"),
            ("Dee", "2+dee@users.noreply.github.com"),
            False,
        ),
        (("", "ada@a.example"), ("", "dee@b.example"), False),
        (("Ada", "adaq@a.example"), ("Ada Quill", "ADAQ@a.example"), False),  # one record
        (("Ubuntu", "adaq@vm1.example"), ("Ubuntu", "deef@vm2.example"), False),
        (("Copilot", "adaq@a.example"), ("Copilot", "deef@b.example"), False),
        (("AdaFictional", "a@a.example"), ("Ada Fictional (Lab)", "q@b.example"), True),
        (("Ada Fictional", "a@a.example"), ("adafictional", "q@b.example"), True),
        (("Ada Fictional", "a@a.example"), ("adafictionals", "q@b.example"), False),
        (("Al Bo", "a@a.example"), ("AlBo", "q@b.example"), False),  # too short to tell
        (("Ada Quill", "a@a.example"), ("Adaq Uill", "q@b.example"), False),  # both spaced
    ],
)
def test_who_is_the_author_again(
    author: tuple[str, str], co_author: tuple[str, str], again: bool
) -> None:
    assert git_ingest.author_again(GitIdent(*author), GitIdent(*co_author)) is again

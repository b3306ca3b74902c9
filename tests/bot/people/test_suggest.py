"""`suggest`: likely duplicates found in real git history, with the evidence, never merged."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from bot.errors import CsfError
from bot.ingest.git import ingest_git
from bot.people import curation
from bot.people.suggest import Strength, Suggestion, suggest, variant_key
from bot.store.models import Identity, Person, Repo
from bot.store.writes import upsert_repo
from bot.taxonomy.model import default_taxonomy
from tests.support.git_repos import GitRepo

SCHED = "kernel/sched/fair.c"

ADA = ("Ada Quillon", "4101+ada-quillon@users.noreply.github.com")
ADA_AS_HANDLE = [("ada-quillon", "ada@quillon-home.example"), ("ada-quillon", "aq@lab.example")]
BRAM = [
    ("Bram Oakhurst", "bram.oakhurst@uni.example"),
    ("B. Oakhurst", "bram.oakhurst@corp.example"),
]
CELESTE = [("Céleste Marrow", "celeste@marrow.example"), ("celeste marrow", "cm@atelier.example")]
DOV = [
    ("Dov Penhallow", "4242+dov-old@users.noreply.github.com"),
    ("Dov Penhallow", "4242+dov-penhallow@users.noreply.github.com"),
]
ELI = [("Eli Tamsin", "eli.t@north.example"), ("Eli Tamsin", "etamsin@south.example")]
# git on an organisation's cluster signs user@host beside the person's own address
JUN = [("Jun Marlow", "jmarlow@corp2.example"), ("Jun M", "jmarlow@login01.hpc.corp2.example")]
GENERIC = [
    ("Fen Rowe", "dev@fen.example"),
    ("Gil Sorrel", "dev@gil.example"),
    ("Hal Vetch", "root@hal.example"),
    ("Ivo Brack", "root@ivo.example"),
]
BOTS = [
    ("quill-bot", "4100+quill-bot@users.noreply.github.com"),
    ("quill-bot", "quill-bot@ci.example"),
]


def history(path: Path, authors: list[tuple[str, str]]) -> GitRepo:
    git = GitRepo(path)
    for number, author in enumerate(authors):
        git.commit(f"sched: change {number}", {SCHED: f"{number}\n"}, author=author)
    return git


def ingest(engine: Engine, git: GitRepo, repo_name: str = "torvalds/linux") -> None:
    with Session(engine) as session:
        repo = upsert_repo(session, repo_name, "linux", tracked=False)
        session.commit()
        ingest_git(session, default_taxonomy(), repo, git.path)
        session.commit()


def person_id(engine: Engine, name: str, address_domain: str | None = None) -> int:
    """The record of a name, told apart by the domain of its address when the name repeats."""
    with Session(engine) as session:
        query = select(Person.id).join(Identity).where(Person.name == name)
        if address_domain:
            query = query.where(Identity.domain == address_domain)
        return session.exec(query.distinct()).one()


def login_holder(engine: Engine, login: str) -> int:
    with Session(engine) as session:
        return session.exec(
            select(Identity.person_id).where(Identity.kind == "github", Identity.value == login)
        ).one()


def containing(found: list[Suggestion], *ids: int) -> list[Suggestion]:
    return [s for s in found if set(ids) <= set(s.person_ids)]


def kinds(suggestion: Suggestion) -> set[str]:
    return {e.kind for e in suggestion.evidence}


@pytest.fixture
def world(engine: Engine, tmp_path: Path) -> Engine:
    authors = [ADA, *ADA_AS_HANDLE, *BRAM, *CELESTE, *DOV, *ELI, *GENERIC, *BOTS, *JUN]
    ingest(engine, history(tmp_path / "linux", authors))
    return engine


def test_git_names_equal_to_a_login_are_one_strong_suggestion(world: Engine) -> None:
    holder = login_holder(world, "ada-quillon")
    named = [person_id(world, "ada-quillon", "quillon-home.example")]
    named.append(person_id(world, "ada-quillon", "lab.example"))
    with Session(world) as session:
        found = containing(suggest(session), holder, *named)
    assert len(found) == 1
    (one,) = found
    assert one.strength is Strength.STRONG
    assert one.person_ids[0] == holder  # the record with the GitHub login is the one kept
    assert sorted(one.person_ids) == sorted([holder, *named])
    assert "name_is_login" in kinds(one)
    texts = [e.text for e in one.evidence]
    assert (
        f"git name 'ada-quillon' of #{min(named)}, #{max(named)} equals the GitHub login of "
        f"#{holder}" in texts
    )
    assert one.merge_commands() == [
        f"csf people merge '#{holder}' '#{i}'" for i in one.person_ids[1:]
    ]


@pytest.mark.parametrize(
    ("first", "second", "strength", "where"),
    [
        # two organisations: likely one person, for someone to check
        (
            "Bram Oakhurst",
            "B. Oakhurst",
            Strength.MEDIUM,
            "uni.example (#{0}), corp.example (#{1})",
        ),
        # a machine under the person's own domain (git on a cluster): one account
        (
            "Jun Marlow",
            "Jun M",
            Strength.STRONG,
            "corp2.example (#{0}), login01.hpc.corp2.example (#{1}) "
            "(login01.hpc.corp2.example is a machine under corp2.example)",
        ),
    ],
)
def test_same_local_part_at_two_domains(
    world: Engine, first: str, second: str, strength: Strength, where: str
) -> None:
    one_id, other_id = person_id(world, first), person_id(world, second)
    with Session(world) as session:
        (one,) = containing(suggest(session), one_id, other_id)
    assert kinds(one) == {"local_part"}
    assert one.strength is strength
    assert one.evidence[0].text == "same address local part, at " + where.format(one_id, other_id)


def test_names_differing_by_case_and_accents(world: Engine) -> None:
    accented = person_id(world, "Céleste Marrow")
    plain = person_id(world, "celeste marrow")
    with Session(world) as session:
        (one,) = containing(suggest(session), accented, plain)
    assert kinds(one) == {"name_variant"}
    assert one.strength is Strength.WEAK
    assert "'celeste marrow'" in one.evidence[0].text
    assert "'céleste marrow'" in one.evidence[0].text


def test_a_name_with_its_spaces_and_run_together(engine: Engine, tmp_path: Path) -> None:
    """`Tova Wren` and `TovaWren` (seen on real histories as one person's two machines) are
    offered; names too short to tell (`Al Bo`, `AlBo`) are not."""
    authors = [
        ("Tova Wren", "tova@north.example"),
        ("TovaWren", "tw@south.example"),
        ("Al Bo", "al@north.example"),
        ("AlBo", "albo@south.example"),
        # One address under both spellings, and the spaced one elsewhere: an equal name
        # ties them already, so the spelling is no news.
        ("Rae Holton", "rae@north.example"),
        ("RaeHolton", "rae@north.example"),
        ("Rae Holton", "rh@south.example"),
    ]
    ingest(engine, history(tmp_path / "linux", authors))
    spaced, together = person_id(engine, "Tova Wren"), person_id(engine, "TovaWren")
    short = {person_id(engine, "Al Bo"), person_id(engine, "AlBo")}
    with Session(engine) as session:
        found = suggest(session)
    (one,) = containing(found, spaced, together)
    assert kinds(one) == {"name_variant"}
    assert one.strength is Strength.WEAK
    assert one.evidence[0].text == (
        f"one name with its spaces and run together: 'tova wren' (#{spaced}), "
        f"'tovawren' (#{together})"
    )
    assert not [s for s in found if set(s.person_ids) & short]
    rae = {person_id(engine, "Rae Holton", "north.example")}
    rae.add(person_id(engine, "Rae Holton", "south.example"))
    (tied,) = containing(found, *rae)
    assert [e.kind for e in tied.evidence] == ["same_name"]


def test_one_noreply_id_behind_two_logins(world: Engine) -> None:
    old, new = login_holder(world, "dov-old"), login_holder(world, "dov-penhallow")
    assert old != new  # resolution did not join them: only a person does, by accepting
    with Session(world) as session:
        (one,) = containing(suggest(session), old, new)
    assert one.strength is Strength.STRONG
    assert kinds(one) == {"github_id", "same_name"}  # the shared name is folded in, not apart
    assert "same GitHub noreply id 4242" in one.evidence[0].text


def test_a_shared_name_alone_is_weak_and_nothing_is_merged(world: Engine) -> None:
    north = person_id(world, "Eli Tamsin", "north.example")
    south = person_id(world, "Eli Tamsin", "south.example")
    with Session(world) as session:
        people_before = session.exec(select(func.count()).select_from(Person)).one()
        (one,) = containing(suggest(session), north, south)
        people_after = session.exec(select(func.count()).select_from(Person)).one()
    assert kinds(one) == {"same_name"}
    assert one.strength is Strength.WEAK
    assert people_after == people_before


def test_generic_local_parts_are_no_evidence(world: Engine) -> None:
    fen, gil = person_id(world, "Fen Rowe"), person_id(world, "Gil Sorrel")
    hal, ivo = person_id(world, "Hal Vetch"), person_id(world, "Ivo Brack")
    with Session(world) as session:
        found = suggest(session)
        assert containing(found, fen, gil) == []
        assert containing(found, hal, ivo) == []
        hints = session.exec(
            select(Identity.local_hash).where(col(Identity.person_id).in_([fen, gil, hal, ivo]))
        ).all()
    assert set(hints) == {None}


def test_bots_and_records_marked_not_people_are_left_out(world: Engine) -> None:
    with Session(world) as session:
        bots = session.exec(select(Person.id).where(Person.is_bot)).all()
        assert len(bots) == 2  # both quill-bot records, by the rules at ingest
        assert all(not set(bots) & set(s.person_ids) for s in suggest(session))
        north = person_id(world, "Eli Tamsin", "north.example")
        curation.mark(session, session.get_one(Person, north), is_person=False)
        session.commit()
        assert all(north not in s.person_ids for s in suggest(session))


def test_strongest_evidence_first_and_limit(world: Engine) -> None:
    with Session(world) as session:
        found = suggest(session)
        assert [s.strength for s in found] == sorted((s.strength for s in found), reverse=True)
        assert {s.strength for s in found} == set(Strength)
        assert suggest(session, limit=2) == found[:2]


def test_repo_scopes_the_suggestions(engine: Engine, tmp_path: Path) -> None:
    ingest(engine, history(tmp_path / "linux", ELI), "torvalds/linux")
    ingest(engine, history(tmp_path / "tvm", BRAM), "apache/tvm")
    with Session(engine) as session:
        everywhere = suggest(session)
        in_tvm = suggest(session, repo="Apache/TVM")
        with pytest.raises(CsfError, match="no repository example-org/none in the store"):
            suggest(session, repo="example-org/none")
        with pytest.raises(CsfError, match="write OWNER/NAME"):
            suggest(session, repo="tvm")
    assert len(everywhere) == 2
    assert [kinds(s) for s in in_tvm] == [{"local_part"}]


def test_local_parts_are_kept_only_as_keyed_hashes(world: Engine) -> None:
    uni = person_id(world, "Bram Oakhurst")
    with Session(world) as session:
        (stored,) = session.exec(
            select(Identity.local_hash).where(Identity.person_id == uni, Identity.kind == "email")
        ).all()
        rows = session.execute(sa.text("SELECT * FROM identity")).all()
        text = " ".join(str(value) for row in rows for value in row)
    plain = hashlib.sha256(b"bram.oakhurst").hexdigest()
    assert stored is not None
    assert stored.startswith("hmac:")
    assert plain not in stored  # keyed: not the hash anyone could compute from a guess
    assert "bram.oakhurst" not in text


def test_variant_key() -> None:
    assert variant_key("Ada B. Quillon") == variant_key("quillon, ada") == "ada quillon"
    assert variant_key("Áda Quillon") == variant_key("ada-quillon") == "ada quillon"
    assert variant_key("Ada") is None  # one word says too little
    # A shared machine's git adds the team's or the machine's name in parentheses.
    assert variant_key("Ada Quillon (Lab 3)") == variant_key("Ada Quillon") == "ada quillon"
    assert variant_key("Ada (Lab 3)") is None


def test_a_phabricator_handle_equal_to_a_login(engine: Engine, tmp_path: Path) -> None:
    git = history(tmp_path / "llvm", [ADA])
    git.commit(
        "[X86] Phabricator-era change\n\nReviewed By: ada-quillon\n\n"
        "Differential Revision: https://reviews.llvm.org/D4242",
        {SCHED: "reviewed\n"},
        author=ELI[0],
    )
    ingest(engine, git)
    holder = login_holder(engine, "ada-quillon")
    with Session(engine) as session:
        handle = session.exec(
            select(Identity.person_id).where(Identity.value == "phabricator:ada-quillon")
        ).one()
        (one,) = suggest(session)
    assert one.person_ids == [holder, handle]
    assert one.strength is Strength.MEDIUM  # handles and logins often match, not always
    assert one.evidence[0].text == (
        f"Phabricator handle 'ada-quillon' of #{handle} equals the GitHub login of #{holder}"
    )


def test_a_name_or_handle_that_is_the_local_part_of_an_address(
    engine: Engine, tmp_path: Path
) -> None:
    """`jfenwick` committing from a laptop and reviewing by handle, and Jo Fenwick from
    `jfenwick@work.example`: three records of one person, found without reading an address
    back (the name is hashed as local parts are). A role name (`root`) links no one."""
    git = history(
        tmp_path / "linux",
        [
            ("Jo Fenwick", "jfenwick@work.example"),
            ("jfenwick", "jo@laptop.example"),
            ("root", "someone@box.example"),
            ("Hal Vetch", "root@hal.example"),
        ],
    )
    git.commit("sched: reviewed\n\nReviewed By: jfenwick", {SCHED: "r\n"}, author=ELI[0])
    ingest(engine, git)
    work = person_id(engine, "Jo Fenwick")
    laptop = person_id(engine, "jfenwick", "laptop.example")
    with Session(engine) as session:
        handle = session.exec(
            select(Identity.person_id).where(Identity.value == "phabricator:jfenwick")
        ).one()
        found = suggest(session)
    (one,) = containing(found, work, laptop, handle)
    assert kinds(one) == {"name_is_local_part"}
    assert one.strength is Strength.MEDIUM
    assert [e.text for e in one.evidence] == [
        f"git name 'jfenwick' of #{laptop} and review handle 'jfenwick' of #{handle} are the "
        f"local part of an address of #{work}"
    ]
    root = person_id(engine, "someone")  # git's `root` is no one's name: it goes by its account
    assert not containing(found, root, person_id(engine, "Hal Vetch"))


def test_a_store_from_before_the_hints_gets_them_on_a_full_read(
    engine: Engine, tmp_path: Path
) -> None:
    git = history(tmp_path / "linux", [*BRAM, *DOV])
    ingest(engine, git)
    with Session(engine) as session:
        session.execute(sa.text("UPDATE identity SET local_hash = NULL, github_id = NULL"))
        session.commit()
        assert [kinds(s) for s in suggest(session)] == [{"same_name"}]
        repo = session.exec(select(Repo)).one()
        ingest_git(session, default_taxonomy(), repo, git.path, full=True)
        session.commit()
        assert [kinds(s) for s in suggest(session)] == [{"github_id", "same_name"}, {"local_part"}]

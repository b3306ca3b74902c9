"""A list's archive into the store: patches, review by mail, versions, merges, removal, resume."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.ingest import mail as mail_ingest
from bot.ingest.coverage import topic_coverage
from bot.ingest.git import ingest_git
from bot.ingest.mail import ingest_mail, mail_list_name
from bot.people import privacy
from bot.ranking.who import load_ranking_config, who
from bot.store.links import archive_base
from bot.store.models import Contribution, ContributionTopic, Person, Repo
from bot.store.writes import upsert_repo
from bot.taxonomy.model import default_taxonomy
from bot.taxonomy.question import read_query
from tests.support.git_repos import GitRepo
from tests.support.public_inbox import PublicInbox, message, patch_body

ADA = ("Ada Fictional", "ada@kernel.example")  # sends patches
BO = ("Bo Fictional", "bo@mail.example")  # reviews by mail only
CY = ("Cy Fictional", "cy@mail.example")
WEB = "https://lore.kernel.org/bpf"
AS_OF = datetime(2025, 6, 1, tzinfo=UTC)
VERIFIER = "kernel/bpf/verifier.c"
P1 = "20250106-1-ada@kernel.example"
LANDED_AT = "2025-02-03T10:00:00+00:00"


def _list(session: Session) -> Repo:
    repo = session.exec(select(Repo).where(Repo.full_name == "mail:bpf")).first()
    if repo is None:
        repo = upsert_repo(session, mail_list_name("bpf"), "linux", tracked=False)
        session.commit()
    return repo


def ingest(engine: Engine, path: Path, **options: Any) -> mail_ingest.MailIngestStats:
    with Session(engine) as session:
        return ingest_mail(
            session, default_taxonomy(), _list(session), path, web=archive_base(WEB), **options
        )


def rows(engine: Engine) -> list[tuple[str, str, str | None, str | None]]:
    """(kind, person's name, state, title) of every stored contribution of the list."""
    with Session(engine) as session:
        found = session.exec(select(Contribution, Person).join(Person)).all()
        return sorted((c.kind, p.name or "", c.state, c.title) for c, p in found)


def series(box: PublicInbox) -> None:
    """A two-patch v1 series with a cover letter, reviews in replies, and a v2 of patch 1."""
    box.add(message(ADA, "[PATCH 0/2] bpf: spill tracking", "cover1@kernel.example"))
    for n, path in ((1, VERIFIER), (2, "kernel/bpf/spill.c")):
        box.add(
            message(
                ADA,
                f"[PATCH {n}/2] bpf: part {n}",
                f"20250106-{n}-ada@kernel.example",  # as git send-email makes them
                in_reply_to="cover1@kernel.example",
                references=("cover1@kernel.example",),
                body=patch_body({path: 60}, created=(path,) if n == 2 else ()),
            )
        )
    # Bo acks the whole series by answering the cover letter.
    box.add(
        message(
            BO,
            "Re: [PATCH 0/2] bpf: spill tracking",
            "ack@mail.example",
            in_reply_to="cover1@kernel.example",
            body="For the series:\nAcked-by: Bo Fictional <bo@mail.example>\n",
        )
    )
    # Cy reviews patch 1 inline, deep in the thread.
    box.add(
        message(
            CY,
            "Re: [PATCH 1/2] bpf: part 1",
            "CAF1inline@lists.fictional.example",
            in_reply_to="ack@mail.example",
            references=("cover1@kernel.example", P1, "ack@mail.example"),
            body="> +line 3\nThis reads the register before the spill check; move it below, "
            "or the verifier accepts an uninitialised slot.\n",
        )
    )
    # Ada answering her own thread is no review, whatever she writes.
    box.add(
        message(
            ADA,
            "Re: [PATCH 1/2] bpf: part 1",
            "self@kernel.example",
            in_reply_to="CAF1inline@lists.fictional.example",
            references=(P1,),
            body="> > +line 3\nGood catch, I will move the read below the check in the next one.\n"
            "Reviewed-by: Ada Fictional <ada@kernel.example>\n",
        )
    )
    box.add(
        message(
            ADA,
            "[PATCH v2 1/2] bpf: part 1",
            "p1v2@kernel.example",
            body=patch_body({VERIFIER: 64}),
        )
    )
    box.add(
        message(
            CY,
            "Re: [PATCH v2 1/2] bpf: part 1",
            "rb@mail.example",
            in_reply_to="p1v2@kernel.example",
            body="Reviewed-by: Cy Fictional <cy@mail.example>\n",
        )
    )


def test_patches_and_reviews_by_mail_are_stored_exactly(engine: Engine, tmp_path: Path) -> None:
    box = PublicInbox(tmp_path / "bpf")
    series(box)
    stats = ingest(engine, box.path)
    assert stats.messages == 8
    assert stats.patches == 3
    assert rows(engine) == [
        ("pr", "Ada Fictional", "open", "bpf: part 1"),  # v2
        ("pr", "Ada Fictional", "open", "bpf: part 2"),
        ("pr", "Ada Fictional", "superseded", "bpf: part 1"),  # v1, sent again as v2
        ("review", "Bo Fictional", "acked", "bpf: part 1"),
        ("review", "Bo Fictional", "acked", "bpf: part 2"),
        ("review", "Cy Fictional", "approved", "bpf: part 1"),
        ("review", "Cy Fictional", "commented", "bpf: part 1"),
    ]
    with Session(engine) as session:
        patch = session.exec(
            select(Contribution).where(
                Contribution.title == "bpf: part 2", Contribution.kind == "pr"
            )
        ).one()
        assert patch.paths == ["kernel/bpf/spill.c"]
        assert patch.additions == 60
        # The Message-ID holds Ada's address: the link finds the message by subject and day.
        assert patch.url is not None
        assert "ada" not in patch.url
        assert patch.url.startswith(WEB + "/?q=")
        inline = session.exec(select(Contribution).where(Contribution.state == "commented")).one()
        # A Message-ID at another domain, holding no part of the sender's address: linked as is.
        assert inline.url == WEB + "/CAF1inline%40lists.fictional.example/"
        # One at the sender's own domain may hold their address in another spelling: searched.
        acked = session.exec(select(Contribution).where(Contribution.state == "acked")).first()
        assert acked is not None
        assert acked.url is not None
        assert acked.url.startswith(WEB + "/?q=")
        assert inline.paths == [VERIFIER]  # the review carries the reviewed patch's files
    # Read again: nothing is added twice.
    assert ingest(engine, box.path).messages == 0
    assert len(rows(engine)) == 7
    assert len(rows(engine)) == len(set(rows(engine)))


def test_a_kernel_reviewer_known_only_from_mail_ranks_for_their_area(
    engine: Engine, tmp_path: Path
) -> None:
    box = PublicInbox(tmp_path / "bpf")
    for n in range(6):
        box.add(
            message(
                ADA,
                f"[PATCH] bpf: verifier change {n}",
                f"v{n}@kernel.example",
                body=patch_body({VERIFIER: 80}),
            )
        )
        box.add(
            message(
                BO,
                f"Re: [PATCH] bpf: verifier change {n}",
                f"bo{n}@mail.example",
                in_reply_to=f"v{n}@kernel.example",
                body="Reviewed-by: Bo Fictional <bo@mail.example>\n",
            )
        )
    box.add(
        message(
            CY, "[PATCH] mm: slab change", "mm@mail.example", body=patch_body({"mm/slab.c": 80})
        )
    )
    ingest(engine, box.path)
    taxonomy = default_taxonomy()
    with Session(engine) as session:
        answer = who(
            session,
            taxonomy,
            read_query(taxonomy, ["linux", "bpf"]),
            config=load_ranking_config(),
            as_of=AS_OF,
            cached=False,
        )
    names = [r.person["name"] for r in answer.results]
    # Bo's only work is review by mail; it is enough to name him for BPF, beside the author.
    assert set(names[:2]) == {"Ada Fictional", "Bo Fictional"}
    assert "Cy Fictional" not in names  # mm is not BPF


def test_a_lists_patches_are_tagged_as_the_kernels_own_commits(
    engine: Engine, tmp_path: Path
) -> None:
    """A list has no tree of its own: its patches touch the kernel's, and get the topics the
    kernel's commits get there, so a patch and the commit it becomes agree. Tagged as a
    downstream repository's work instead, by globs matched at any depth, every patch was once
    memory management and Rust for Linux, and patches to `arch/x86/mm/` or `Documentation/rust/`
    still were."""
    box = PublicInbox(tmp_path / "bpf")
    patches = {
        "bpf": VERIFIER,
        "mm": "mm/slab.c",
        "qdisc": "net/sched/sch_fq.c",
        "rust": "rust/kernel/sync.rs",
        "x86": "arch/x86/mm/fault.c",
        "docs": "Documentation/rust/index.rst",
    }
    for name, path in patches.items():
        box.add(
            message(
                ADA,
                f"[PATCH] {name}: a change",
                f"{name}@kernel.example",
                body=patch_body({path: 40}),
            )
        )
    ingest(engine, box.path)
    with Session(engine) as session:
        topics: dict[str, set[str]] = {}
        for c in session.exec(select(Contribution)).all():
            found = session.exec(
                select(ContributionTopic.topic).where(ContributionTopic.contribution_id == c.id)
            ).all()
            topics[c.paths[0]] = set(found)
    assert topics == {
        VERIFIER: {"linux", "linux.bpf"},
        "mm/slab.c": {"linux", "linux.mm"},
        "net/sched/sch_fq.c": {"linux"},
        "rust/kernel/sync.rs": {"linux", "linux.rust"},
        "arch/x86/mm/fault.c": {"linux"},
        "Documentation/rust/index.rst": {"linux"},
    }
    with Session(engine) as session:
        coverage = topic_coverage(session, default_taxonomy(), _list(session))
    assert coverage.listed  # its work follows a listed repository's layout


def test_a_patch_found_in_git_history_is_merged_and_counted_once(
    engine: Engine, tmp_path: Path
) -> None:
    box = PublicInbox(tmp_path / "bpf")
    box.add(
        message(ADA, "[PATCH] bpf: landed fix", "a@kernel.example", body=patch_body({VERIFIER: 30}))
    )
    box.add(
        message(
            CY, "[PATCH] bpf: applied by others", "c@mail.example", body=patch_body({VERIFIER: 30})
        )
    )
    box.add(
        message(CY, "[PATCH] bpf: never applied", "n@mail.example", body=patch_body({VERIFIER: 30}))
    )
    box.add(
        message(
            BO,
            "Re: [PATCH] bpf: landed fix",
            "rb@mail.example",
            in_reply_to="a@kernel.example",
            body="> +line 2\nThe check below needs the same bound as the one in the caller, or "
            "it overflows.\nReviewed-by: Bo Fictional <bo@mail.example>\n",
        )
    )
    ingest(engine, box.path)
    assert {state for kind, _, state, _ in rows(engine) if kind == "pr"} == {"open"}
    kernel = GitRepo(tmp_path / "linux")
    kernel.commit(
        "bpf: landed fix\n\nReviewed-by: Bo Fictional <bo@mail.example>",
        {VERIFIER: "a\n" * 30},
        author=ADA,
        date=LANDED_AT,
    )
    kernel.commit("bpf: applied by others", {VERIFIER: "b\n" * 30}, author=BO, date=LANDED_AT)
    with Session(engine) as session:
        linux = upsert_repo(session, "torvalds/linux", "linux", tracked=False)
        session.commit()
        ingest_git(session, default_taxonomy(), linux, kernel.path)
    stats = ingest(engine, box.path)  # the next run finds what landed
    assert stats.merged == 2
    states = {title: state for kind, _, state, title in rows(engine) if kind == "pr"}
    assert states == {
        "bpf: landed fix": "landed",
        "bpf: applied by others": "merged",
        "bpf: never applied": "open",
    }
    # Ada's landed patch counts once: as her commit, not again as a merged patch.
    taxonomy = default_taxonomy()
    with Session(engine) as session:
        answer = who(
            session,
            taxonomy,
            read_query(taxonomy, ["linux", "bpf"]),
            config=load_ranking_config(),
            as_of=AS_OF,
            cached=False,
        )
    ada = next(r for r in answer.results if r.person["name"] == "Ada Fictional")
    assert [e.kind for e in ada.evidence] == ["commit"]
    # Bo's Reviewed-by is one review, seen by mail and as the commit's trailer.
    bo = next(r for r in answer.results if r.person["name"] == "Bo Fictional")
    assert sorted(e.kind for e in bo.evidence) == ["commit", "review"]
    assert ("review", "Bo Fictional", "landed", "bpf: landed fix") in rows(engine)


def test_a_removed_message_takes_its_work_with_it(engine: Engine, tmp_path: Path) -> None:
    box = PublicInbox(tmp_path / "bpf")
    spam = message(CY, "[PATCH] bpf: spam", "s@mail.example", body=patch_body({VERIFIER: 30}))
    box.add(spam)
    box.add(
        message(
            BO,
            "Re: [PATCH] bpf: spam",
            "r@mail.example",
            in_reply_to="s@mail.example",
            body="Acked-by: Bo Fictional <bo@mail.example>\n",
        )
    )
    ingest(engine, box.path)
    assert len(rows(engine)) == 2
    box.remove(spam)
    assert ingest(engine, box.path).removed == 1
    assert rows(engine) == []


def test_a_run_killed_at_any_batch_resumes_to_the_same_store(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    box = PublicInbox(tmp_path / "bpf")
    series(box)
    monkeypatch.setattr(mail_ingest, "BATCH", 2)
    original = mail_ingest._save
    for kill_at in (1, 2, 3, 4):
        with Session(engine) as session:  # a fresh list each round
            for repo in session.exec(select(Repo)):
                session.delete(repo)
            session.commit()
        calls = {"n": 0}

        def killed(*args: Any, at: int = kill_at, calls: dict[str, int] = calls) -> None:
            calls["n"] += 1
            if calls["n"] == at:
                raise RuntimeError("killed")
            original(*args)

        monkeypatch.setattr(mail_ingest, "_save", killed)
        with pytest.raises(RuntimeError, match="killed"):
            ingest(engine, box.path)
        monkeypatch.setattr(mail_ingest, "_save", original)
        ingest(engine, box.path)
        assert len(rows(engine)) == 7, kill_at
        assert {r for r in rows(engine) if r[0] == "review"} == {
            ("review", "Bo Fictional", "acked", "bpf: part 1"),
            ("review", "Bo Fictional", "acked", "bpf: part 2"),
            ("review", "Cy Fictional", "approved", "bpf: part 1"),
            ("review", "Cy Fictional", "commented", "bpf: part 1"),
        }, kill_at


def test_forgetting_a_reviewer_removes_and_suppresses_their_mail(
    engine: Engine, tmp_path: Path
) -> None:
    box = PublicInbox(tmp_path / "bpf")
    series(box)
    ingest(engine, box.path)
    with Session(engine) as session:
        privacy.forget(session, "bo@mail.example", actor="test")
        session.commit()
    assert all(name != "Bo Fictional" for _, name, _, _ in rows(engine))
    ingest(engine, box.path, full=True)
    assert all(name != "Bo Fictional" for _, name, _, _ in rows(engine))
    assert len(rows(engine)) == 5


def test_one_address_in_git_and_on_a_list_is_one_person(engine: Engine, tmp_path: Path) -> None:
    kernel = GitRepo(tmp_path / "linux")
    kernel.commit("bpf: from git", {VERIFIER: "a\n"}, author=ADA)
    with Session(engine) as session:
        linux = upsert_repo(session, "torvalds/linux", "linux", tracked=False)
        session.commit()
        ingest_git(session, default_taxonomy(), linux, kernel.path)
    box = PublicInbox(tmp_path / "bpf")
    box.add(
        message(ADA, "[PATCH] bpf: by mail", "m@kernel.example", body=patch_body({VERIFIER: 9}))
    )
    ingest(engine, box.path)
    with Session(engine) as session:
        assert len(session.exec(select(Person)).all()) == 1


def test_a_patch_removed_before_its_series_is_acked_gets_no_review(
    engine: Engine, tmp_path: Path
) -> None:
    box = PublicInbox(tmp_path / "bpf")
    box.add(message(ADA, "[PATCH 0/2] bpf: pair", "c0@lists.example"))
    second = message(
        ADA,
        "[PATCH 2/2] bpf: two",
        "c2@lists.example",
        in_reply_to="c0@lists.example",
        body=patch_body({VERIFIER: 20}),
    )
    box.add(
        message(
            ADA,
            "[PATCH 1/2] bpf: one",
            "c1@lists.example",
            in_reply_to="c0@lists.example",
            body=patch_body({VERIFIER: 20}),
        )
    )
    box.add(second)
    box.remove(second)  # in the same run, before the series is acked
    box.add(
        message(
            BO,
            "Re: [PATCH 0/2] bpf: pair",
            "ack0@lists.example",
            in_reply_to="c0@lists.example",
            body="Acked-by: Bo Fictional <bo@mail.example>\n",
        )
    )
    ingest(engine, box.path)
    assert rows(engine) == [
        ("pr", "Ada Fictional", "open", "bpf: one"),
        ("review", "Bo Fictional", "acked", "bpf: one"),
    ]

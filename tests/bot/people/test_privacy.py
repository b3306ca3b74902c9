"""Erasure and subject access, end to end: forget, re-sync, re-ingest, and nothing comes back."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.errors import CsfError
from bot.ingest.git import ingest_git
from bot.people.curation import find
from bot.people.privacy import export, forget, plan_forget
from bot.shortlist.saves import add_note, record_posted, save
from bot.store.identity import ADDRESS, email_key, login_key, suppression_hash
from bot.store.models import (
    AuditEvent,
    Candidate,
    CandidateNote,
    CodeOwner,
    Contribution,
    ContributionTerm,
    ContributionTopic,
    DigestEntry,
    DigestRun,
    HttpCache,
    Identity,
    Person,
    PostedMessage,
    Repo,
    Suppression,
    SyncCursor,
)
from bot.store.writes import create_person, record_audit
from bot.taxonomy.model import default_taxonomy
from tests.support.fake_github import World
from tests.support.git_repos import GitRepo
from tests.support.github_world import BUFFERIZATION, Harness, small_world

ADA_MAIL = "ada@example.com"
ADA_HOME = "ada.f@example.org"
BO_MAIL = "bo@example.com"


def world() -> World:
    """The sync tests' fictional world, with Ada publishing an address her commits use."""
    w = small_world()
    w.users["ada-fictional"].email = ADA_MAIL
    return w


def history(path: Path) -> GitRepo:
    git = GitRepo(path)
    git.commit(
        "[mlir] early bufferization work", {BUFFERIZATION: "a\n"}, author=("Ada F", ADA_MAIL)
    )
    git.commit("[mlir] from home", {BUFFERIZATION: "b\n"}, author=("Ada Fictional", ADA_HOME))
    git.commit(
        "[mlir] joint work\n\nCo-authored-by: Ada F <ada@example.com>\n"
        "Reviewed-by: Ada F <ada@example.com>",
        {BUFFERIZATION: "c\n"},
        author=("Bo Fictional", BO_MAIL),
    )
    return git


def ingest(engine: Engine, git: GitRepo, *, full: bool = False) -> None:
    with Session(engine) as session:
        repo = session.exec(select(Repo)).one()
        ingest_git(session, default_taxonomy(), repo, git.path, full=full)
        session.commit()


def fill(engine: Engine, harness: Harness, git: GitRepo) -> dict[str, int]:
    """Sync and ingest, then put Ada on a shortlist, in a digest and in a posted message."""
    harness.sync()
    ingest(engine, git)
    with Session(engine) as session:
        ada = find(session, "ada-fictional")
        home = find(session, ADA_HOME)
        bo = find(session, "bo-fictional")
        assert ada.id is not None
        assert home.id is not None
        assert bo.id is not None
        assert home.id != ada.id  # an address GitHub never linked is someone else, for now
        outcome = save(session, "T1", ada.id, saved_by="U1", source="button")
        add_note(session, outcome.candidate, "strong bufferization reviews", author="U1")
        save(session, "T1", bo.id, saved_by="U1", source="button")
        run = DigestRun(
            team_id="T1",
            period_start=datetime(2026, 1, 1, tzinfo=UTC),
            period_end=datetime(2026, 1, 8, tzinfo=UTC),
            status="posted",
        )
        session.add(run)
        session.flush()
        assert run.id is not None
        session.add(
            DigestEntry(
                run_id=run.id,
                person_id=ada.id,
                ecosystem="mlir",
                topic="mlir.x",
                score=1,
                reason="",
            )
        )
        record_posted(
            session, team_id="T1", channel="C1", ts="1.0", kind="who", person_ids=[ada.id, bo.id]
        )
        record_audit(session, "U2", "search", "who", {"query": "profile Ada-Fictional please"})
        session.commit()
        return {"ada": ada.id, "home": home.id, "bo": bo.id}


def ada_anywhere(engine: Engine) -> list[str]:
    """Every trace of Ada's identities in the store, described."""
    keys = {
        ("github", "ada-fictional"),
        ("email", email_key(ADA_MAIL).value),
        ("email", email_key(ADA_HOME).value),
    }
    found = []
    with Session(engine) as session:
        for person in session.exec(select(Person)):
            if (person.login or "").lower() == "ada-fictional" or person.public_email:
                found.append(f"person {person.login} {person.public_email}")
            if person.name and person.name.startswith("Ada"):
                found.append(f"person named {person.name}")
        for identity in session.exec(select(Identity)):
            if (identity.kind, identity.value) in keys:
                found.append(f"identity {identity.kind}")
        for contribution in session.exec(select(Contribution)):
            key = contribution.identity_key or ""
            if key.split(":", 1)[0] and tuple(key.split(":", 1)) in keys:
                found.append(f"contribution {contribution.kind} {contribution.external_id}")
        for owner in session.exec(select(CodeOwner)):
            if (owner.owner_kind, owner.owner_value) in keys:
                found.append(f"owner {owner.source_path}")
        for cache in session.exec(select(HttpCache)):
            if "ada-fictional" in cache.slot:
                found.append(f"cache {cache.slot}")
    return found


@pytest.fixture
def harness(engine: Engine) -> Any:
    with Harness(engine, world()) as h:
        yield h


def test_forget_then_resync_and_reingest_brings_nothing_back(
    engine: Engine, harness: Harness, tmp_path: Path
) -> None:
    git = history(tmp_path / "llvm")
    ids = fill(engine, harness, git)
    assert ada_anywhere(engine)  # the check can see her before

    with Session(engine) as session:
        plan = plan_forget(session, "ada-fictional")
        assert plan.person_id == ids["ada"]
        assert plan.counts["shortlist entries"] == 1
        assert plan.counts["notes"] == 1
        report = forget(session, "ada-fictional", actor="U-admin")
        # Her home address was never linked to her account: an erasure request names it.
        home = forget(session, ADA_HOME, actor="U-admin")
        session.commit()
    assert report.person_found
    assert home.person_found
    assert report.deleted["contributions"] > 0
    assert ada_anywhere(engine) == []

    with Session(engine) as session:
        assert session.get(Person, ids["ada"]) is None
        assert session.exec(select(Candidate).where(Candidate.person_id == ids["ada"])).all() == []
        assert session.exec(select(CandidateNote)).all() == []
        assert session.exec(select(DigestEntry)).all() == []
        assert session.exec(select(PostedMessage.person_ids)).one() == [ids["bo"]]
        for model in (ContributionTopic, ContributionTerm):
            assert (
                session.exec(
                    select(model).where(col(model.person_id).in_([ids["ada"], ids["home"]]))
                ).all()
                == []
            )
        hashes = set(session.exec(select(Suppression.identity_hash)))
        assert {
            suppression_hash(login_key("ada-fictional")),
            suppression_hash(email_key(ADA_MAIL)),
            suppression_hash(email_key(ADA_HOME)),
        } <= hashes
        # The audit log says an erasure happened, by whom and when, and nothing about whom.
        erasures = session.exec(
            select(AuditEvent).where(AuditEvent.action == "people.forget")
        ).all()
        assert [e.actor for e in erasures] == ["U-admin", "U-admin"]
        text = json.dumps([[e.target, e.detail] for e in session.exec(select(AuditEvent))]).lower()
        # Erasure references are random hex, which can spell "ada" by chance.
        text = re.sub(r"erasure:[0-9a-f]+", "erasure:ref", text)
        assert "ada" not in text
        assert str(ids["ada"]) not in [e.target for e in erasures]
        search = session.exec(select(AuditEvent).where(AuditEvent.action == "search")).one()
        assert search.detail == {"query": "profile [erased] please"}
        assert (
            session.exec(
                select(Suppression.reason).where(
                    Suppression.identity_hash == suppression_hash(login_key("ada-fictional"))
                )
            ).one()
            == report.reference
        )
        # Everything is read again from the start: cursors, ETags and the git cursor dropped.
        session.execute(sa.delete(SyncCursor))
        session.execute(sa.delete(HttpCache))
        session.commit()
    harness.server.log.clear()
    harness.sync()
    ingest(engine, git, full=True)
    assert ada_anywhere(engine) == []
    assert not [r for r in harness.server.log if r.path == "/users/ada-fictional"]
    with Session(engine) as session:
        # Everyone else is still there: Bo's PR, review, ownership and commits.
        bo = find(session, "bo-fictional")
        kinds = set(session.exec(select(Contribution.kind).where(Contribution.person_id == bo.id)))
        assert {"pr", "review"} <= kinds
        bo_git = find(session, BO_MAIL)  # his commits use an address GitHub never showed
        commits = session.exec(select(Contribution).where(Contribution.person_id == bo_git.id))
        assert [c.title for c in commits] == ["[mlir] joint work"]
        owners = session.exec(select(CodeOwner.owner_value)).all()
        assert "bo-fictional" in owners
        assert "ada-fictional" not in owners


def test_an_address_csf_never_saw_is_suppressed_all_the_same(
    session: Session, engine: Engine, tmp_path: Path
) -> None:
    report = forget(session, "Stranger@Example.com ", actor="U-admin")
    session.commit()
    assert not report.person_found
    assert report.suppressed == 1
    assert report.deleted == {}
    git = GitRepo(tmp_path / "linux")
    git.commit("mm: fold", {"mm/slub.c": "y\n"}, author=("Stranger", "stranger@example.com"))
    git.commit("mm: keep", {"mm/slub.c": "z\n"}, author=("Bo Fictional", BO_MAIL))
    from bot.store.writes import upsert_repo

    upsert_repo(session, "torvalds/linux", "linux")
    session.commit()
    ingest(engine, git)
    with Session(engine) as check:
        assert [p.name for p in check.exec(select(Person))] == ["Bo Fictional"]
    # A second request for the same address changes nothing but the audit log.
    again = forget(session, "stranger@example.com", actor="U-admin")
    assert again.suppressed == 0
    assert len(session.exec(select(Suppression)).all()) == 1


def test_names_are_never_suppressed(session: Session) -> None:
    ada = create_person(
        session,
        [login_key("ada-fictional"), email_key(ADA_MAIL)],
        login="ada-fictional",
        name="Wei Zhang",
    )
    from bot.store.identity import name_key

    session.add(Identity(person_id=ada, kind="name", value=name_key("Wei Zhang").value))
    session.add(Identity(person_id=ada, kind="name", value="phabricator:weiz"))
    session.flush()
    plan = plan_forget(session, f"#{ada}")
    assert {str(k) for k in plan.keys} == {
        "github:ada-fictional",
        f"email:{email_key(ADA_MAIL).value}",
        "name:phabricator:weiz",
    }
    with pytest.raises(CsfError, match="names are not unique"):
        plan_forget(session, "name:wei zhang")
    with pytest.raises(CsfError, match="no one is #999"):
        plan_forget(session, "#999")
    with pytest.raises(CsfError, match="neither a GitHub login nor an address"):
        plan_forget(session, "not a login!")


def test_export_holds_everything_and_no_address_but_the_published_one(
    engine: Engine, harness: Harness, tmp_path: Path
) -> None:
    fill(engine, harness, history(tmp_path / "llvm"))
    with Session(engine) as session:
        ada = find(session, "ada-fictional")
        data = export(session, ada, actor="U-dpo")
        session.commit()
        counted = session.exec(
            select(sa.func.count())
            .select_from(Contribution)
            .where(Contribution.person_id == ada.id)
        ).one()
    text = json.dumps(data)  # JSON-ready as it is
    assert data["person"]["login"] == "ada-fictional"
    assert data["person"]["public_email"] == ADA_MAIL
    assert len(data["contributions"]) == counted > 0
    assert {c["repo"] for c in data["contributions"]} == {"llvm/llvm-project"}
    assert any("mlir.bufferization" in c["topics"] for c in data["contributions"])
    assert {i["kind"] for i in data["identities"]} >= {"github", "email"}
    assert [n["text"] for n in data["shortlist"][0]["notes"]] == ["strong bufferization reviews"]
    assert data["digests"][0]["topic"] == "mlir.x"
    assert data["posted_messages"][0]["channel"] == "C1"
    assert {o["source_path"] for o in data["ownership"]} == {
        ".github/CODEOWNERS",
        "mlir/Maintainers.md",
    }
    # Her shortlisting, and the search that named her login.
    assert [e["action"] for e in data["audit_events"]] == ["save", "note", "search"]
    assert ADDRESS.findall(text) == [ADA_MAIL]
    with Session(engine) as session:
        exported = session.exec(
            select(AuditEvent).where(AuditEvent.action == "people.export")
        ).one()
        assert (exported.actor, exported.target) == ("U-dpo", f"person:{ada.id}")


def _legacy_searches(session: Session, texts: list[tuple[str, dict[str, Any]]]) -> list[int]:
    """Search rows as a csf older than address redaction wrote them (straight to the table)."""
    events = [AuditEvent(actor="U1", action="search", target=t, detail=d) for t, d in texts]
    session.add_all(events)
    session.flush()
    return [e.id for e in events if e.id is not None]


def test_the_audit_log_forgets_every_way_a_search_named_the_person(session: Session) -> None:
    from bot.store.identity import name_key

    ada = create_person(
        session,
        [login_key("ada-fictional"), email_key(ADA_MAIL)],
        login="ada-fictional",
        name="Ada Fictional",
    )
    session.add(Identity(person_id=ada, kind="name", value=name_key("Ada F").value))
    naming = _legacy_searches(
        session,
        [
            (f"who {ADA_MAIL.upper()}", {"query": f"profile <{ADA_MAIL}>"}),
            ("who Ada   Fictional mlir", {}),
            ("who ada f", {"words": ["mlir", "Ada-Fictional"]}),
        ],
    )
    # Bo's address, and words that merely contain her login or name, are not about her.
    unrelated = (f"who {BO_MAIL} adafictional ada-fictionalist ada fixes", {"n": 1})
    (other,) = _legacy_searches(session, [unrelated])
    person = session.get(Person, ada)
    assert person is not None

    exported = export(session, person, actor="U-dpo")
    assert [e["id"] for e in exported["audit_events"]] == naming

    forget(session, "ada-fictional", actor="U-admin")
    session.commit()
    rows = {e.id: e for e in session.exec(select(AuditEvent))}
    assert [(rows[i].target, rows[i].detail) for i in naming] == [
        ("who [erased]", {"query": "profile <[erased]>"}),
        ("who [erased] mlir", {}),
        ("who [erased]", {"words": ["mlir", "[erased]"]}),
    ]
    assert (rows[other].target, rows[other].detail) == unrelated
    # The export's own record named her by id: it now points at the erasure.
    exports = [e for e in rows.values() if e.action == "people.export"]
    assert [e.target for e in exports] == [
        next(e.target for e in rows.values() if e.action == "people.forget")
    ]


def test_forgetting_an_address_csf_never_held_erases_searches_for_it(session: Session) -> None:
    (search,) = _legacy_searches(session, [("who stranger@example.com", {})])
    forget(session, "Stranger@Example.com", actor="U-admin")
    session.commit()
    assert session.get(AuditEvent, search).target == "who [erased]"  # type: ignore[union-attr]

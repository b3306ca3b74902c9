"""Retention: old activity and long-inactive people go; shortlisted people stay whole."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from bot.ingest.pipeline import index_batch
from bot.people.retention import horizon, prune
from bot.shortlist.saves import mark, save
from bot.store.identity import login_key
from bot.store.models import (
    AuditEvent,
    CandidateStatus,
    Contribution,
    ContributionKind,
    ContributionTerm,
    ContributionTopic,
    DigestEntry,
    DigestRun,
    Identity,
    Person,
    PostedMessage,
)
from bot.store.writes import ContributionRecord, create_person, upsert_contributions, upsert_repo
from bot.taxonomy.model import default_taxonomy

NOW = datetime(2026, 6, 1, tzinfo=UTC)
BUF = "mlir/lib/Dialect/Bufferization/Transforms/OneShotAnalysis.cpp"


class Store:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.repo = upsert_repo(session, "llvm/llvm-project", "mlir")
        self.n = 0

    def person(self, login: str) -> int:
        return create_person(self.session, [login_key(login)], login=login, name=login.title())

    def work(self, person_id: int, years_ago: float) -> None:
        self.n += 1
        when = NOW - timedelta(days=365.25 * years_ago)
        assert self.repo.id is not None
        record = ContributionRecord(
            repo_id=self.repo.id,
            person_id=person_id,
            kind=ContributionKind.PR,
            external_id=str(self.n),
            created_at=when,
            occurred_at=when,
            title="[mlir][bufferization] Fold copies",
            state="merged",
            paths=(BUF,),
            labels=("mlir:bufferization",),
        )
        ids = upsert_contributions(self.session, [record])
        index_batch(self.session, default_taxonomy(), self.repo, ids, [record])


def kinds(session: Session, person_id: int) -> list[str]:
    return sorted(
        c.external_id
        for c in session.exec(select(Contribution).where(Contribution.person_id == person_id))
    )


def test_old_work_and_long_inactive_people_go_shortlisted_people_stay(session: Session) -> None:
    store = Store(session)
    active = store.person("ada-active")  # one old PR, one recent: keeps the recent one
    store.work(active, 7)
    store.work(active, 1)
    gone = store.person("bo-gone")  # nothing for six years, never shortlisted
    store.work(gone, 6)
    kept = store.person("cyd-kept")  # as inactive, but on a shortlist
    store.work(kept, 6)
    unfit = store.person("dee-unfit")  # "not a fit" keeps the row that keeps them out of digests
    store.work(unfit, 8)
    save(session, "T1", kept, saved_by="U1", source="button")
    mark(session, "T2", unfit, CandidateStatus.NOT_A_FIT, actor="U1")
    old_run = DigestRun(
        team_id="T1",
        period_start=NOW - timedelta(days=2200),
        period_end=NOW - timedelta(days=2193),
        status="posted",
    )
    session.add(old_run)
    session.flush()
    assert old_run.id is not None
    session.add(
        DigestEntry(
            run_id=old_run.id, person_id=active, ecosystem="mlir", topic="t", score=1, reason=""
        )
    )
    session.add(
        PostedMessage(
            team_id="T1",
            channel="C1",
            ts="1.0",
            kind="who",
            person_ids=[gone],
            created_at=NOW - timedelta(days=2200),
        )
    )
    session.add(AuditEvent(at=NOW - timedelta(days=2200), actor="U1", action="search"))
    session.add(AuditEvent(at=NOW - timedelta(days=2200), actor="U1", action="people.forget"))
    session.add(AuditEvent(at=NOW - timedelta(days=2200), actor="U1", action="people.split"))
    session.commit()

    dry = prune(session, now=NOW, years=5, dry_run=True)
    counted = (dry.contributions, dry.people, dry.digest_runs, dry.posted_messages)
    assert counted == (2, 1, 1, 1)
    assert dry.audit_events == 1
    assert dry.horizon == datetime(2021, 6, 1, tzinfo=UTC)
    assert len(session.exec(select(Contribution)).all()) == 5  # a dry run changes nothing

    report = prune(session, now=NOW, years=5)
    session.commit()
    assert (report.contributions, report.people) == (dry.contributions, dry.people)
    assert kinds(session, active) == ["2"]
    assert session.get(Person, gone) is None
    assert session.exec(select(Identity).where(Identity.person_id == gone)).all() == []
    assert kinds(session, kept) == ["4"]
    assert kinds(session, unfit) == ["5"]
    remaining = {c.id for c in session.exec(select(Contribution))}
    for model in (ContributionTopic, ContributionTerm):
        tagged = set(session.exec(select(model.contribution_id)))
        assert tagged, model
        assert tagged <= remaining, model
    assert session.exec(select(DigestRun)).all() == []
    assert session.exec(select(DigestEntry)).all() == []
    assert session.exec(select(PostedMessage)).all() == []
    actions = sorted(e.action for e in session.exec(select(AuditEvent)))
    # The old search went; erasures and splits stay, however old; the run itself is recorded.
    assert actions == ["people.forget", "people.split", "prune", "save", "save", "status"]
    # Again: nothing left to do.
    again = prune(session, now=NOW, years=5)
    assert (again.contributions, again.people, again.digest_runs) == (0, 0, 0)


def test_horizon_moves_back_whole_years() -> None:
    assert horizon(datetime(2028, 2, 29, tzinfo=UTC), 1) == datetime(2027, 2, 28, tzinfo=UTC)
    assert horizon(NOW, 5) == datetime(2021, 6, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="at least one year"):
        prune(None, now=NOW, years=0)  # type: ignore[arg-type]

"""Retention: public activity is kept for `CSF_RETENTION_YEARS`, then let go.

What goes when it is older than the horizon (now minus the retention years):
- contributions (with their topic and word index rows), except those of people on a shortlist;
- people on no shortlist with no activity since the horizon: profile, identities, everything;
- digest runs and records of posted messages, from before the horizon;
- audit events from before the horizon, except erasures (the proof a request was honoured; they
  hold no personal data) and hand splits (identity resolution reads them to keep a split apart).

People on any team's shortlist (in any status, "not a fit" included, which keeps them out of
digests) are kept whole until a team removes them: the team has a live reason to hold their
record. Pruning is not erasure: nothing is suppressed, and a person active again comes back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.people.privacy import FORGET_ACTION
from bot.store.locks import write_lock
from bot.store.models import (
    AuditEvent,
    Candidate,
    Contribution,
    ContributionTerm,
    ContributionTopic,
    DigestEntry,
    DigestRun,
    Identity,
    Person,
    PostedMessage,
)
from bot.store.writes import record_audit

KEPT_AUDIT_ACTIONS = (FORGET_ACTION, "people.split")


@dataclass(frozen=True)
class PruneReport:
    horizon: datetime
    contributions: int
    people: int
    digest_runs: int
    posted_messages: int
    audit_events: int
    dry_run: bool

    def summary(self) -> str:
        verb = "would remove" if self.dry_run else "removed"
        return (
            f"older than {self.horizon:%Y-%m-%d}: {verb} {self.contributions} contributions, "
            f"{self.people} inactive people never shortlisted, {self.digest_runs} digest runs, "
            f"{self.posted_messages} posted-message records, {self.audit_events} audit events"
        )


def horizon(now: datetime, years: int) -> datetime:
    """`now` moved back by whole years (29 February becomes the 28th)."""
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)


def prune(
    session: Session,
    *,
    now: datetime,
    years: int,
    dry_run: bool = False,
    actor: str = "retention",
) -> PruneReport:
    """Remove what is past retention (see the module doc); flushes, the caller commits.

    Safe to run at any time and repeatedly (the scheduler runs it daily); `dry_run` counts only.
    A real run is audited with its counts.
    """
    if years < 1:
        raise ValueError("retention must be at least one year")
    cutoff = horizon(now, years)
    kept = select(Candidate.person_id)
    old_work = select(Contribution.id).where(
        col(Contribution.occurred_at) < cutoff, col(Contribution.person_id).not_in(kept)
    )
    active = sa.exists().where(
        col(Contribution.person_id) == col(Person.id), col(Contribution.occurred_at) >= cutoff
    )
    inactive = select(Person.id).where(col(Person.id).not_in(kept), ~active)
    old_runs = select(DigestRun.id).where(col(DigestRun.period_end) < cutoff)
    old_posts = col(PostedMessage.created_at) < cutoff
    old_events = sa.and_(
        col(AuditEvent.at) < cutoff, col(AuditEvent.action).not_in(KEPT_AUDIT_ACTIONS)
    )

    counts = {
        "contributions": _count(session, old_work),
        "people": _count(session, inactive),
        "digest_runs": _count(session, old_runs),
        "posted_messages": _count(session, select(PostedMessage.id).where(old_posts)),
        "audit_events": _count(session, select(AuditEvent.id).where(old_events)),
    }
    if not dry_run:
        write_lock(session)  # a source must not write for someone pruned under it
        # Ids are collected first: deleting rows must not change what the next statement means.
        people = list(session.exec(inactive))
        for model in (ContributionTopic, ContributionTerm):
            session.execute(sa.delete(model).where(col(model.contribution_id).in_(old_work)))
        session.execute(sa.delete(Contribution).where(col(Contribution.id).in_(old_work)))
        for start in range(0, len(people), 500):
            chunk = people[start : start + 500]
            for owned in (ContributionTopic, ContributionTerm, DigestEntry):
                session.execute(sa.delete(owned).where(col(owned.person_id).in_(chunk)))
            # Their remaining (older-than-horizon) work went above; the rows left are theirs.
            session.execute(sa.delete(Contribution).where(col(Contribution.person_id).in_(chunk)))
            session.execute(sa.delete(Identity).where(col(Identity.person_id).in_(chunk)))
            session.execute(sa.delete(Person).where(col(Person.id).in_(chunk)))
        session.execute(sa.delete(DigestEntry).where(col(DigestEntry.run_id).in_(old_runs)))
        session.execute(sa.delete(DigestRun).where(col(DigestRun.period_end) < cutoff))
        session.execute(sa.delete(PostedMessage).where(old_posts))
        session.execute(sa.delete(AuditEvent).where(old_events))
        record_audit(session, actor, "prune", cutoff.date().isoformat(), counts)
        session.flush()
    return PruneReport(cutoff, dry_run=dry_run, **counts)


def _count(session: Session, statement: Any) -> int:
    subquery = statement.subquery()
    return int(session.execute(sa.select(sa.func.count()).select_from(subquery)).scalar_one())

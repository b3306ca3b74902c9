"""Follow-up reminders: a shortlisted person left "contacted" with nothing changing.

Whoever moved the person to "contacted" (from the audit trail) is reminded once per quiet
stretch: the reminder is recorded before it is sent, so a rerun sends nothing twice, and a
change to the candidate (a status, a note) starts a new stretch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from bot.ranking.who import person_view
from bot.store.models import AuditEvent, Candidate, CandidateStatus, Person

ACTION = "followup"
ACTOR = "csf"
_SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")


@dataclass
class Followup:
    candidate_id: int
    team_id: str
    user: str  # the Slack user who moved the person to "contacted"
    since: datetime  # the candidate's last change
    person: dict[str, Any]  # as `who --json` gives it


def due_followups(session: Session, *, now: datetime, days: int) -> list[Followup]:
    """Candidates "contacted" with no change for `days`, not yet reminded in this stretch."""
    quiet_since = now - timedelta(days=days)
    rows = list(
        session.exec(
            select(Candidate, Person)
            .join(Person, col(Person.id) == Candidate.person_id)
            .where(
                Candidate.status == CandidateStatus.CONTACTED.value,
                col(Candidate.updated_at) <= quiet_since,
            )
            .order_by(col(Candidate.id))
        )
    )
    if not rows:
        return []
    targets = [f"person:{candidate.person_id}" for candidate, _ in rows]
    events = list(
        session.exec(
            select(AuditEvent)
            .where(
                col(AuditEvent.action).in_(["status", ACTION]),
                col(AuditEvent.target).in_(targets),
            )
            .order_by(col(AuditEvent.at), col(AuditEvent.id))
        )
    )
    due = []
    for candidate, person in rows:
        assert candidate.id is not None
        target = f"person:{candidate.person_id}"
        mine = [
            e for e in events if e.target == target and e.detail.get("team") == candidate.team_id
        ]
        reminded = any(e.action == ACTION and e.at >= candidate.updated_at for e in mine)
        movers = [
            e.actor
            for e in mine
            if e.action == "status" and e.detail.get("to") == CandidateStatus.CONTACTED.value
        ]
        if reminded or not movers or not _SLACK_USER.match(movers[-1]):
            continue  # reminded already, or moved from the terminal: no one to DM
        due.append(
            Followup(
                candidate.id,
                candidate.team_id,
                movers[-1],
                candidate.updated_at,
                person_view(session, person),
            )
        )
    return due


def claim_followup(session: Session, followup: Followup, *, now: datetime) -> AuditEvent:
    """Record the reminder before it is sent (the caller commits, then sends or withdraws it)."""
    event = AuditEvent(
        at=now,
        actor=ACTOR,
        action=ACTION,
        target=f"person:{followup.person['id']}",
        detail={
            "team": followup.team_id,
            "user": followup.user,
            "candidate": followup.candidate_id,
        },
    )
    session.add(event)
    return event

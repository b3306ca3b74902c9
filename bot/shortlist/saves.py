"""A team's shortlist: saving people, moving them through the pipeline, notes.

Saves arrive from reactions, buttons, commands and digests, often twice (double clicks, Slack's
retried deliveries, two people reacting at once), so every write here is idempotent on the
(team, person) unique key rather than checked first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.errors import CsfError
from bot.store.models import (
    Candidate,
    CandidateNote,
    CandidateStatus,
    Person,
    PostedMessage,
    SlackEvent,
    utcnow,
)
from bot.store.writes import record_audit

# The pipeline as a recruiter walks it; "not a fit" sits outside it.
PIPELINE: tuple[CandidateStatus, ...] = (
    CandidateStatus.SAVED,
    CandidateStatus.CONTACTED,
    CandidateStatus.REPLIED,
    CandidateStatus.INTERVIEWING,
    CandidateStatus.NOT_NOW,
)
STATUS_LABELS: dict[str, str] = {
    "saved": "Saved",
    "contacted": "Contacted",
    "replied": "Replied",
    "interviewing": "Interviewing",
    "not_now": "Not now",
    "not_a_fit": "Not a fit",
}
NOTE_LIMIT = 3000
GONE = (
    "csf no longer holds this person (they were forgotten, or merged into another record "
    "since this card was posted), so there is no one to save; ask again to see who is held now."
)


@dataclass
class SaveOutcome:
    candidate: Candidate
    created: bool  # False: the person was already on the shortlist (a second save is a no-op)


def parse_status(text: str) -> CandidateStatus:
    """A status from what a person types ("not now", "not-a-fit", "Contacted")."""
    key = text.strip().lower().replace("-", "_").replace(" ", "_")
    try:
        return CandidateStatus(key)
    except ValueError:
        choices = ", ".join(s.value for s in CandidateStatus)
        raise CsfError(f"unknown status {text!r}: choose one of {choices}") from None


def find_candidate(session: Session, team_id: str, person_id: int) -> Candidate | None:
    return session.exec(
        select(Candidate).where(Candidate.team_id == team_id, Candidate.person_id == person_id)
    ).first()


def save(
    session: Session,
    team_id: str,
    person_id: int,
    *,
    saved_by: str,
    source: str,
    source_ref: str | None = None,
) -> SaveOutcome:
    """Put a person on the shortlist once; a later save changes nothing but a "not a fit".

    A card outlives its person: someone forgotten (or merged into another record) since it was
    posted is said to be gone, never saved and never a crash.
    """
    existing = find_candidate(session, team_id, person_id)
    if existing is None and session.get(Person, person_id) is None:
        raise CsfError(GONE)
    if existing is None:
        candidate = Candidate(
            team_id=team_id,
            person_id=person_id,
            saved_by=saved_by,
            source=source,
            source_ref=source_ref,
        )
        try:
            with session.begin_nested():
                session.add(candidate)
        except IntegrityError:  # saved at the same moment by another request, or just erased
            existing = find_candidate(session, team_id, person_id)
            if existing is None:
                raise CsfError(GONE) from None
        else:
            record_audit(session, saved_by, "save", f"person:{person_id}", {"source": source})
            return SaveOutcome(candidate, True)
    if existing.status == CandidateStatus.NOT_A_FIT.value:
        set_status(session, existing, CandidateStatus.SAVED, actor=saved_by)
        return SaveOutcome(existing, True)
    return SaveOutcome(existing, False)


def set_status(
    session: Session, candidate: Candidate, status: CandidateStatus, *, actor: str
) -> Candidate:
    before = candidate.status
    if before == status.value:
        return candidate
    candidate.status = status.value
    candidate.updated_at = utcnow()
    session.add(candidate)
    record_audit(
        session,
        actor,
        "status",
        f"person:{candidate.person_id}",
        {"from": before, "to": status.value, "team": candidate.team_id},
    )
    return candidate


def mark(
    session: Session, team_id: str, person_id: int, status: CandidateStatus, *, actor: str
) -> Candidate:
    """Set a person's status, shortlisting them first if needed (e.g. "Not a fit" from a card)."""
    outcome = save(session, team_id, person_id, saved_by=actor, source="button")
    return set_status(session, outcome.candidate, status, actor=actor)


def note_problem(text: str) -> str | None:
    """Why a note cannot be stored as written, or None: one check for every face."""
    body = text.strip()
    if not body:
        return "a note needs some text"
    if len(body) > NOTE_LIMIT:
        return f"a note holds at most {NOTE_LIMIT:,} characters; this one has {len(body):,}"
    return None


def add_note(session: Session, candidate: Candidate, text: str, *, author: str) -> CandidateNote:
    problem = note_problem(text)
    if problem is not None:
        raise CsfError(problem)
    body = text.strip()
    assert candidate.id is not None
    note = CandidateNote(candidate_id=candidate.id, author=author, text=body)
    session.add(note)
    candidate.updated_at = utcnow()
    session.add(candidate)
    record_audit(session, author, "note", f"person:{candidate.person_id}")
    return note


@dataclass
class PipelineEntry:
    candidate: Candidate
    person: Person
    notes: list[CandidateNote]


def pipeline(
    session: Session, team_id: str, status: CandidateStatus | None = None
) -> list[PipelineEntry]:
    """The team's shortlist, newest change first, with each person's notes (newest first)."""
    statement = (
        select(Candidate, Person)
        .join(Person, Person.id == Candidate.person_id)  # type: ignore[arg-type]
        .where(Candidate.team_id == team_id)
        .order_by(col(Candidate.updated_at).desc(), col(Candidate.id).desc())
    )
    if status is not None:
        statement = statement.where(Candidate.status == status.value)
    rows = list(session.exec(statement))
    ids = [c.id for c, _ in rows if c.id is not None]
    notes: dict[int, list[CandidateNote]] = {}
    if ids:
        for note in session.exec(
            select(CandidateNote)
            .where(col(CandidateNote.candidate_id).in_(ids))
            .order_by(col(CandidateNote.created_at).desc(), col(CandidateNote.id).desc())
        ):
            notes.setdefault(note.candidate_id, []).append(note)
    return [PipelineEntry(c, p, notes.get(c.id or 0, [])) for c, p in rows]


def excluded_people(session: Session, team_id: str) -> set[int]:
    """People the team marked "not a fit": kept out of its digests."""
    return set(
        session.exec(
            select(Candidate.person_id).where(
                Candidate.team_id == team_id, Candidate.status == CandidateStatus.NOT_A_FIT.value
            )
        )
    )


# -- what csf posted, and which events it has handled --------------------------------------------


def record_posted(
    session: Session,
    *,
    team_id: str,
    channel: str,
    ts: str,
    kind: str,
    person_ids: list[int],
    thread_ts: str | None = None,
) -> None:
    """Remember a message csf posted, so a reaction on it resolves without a Web API call."""
    try:
        with session.begin_nested():
            session.add(
                PostedMessage(
                    team_id=team_id,
                    channel=channel,
                    ts=ts,
                    kind=kind,
                    person_ids=person_ids,
                    thread_ts=thread_ts,
                )
            )
    except IntegrityError:
        pass  # recorded already (a retried post returns the same ts)


def posted_people(session: Session, channel: str, ts: str) -> list[int] | None:
    """The people shown in a message csf posted, or None when csf did not post it."""
    row = posted_message(session, channel, ts)
    return None if row is None else list(row.person_ids)


def posted_message(session: Session, channel: str, ts: str) -> PostedMessage | None:
    return session.exec(
        select(PostedMessage).where(PostedMessage.channel == channel, PostedMessage.ts == ts)
    ).first()


def claim_event(session: Session, event_id: str) -> bool:
    """True the first time an event id is seen, by any process; False for every retry."""
    statement = sa.insert(SlackEvent).values(event_id=event_id, received_at=utcnow())
    try:
        with session.begin_nested():
            session.execute(statement)
    except IntegrityError:
        return False
    return True


def release_event(session: Session, event_id: str) -> None:
    """Give a claim back, when the work it guarded failed and may be tried again."""
    session.execute(sa.delete(SlackEvent).where(col(SlackEvent.event_id) == event_id))


def prune_events(session: Session, before: datetime) -> int:
    """Forget handled event ids older than Slack's retry horizon."""
    result = session.execute(sa.delete(SlackEvent).where(SlackEvent.received_at < before))  # type: ignore[arg-type]
    return int(result.rowcount or 0)  # type: ignore[attr-defined]

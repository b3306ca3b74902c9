"""The shortlist: idempotent saves, statuses, notes, posted messages and event claims."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.errors import CsfError
from bot.shortlist.saves import (
    add_note,
    claim_event,
    excluded_people,
    mark,
    parse_status,
    pipeline,
    posted_people,
    record_posted,
    save,
)
from bot.store.identity import login_key
from bot.store.models import AuditEvent, Candidate, CandidateStatus
from bot.store.writes import create_person


def _person(session: Session, login: str) -> int:
    return create_person(session, [login_key(login)], login=login, name=login.title())


def test_saving_twice_keeps_one_entry_and_one_audit_line(session: Session) -> None:
    ada = _person(session, "ada-fictional")
    first = save(session, "T1", ada, saved_by="U1", source="reaction", source_ref="C1/1.0")
    second = save(session, "T1", ada, saved_by="U2", source="button")
    session.commit()
    assert first.created
    assert not second.created
    rows = session.exec(select(Candidate)).all()
    assert [(r.team_id, r.saved_by, r.source_ref) for r in rows] == [("T1", "U1", "C1/1.0")]
    saves = session.exec(select(AuditEvent).where(AuditEvent.action == "save")).all()
    assert len(saves) == 1
    # another team has its own shortlist
    assert save(session, "T2", ada, saved_by="U9", source="command").created


def test_not_a_fit_is_excluded_and_a_later_save_brings_the_person_back(session: Session) -> None:
    ada, bo = _person(session, "ada-fictional"), _person(session, "bo-fictional")
    mark(session, "T1", ada, CandidateStatus.NOT_A_FIT, actor="U1")
    save(session, "T1", bo, saved_by="U1", source="button")
    assert excluded_people(session, "T1") == {ada}
    outcome = save(session, "T1", ada, saved_by="U2", source="reaction")
    assert outcome.candidate.status == "saved"
    assert excluded_people(session, "T1") == set()


def test_pipeline_lists_newest_change_first_with_notes(session: Session) -> None:
    ada, bo = _person(session, "ada-fictional"), _person(session, "bo-fictional")
    save(session, "T1", ada, saved_by="U1", source="button")
    later = save(session, "T1", bo, saved_by="U1", source="button").candidate
    mark(session, "T1", bo, CandidateStatus.CONTACTED, actor="U2")
    add_note(session, later, "  met at the dev meeting  ", author="U2")
    session.commit()
    entries = pipeline(session, "T1")
    assert [e.person.login for e in entries] == ["bo-fictional", "ada-fictional"]
    assert entries[0].candidate.status == "contacted"
    assert [n.text for n in entries[0].notes] == ["met at the dev meeting"]
    assert [e.person.login for e in pipeline(session, "T1", CandidateStatus.SAVED)] == [
        "ada-fictional"
    ]
    with pytest.raises(CsfError, match="needs some text"):
        add_note(session, later, "   ", author="U2")


def test_status_words_as_people_type_them() -> None:
    assert parse_status("Not now") is CandidateStatus.NOT_NOW
    assert parse_status("not-a-fit") is CandidateStatus.NOT_A_FIT
    with pytest.raises(CsfError, match="choose one of saved"):
        parse_status("hired")


def test_posted_messages_resolve_their_people(session: Session) -> None:
    ada = _person(session, "ada-fictional")
    record_posted(session, team_id="T1", channel="C1", ts="1.000100", kind="who", person_ids=[ada])
    record_posted(session, team_id="T1", channel="C1", ts="1.000100", kind="who", person_ids=[ada])
    session.commit()
    assert posted_people(session, "C1", "1.000100") == [ada]
    assert posted_people(session, "C1", "2.000000") is None


def test_an_event_is_claimed_once_across_sessions(engine: Engine) -> None:
    with Session(engine) as one, Session(engine) as two:
        assert claim_event(one, "Ev1") is True
        one.commit()
        assert claim_event(two, "Ev1") is False
        assert claim_event(two, "Ev2") is True
        two.commit()

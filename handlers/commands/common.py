"""Pieces more than one subcommand answers with: a person by login, `--region`, the search log."""

from __future__ import annotations

from sqlmodel import Session

from bot.errors import CsfError
from bot.people.communities import check_community
from bot.people.places import check_region
from bot.store.identity import login_key
from bot.store.models import Person
from bot.store.writes import find_person
from bot.store.writes import record_search as audit_search
from handlers.answer import Asker
from handlers.commands.registry import UsageError


def person_by_login(session: Session, login: str) -> Person:
    """The person csf holds under a login (or `#ID`); one it does not know is a one-line answer."""
    if login.startswith("#"):
        found = session.get(Person, int(login[1:]))
        if found is None:
            raise CsfError(f"csf knows no one as {login}")
        return found
    person = find_person(session, [login_key(login)])
    if person is None:
        raise CsfError(f"csf knows no one as @{login} yet; a sync that covers their work adds them")
    return person


def region_option(options: dict[str, str], command: str) -> str | None:
    """`--region`, checked by the core; a bad one is a usage error of `command`."""
    try:
        return check_region(options.get("region"))
    except CsfError as error:
        raise UsageError(str(error), command) from None


def community_option(options: dict[str, str], command: str) -> str | None:
    """`--community`, checked by the core; a bad one is a usage error of `command`."""
    try:
        chosen = check_community(options.get("community"))
    except CsfError as error:
        raise UsageError(str(error), command) from None
    return chosen.key if chosen else None


def record_search(session: Session, asker: Asker, query: str) -> None:
    """The audit log's record of who looked at an area's people."""
    audit_search(session, asker.user_id, query, {"team": asker.team_id})

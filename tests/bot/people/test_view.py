"""The person view: one place builds what every answer shows about a person."""

from __future__ import annotations

import dataclasses

import pytest
from sqlmodel import Session

from bot.people.view import PersonView, load_views
from bot.ranking.who import person_view, person_views
from bot.store.identity import HASH_PREFIX, IdentityKey, login_key
from bot.store.models import IdentityKind, Person
from bot.store.writes import resolve_person

JSON_KEYS = {
    "id", "name", "login", "identities", "location", "country", "region", "region_level",
    "region_why", "company", "career",
    "affiliations",
}  # fmt: skip


def _ida(session: Session) -> Person:
    address = IdentityKey(IdentityKind.EMAIL, f"{HASH_PREFIX}{1:064x}", "cl.cam.ac.uk")
    person = resolve_person(session, [login_key("ida-fictional"), address], login="ida-fictional")
    person.name = "Ida Fictional"
    person.location = "Cambridge, UK"
    person.country_code = "GB"
    person.region = "uk"
    person.company = "Example Compilers"
    session.commit()
    return person


def test_a_stored_person_becomes_the_view_every_answer_shows(session: Session) -> None:
    ida = _ida(session)
    assert ida.id is not None
    view = load_views(session, [ida])[ida.id]
    assert (view.id, view.name, view.login, view.location) == (
        ida.id,
        "Ida Fictional",
        "ida-fictional",
        "Cambridge, UK",
    )
    assert (view.country, view.region, view.company) == ("GB", "uk", "Example Compilers")
    assert [a["name"] for a in view.affiliations] == ["University of Cambridge"]
    # Identities are what the store holds: a login and a hash with its domain, no address.
    assert [(e["kind"], e.get("domain")) for e in view.identities] == [
        ("email", "cl.cam.ac.uk"),
        ("github", None),
    ]
    assert set(view.as_dict()) == JSON_KEYS
    # `who`, the digest and a profile hand on exactly this view.
    assert person_view(session, ida) == view.as_dict()
    assert person_views(session, [ida]) == {ida.id: view.as_dict()}
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.name = "someone else"  # type: ignore[misc]


def test_the_view_reads_back_from_the_dict_an_answer_carries(session: Session) -> None:
    ida = _ida(session)
    assert ida.id is not None
    view = load_views(session, [ida])[ida.id]
    assert PersonView.from_dict(view.as_dict()) == view


@pytest.mark.parametrize(
    ("name", "login", "label"),
    [("Ida Fictional", "ida-fictional", "Ida Fictional"), (None, "ida-fictional", "ida-fictional")],
)
def test_the_label_falls_back_from_name_to_login_to_number(
    name: str | None, login: str | None, label: str
) -> None:
    assert PersonView.from_person(Person(id=7, name=name, login=login)).label == label
    assert PersonView.from_person(Person(id=7)).label == "#7"


def test_an_unplaced_person_is_in_the_unknown_region_and_shows_no_affiliation() -> None:
    view = PersonView.from_person(Person(id=8, login="jo-fictional"))
    assert view.region == "unknown"
    assert view.affiliations == []
    assert view.as_dict()["identities"] == []

"""Affiliation hints from email domains: organisations named, mail hosts saying nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session

from bot.people.affiliations import Organisation, affiliations, organisation_of
from bot.ranking.who import person_view
from bot.store.identity import HASH_PREFIX, IdentityKey, login_key
from bot.store.models import IdentityKind
from bot.store.writes import resolve_person


@pytest.mark.parametrize(
    ("domain", "name", "kind", "country"),
    [
        ("cam.ac.uk", "University of Cambridge", "university", "GB"),
        ("cl.cam.ac.uk", "University of Cambridge", "university", "GB"),  # a subdomain
        ("CST.CAM.AC.UK", "University of Cambridge", "university", "GB"),
        ("inf.ethz.ch", "ETH Zurich", "university", "CH"),
        ("quicinc.com", "Qualcomm", "company", None),
        ("linux.intel.com", "Intel", "company", None),
        ("github.com", "GitHub", "company", None),
        ("inria.fr", "Inria", "research", "FR"),
        # Unlisted, but under an academic suffix: named by its own domain.
        ("cs.example.ac.uk", "example.ac.uk", "university", "GB"),
        ("example.edu", "example.edu", "university", "US"),
    ],
)
def test_domains_name_their_organisation(
    domain: str, name: str, kind: str, country: str | None
) -> None:
    assert organisation_of(domain) == Organisation(name, kind, country)


@pytest.mark.parametrize(
    "domain",
    [
        "gmail.com",
        "users.noreply.github.com",  # a subdomain of github.com, yet says nothing
        "kernel.org",
        "compilers.example",
        "ac.uk",
        "",
        None,
    ],
)
def test_mail_hosts_and_unknown_domains_say_nothing(domain: str | None) -> None:
    assert organisation_of(domain) is None


def test_one_entry_per_organisation() -> None:
    found = affiliations(["quicinc.com", "qualcomm.com", "gmail.com", None, "cl.cam.ac.uk"])
    assert found == [
        {"name": "Qualcomm", "kind": "company", "country": None, "domain": "qualcomm.com"},
        {
            "name": "University of Cambridge",
            "kind": "university",
            "country": "GB",
            "domain": "cl.cam.ac.uk",
        },
    ]


def _address(n: int, domain: str) -> IdentityKey:
    """An email identity as the store holds it: a hash and a domain, no address anywhere."""
    return IdentityKey(IdentityKind.EMAIL, f"{HASH_PREFIX}{n:064x}", domain)


def test_person_view_shows_affiliations_from_domains(session: Session) -> None:
    person = resolve_person(
        session,
        [login_key("ida-fictional"), _address(1, "cl.cam.ac.uk"), _address(2, "gmail.com")],
        login="ida-fictional",
    )
    session.commit()
    view = person_view(session, person)
    assert view["affiliations"] == [
        {
            "name": "University of Cambridge",
            "kind": "university",
            "country": "GB",
            "domain": "cl.cam.ac.uk",
        }
    ]
    assert {i.get("domain") for i in view["identities"]} == {None, "cl.cam.ac.uk", "gmail.com"}
    nobody = resolve_person(session, [login_key("jo-fictional")], login="jo-fictional")
    assert person_view(session, nobody)["affiliations"] == []


def test_a_teams_file_adds_and_replaces_organisations_and_mistakes_are_one_line(
    tmp_path: Path,
) -> None:
    from bot.errors import DataFileError
    from bot.people.affiliations import use_affiliations

    team = tmp_path / "affiliations.yml"
    team.write_text(
        "organisations:\n"
        "  fictional-labs.example: {name: Fictional Labs, kind: research, country: GB}\n"
        "  arm.com: {name: Arm (Cambridge), kind: company}\n"
    )
    try:
        use_affiliations(team)
        labs = organisation_of("mail.fictional-labs.example")
        assert labs is not None
        assert (labs.name, labs.kind, labs.country) == ("Fictional Labs", "research", "GB")
        arm = organisation_of("arm.com")
        assert arm is not None
        assert arm.name == "Arm (Cambridge)"  # the team's entry replaces the shipped one
        cam = organisation_of("cl.cam.ac.uk")
        assert cam is not None
        assert cam.name == "University of Cambridge"  # the shipped list still answers
    finally:
        use_affiliations(None)
    assert organisation_of("fictional-labs.example") is None
    for text, message in (
        ("organisations:\n  x.example: {name: X, kind: startup}\n", "kind must be one of"),
        ("organisations:\n  x.example: {name: X, kind: company, country: uk}\n", "ISO code"),
        ("organisatons: {}\n", "unknown setting 'organisatons'"),
    ):
        team.write_text(text)
        with pytest.raises(DataFileError, match=message) as caught:
            use_affiliations(team)
        assert str(caught.value).startswith(str(team))
    team.write_bytes(b"organisations: {caf\xe9: 1}\n")
    with pytest.raises(DataFileError, match=r"CSF_AFFILIATIONS: the affiliations file .* UTF-8"):
        use_affiliations(team)

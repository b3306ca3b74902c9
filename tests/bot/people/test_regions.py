"""Where people are when no profile says: commit clocks and address domains, with a level.

The histories are real git repositories built in temp folders, each author committing from
their own clock, ingested as `csf ingest git` ingests a mirror.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.ingest.git import ingest_git
from bot.people import privacy
from bot.people.regions import clock_clue, combine, domain_clue, infer_regions
from bot.ranking.who import load_ranking_config, who
from bot.store.models import Person
from bot.store.writes import find_person, upsert_repo
from bot.taxonomy.model import default_taxonomy
from bot.taxonomy.question import read_query
from tests.support.fictional_orgs import fictional_organisations
from tests.support.git_repos import GitRepo

START = datetime(2025, 1, 6, 10, 0, tzinfo=UTC)
AS_OF = datetime(2026, 1, 15, tzinfo=UTC)
BUF = "mlir/lib/Dialect/Bufferization/Transforms/OneShotAnalysis.cpp"


def _history(repo: GitRepo, author: tuple[str, str], zone: str, months: range, n: int) -> None:
    """`n` commits by `author` on their local clock (`zone`), spread over `months`."""
    tz = ZoneInfo(zone)
    for index in range(n):
        month = months[index % len(months)]
        when = datetime(2025, month, 3 + index % 20, 11, index % 60, tzinfo=tz)
        repo.commit(
            f"[mlir][bufferization] Change {index} by {author[0]}",
            {BUF: f"{author[0]} {index}\n"},
            author=author,
            date=when.isoformat(),
        )


@pytest.fixture(autouse=True)
def organisations(tmp_path: Path) -> Iterator[None]:
    with fictional_organisations(tmp_path):
        yield


@pytest.fixture
def ingested(engine: Engine, tmp_path: Path) -> Engine:
    repo = GitRepo(tmp_path / "llvm")
    everywhere = range(1, 13)
    _history(repo, ("Una London", "una@home.example"), "Europe/London", everywhere, 24)
    _history(repo, ("Carl Berlin", "carl@home.example"), "Europe/Berlin", everywhere, 24)
    _history(repo, ("Sam Summer", "sam@home.example"), "Europe/London", range(5, 9), 20)
    _history(repo, ("Ursula Utc", "ursula@home.example"), "UTC", everywhere, 24)
    _history(repo, ("Dora Domain", "dora@cs.uni-fictional.example"), "UTC", range(1, 2), 3)
    _history(repo, ("Mixa Mixed", "mixa@lab-fictional.example"), "Europe/Berlin", everywhere, 24)
    _history(repo, ("Pia Profile", "pia@home.example"), "Europe/Berlin", everywhere, 24)
    with Session(engine) as session:
        llvm = upsert_repo(session, "llvm/llvm-project", "mlir")
        session.commit()
        ingest_git(session, default_taxonomy(), llvm, repo.path)
        session.commit()
    return engine


def _person(session: Session, email: str) -> Person:
    from bot.store.identity import email_key

    person = find_person(session, [email_key(email)])
    assert person is not None
    return person


def test_commit_clocks_and_domains_place_people_as_likely_and_say_why(ingested: Engine) -> None:
    with Session(ingested) as session:
        pia = _person(session, "pia@home.example")
        pia.location, pia.region, pia.country_code = "Leeds, UK", "uk", "GB"
        pia.region_level, pia.region_why = "stated", "profile: Leeds, UK"
        session.commit()
        assert infer_regions(session) == 3
        session.commit()
        una = _person(session, "una@home.example")
        assert (una.region, una.region_level, una.country_code) == ("uk", "likely", "GB")
        assert una.region_why == (
            "commit times in UK time on 20 of 20 commits from winter and summer months"
        )
        carl = _person(session, "carl@home.example")
        assert (carl.region, carl.region_level) == ("europe", "likely")  # not only the EU
        assert carl.region_why is not None
        assert carl.region_why.startswith("commit times in Central European time")
        # Summer alone cannot tell UK summer time from Central European winter time.
        sam = _person(session, "sam@home.example")
        assert (sam.region, sam.region_level) == (None, None)
        assert sam.region_why is not None
        assert "summer months only" in sam.region_why
        # A UTC clock all year is a server's, not a place; a .de domain places someone.
        ursula = _person(session, "ursula@home.example")
        assert (ursula.region, ursula.region_why) == (
            None,
            "commit times in UTC all year: a server's clock, not a place",
        )
        dora = _person(session, "dora@cs.uni-fictional.example")
        assert (dora.region, dora.region_level, dora.country_code) == ("eu", "likely", "DE")
        # Berlin's clock and a .ac.uk address disagree: unknown, and said.
        mixa = _person(session, "mixa@lab-fictional.example")
        assert mixa.region is None
        assert mixa.region_why is not None
        assert mixa.region_why.startswith("clues disagree: ")
        # A stated profile location always wins over the clock (Berlin time here).
        pia = _person(session, "pia@home.example")
        assert (pia.region, pia.region_level) == ("uk", "stated")


def test_region_filters_include_likely_people_and_stated_keeps_only_profiles(
    ingested: Engine,
) -> None:
    with Session(ingested) as session:
        pia = _person(session, "pia@home.example")
        pia.location, pia.region, pia.country_code = "Leeds, UK", "uk", "GB"
        pia.region_level, pia.region_why = "stated", "profile: Leeds, UK"
        infer_regions(session)
        session.commit()
        taxonomy = default_taxonomy()

        def names(**options: object) -> list[str]:
            answer = who(
                session,
                taxonomy,
                read_query(taxonomy, ["mlir", "bufferization"]),
                config=load_ranking_config(),
                as_of=AS_OF,
                limit=20,
                cached=False,
                **options,  # type: ignore[arg-type]
            )
            return sorted(str(r.person["name"]) for r in answer.results)

        assert names(region="uk") == ["Pia Profile", "Una London"]
        assert names(region="uk", stated=True) == ["Pia Profile"]
        assert names(region="eu") == ["Dora Domain"]  # a .de address: the country is known
        assert names(region="europe") == ["Carl Berlin", "Dora Domain", "Pia Profile", "Una London"]
        una = next(
            r.person
            for r in who(
                session,
                taxonomy,
                read_query(taxonomy, ["mlir", "bufferization"]),
                config=load_ranking_config(),
                as_of=AS_OF,
                region="uk",
                cached=False,
            ).results
            if r.person["name"] == "Una London"
        )
        assert una["region_level"] == "likely"
        assert una["region_why"].startswith("commit times in UK time")


def test_inference_off_gives_unknown_and_export_and_forget_cover_it(ingested: Engine) -> None:
    with Session(ingested) as session:
        infer_regions(session)
        session.commit()
        una = _person(session, "una@home.example")
        exported = privacy.export(session, una, actor="test")
        assert exported["person"]["region_level"] == "likely"
        assert exported["person"]["region_why"].startswith("commit times in UK time")
        infer_regions(session, enabled=False)
        session.commit()
        session.refresh(una)
        assert (una.region, una.region_level, una.region_why) == (None, None, None)
        infer_regions(session)
        privacy.forget(session, "una@home.example", actor="test")
        session.commit()
        assert session.exec(select(Person).where(Person.name == "Una London")).first() is None


def test_clues_on_their_own() -> None:
    summer = [(60, m, 5) for m in (5, 6, 7)]
    assert clock_clue(summer) is not None
    assert clock_clue([]) is None
    india = clock_clue([(330, m, 2) for m in range(1, 13)])
    assert india is not None
    assert (india.region, india.country) == ("other", "IN")
    pacific = clock_clue([(-480, 1, 6), (-420, 7, 6)])
    assert pacific is not None
    assert pacific.region == "us"
    assert domain_clue(["dev.io", "startup.ai", "example.com"]) is None  # vanity and generic
    eth = domain_clue(["inf.ethz.ch"])
    assert eth is not None
    assert (eth.region, eth.country) == ("europe", "CH")
    assert combine(None, eth)[0] == "europe"
    kit = domain_clue(["kit.edu"])  # the table knows where a university is
    assert kit is not None
    assert kit.region == "eu"
    mit = domain_clue(["csail.mit.edu"])
    assert mit is not None
    assert mit.region == "us"
    assert combine(None, None) == (None, None, None)


def test_cards_say_likely_and_why_and_escape_it() -> None:
    from slackui.blocks.people import person_heading

    person = {
        "id": 7,
        "name": "Una London",
        "login": None,
        "location": None,
        "region": "uk",
        "region_level": "likely",
        "region_why": "commit times in UK time on 20 of 20 commits <!channel>",
    }
    heading = person_heading(person)
    assert "location unknown (likely uk: _commit times in UK time on 20 of 20" in heading
    assert "<!channel>" not in heading
    stated = {**person, "location": "Leeds, UK", "region_level": "stated"}
    assert person_heading(stated).endswith("Leeds, UK (uk)")

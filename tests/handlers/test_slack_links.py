"""Who a Slack message is about: GitHub links found wherever Slack puts them, then resolved."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session, select

from bot.people.privacy import forget
from bot.store.identity import login_key, suppression_hash
from bot.store.models import Person, Suppression
from handlers import slack_links
from handlers.slack_links import GitHubRef, github_refs, resolve_refs
from tests.support.ranking_world import build


def test_links_in_text_blocks_and_unfurls() -> None:
    message = {
        "text": "see <https://github.com/llvm/llvm-project/pull/4242|this> and "
        "<https://github.com/Ada-Owner> <https://github.com/features|features>",
        "blocks": [
            {
                "type": "rich_text",
                "elements": [
                    {"type": "link", "url": "https://github.com/o/r/commit/ABCDEF1234567"},
                    {"type": "link", "url": "https://github.com/o/r/pull/7/commits/abcdef9"},
                    {"type": "link", "url": "https://github.com/o/r/issues/3"},
                ],
            }
        ],
        "attachments": [{"from_url": "https://github.com/llvm/llvm-project/pull/4242/files"}],
    }
    assert github_refs(message) == [
        GitHubRef("pr", "llvm/llvm-project", "4242"),
        GitHubRef("login", None, "ada-owner"),
        GitHubRef("commit", "o/r", "abcdef1234567"),
        GitHubRef("commit", "o/r", "abcdef9"),
    ]
    assert github_refs({"text": "https://evil.test/github.com/ada <https://github.com/>"}) == []


def test_refs_resolve_through_the_store_then_github(session: Session) -> None:
    world = build(session)
    number = world.merged("eve-specialist", 1, 5)[0]
    world.save()
    asked: list[tuple[str, int]] = []

    def pull_author(repo: str, pr: int) -> str | None:
        asked.append((repo, pr))
        return "newcomer-fictional"

    refs = [
        GitHubRef("pr", "llvm/llvm-project", str(number)),
        GitHubRef("pr", "llvm/llvm-project", "999999"),
        GitHubRef("login", None, "eve-specialist"),
        GitHubRef("login", None, "dependabot[bot]"),
        GitHubRef("commit", "llvm/llvm-project", "deadbeef"),
    ]
    resolution = resolve_refs(session, refs, pull_author)
    eve = world.people["eve-specialist"]
    newcomer = session.exec(select(Person).where(Person.login == "newcomer-fictional")).one()
    assert resolution.person_ids == [eve, newcomer.id]
    assert asked == [("llvm/llvm-project", 999999)]  # only what the store did not know
    assert resolution.unknown == 1  # the commit


def test_suppressed_people_are_never_created_again(session: Session) -> None:
    session.add(Suppression(identity_hash=suppression_hash(login_key("gone-fictional"))))
    session.commit()
    resolution = resolve_refs(session, [GitHubRef("login", None, "gone-fictional")])
    assert resolution.person_ids == []
    assert resolution.suppressed == 1
    assert session.exec(select(Person).where(Person.login == "gone-fictional")).first() is None


def test_a_login_forgotten_while_its_link_resolves_is_not_created(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The erasure lands after the first look at the suppressions, before the person is made."""
    looked_up = slack_links.find_person

    def find_then_forgotten(inner: Session, keys: Any) -> Person | None:
        with Session(session.get_bind()) as other:
            forget(other, "gone-fictional", actor="test")
            other.commit()
        return looked_up(inner, keys)

    monkeypatch.setattr(slack_links, "find_person", find_then_forgotten)
    resolution = resolve_refs(session, [GitHubRef("login", None, "gone-fictional")])
    session.commit()
    assert (resolution.person_ids, resolution.suppressed) == ([], 1)
    assert session.exec(select(Person).where(Person.login == "gone-fictional")).first() is None

"""The sample world: deterministic, fictional, and laid out where the taxonomy looks."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timedelta

import pytest

from bot.demo import world as world_module
from bot.demo.topics import ALL_TOPICS, GITHUB_TOPICS, LINUX
from bot.demo.world import ALLOWED_EMAIL_DOMAINS, ISO, SampleWorld, build_world
from bot.people.places import place
from bot.sources.owners import parse_owner_file
from bot.store.identity import email_key, looks_like_bot
from bot.taxonomy.model import default_taxonomy

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")


@pytest.fixture(scope="module")
def world() -> SampleWorld:
    return build_world()


def test_the_same_seed_gives_the_same_world(world: SampleWorld) -> None:
    again = build_world()
    assert again == world
    other = build_world(seed=world.seed + 1)
    assert [p.login for p in other.people] != [p.login for p in world.people]


def test_about_three_hundred_people_in_every_role(world: SampleWorld) -> None:
    assert 280 <= len(world.people) <= 320
    roles = {p.role for p in world.people}
    assert roles == set(world_module.ROLES)
    assert len({p.login for p in world.people}) == len(world.people)
    bots = [login for login in world.github.users if looks_like_bot(login)]
    assert len(bots) >= 3
    assert any(pr.author in bots for repo in world.github.repos.values() for pr in repo.pulls)


def test_every_person_is_invented(world: SampleWorld) -> None:
    syllables = "|".join(sorted(world_module._FIRST + world_module._LAST, key=len, reverse=True))
    invented = re.compile(rf"(?:{syllables})+", re.IGNORECASE)
    for person in world.people:
        first, last = person.name.split(" ")
        assert invented.fullmatch(first), person.name
        assert invented.fullmatch(last), person.name
        assert person.login == f"{first}-{last}".lower()


def test_addresses_only_at_reserved_or_noreply_domains(world: SampleWorld) -> None:
    addresses = [p.email for p in world.people if p.email] + [p.git_email for p in world.people]
    for repo in world.github.repos.values():
        for text in repo.files.values():
            addresses += [m.group(0) for m in EMAIL.finditer(text)]
    assert len(addresses) > len(world.people)
    for address in addresses:
        domain = address.rsplit("@", 1)[1]
        assert domain in ALLOWED_EMAIL_DOMAINS, address


@pytest.mark.parametrize("work", ALL_TOPICS, ids=lambda w: w.topic)
def test_paths_and_labels_tag_their_topic(work: world_module.TopicWork) -> None:
    taxonomy = default_taxonomy()
    assert taxonomy.topic(work.topic) is not None
    for path in work.paths:
        assert work.topic in taxonomy.tag(work.repo, [path]), path
    for label in work.labels:
        assert work.topic in taxonomy.tag(work.repo, [], [label]), label


def test_every_pull_request_lands_in_a_topic(world: SampleWorld) -> None:
    taxonomy = default_taxonomy()
    pulls = [p for repo in world.github.repos.values() for p in repo.pulls]
    assert len(pulls) > 2000
    for repo in world.github.repos.values():
        for pr in repo.pulls:
            if looks_like_bot(str(pr.author)):
                continue
            tags = taxonomy.tag(repo.full_name, pr.files, pr.labels, pr.title)
            assert any("." in tag for tag in tags), (repo.full_name, pr.files)


def test_owner_files_name_each_topics_maintainers(world: SampleWorld) -> None:
    """The maintainers the world says it has are the ones its owner files name."""
    named: set[str] = set()
    for repo in world.github.repos.values():
        for path, text in repo.files.items():
            if path.endswith(("CODEOWNERS", "Maintainers.md", "MAINTAINERS")):
                named |= {row.owner_value for row in parse_owner_file(text, path)}
    for work in ALL_TOPICS:
        maintainers = world.maintainers(work.topic)
        assert maintainers, work.topic
        for login in maintainers:
            person = world.person(login)
            assert login in named or email_key(person.git_email).value in named, login


def test_newcomers_ramp_up_late_and_the_quiet_stopped(world: SampleWorld) -> None:
    roles = {p.login: p.role for p in world.people}
    recent = world.now - timedelta(days=42)
    long_ago = world.now - timedelta(days=180)
    seen = {"newcomer": 0, "quiet": 0}
    for repo in world.github.repos.values():
        for pr in repo.pulls:
            role = roles.get(str(pr.author))
            created = datetime.strptime(pr.created_at, ISO).replace(tzinfo=world.now.tzinfo)
            if role == "newcomer":
                assert created >= recent, pr.title
            if role == "quiet":
                assert created <= long_ago, pr.title
            if role in seen:
                seen[role] += 1
    assert seen["newcomer"] > 20
    assert seen["quiet"] > 20


def test_places_span_the_talent_pools(world: SampleWorld) -> None:
    regions = {place(p.location).region for p in world.people}
    assert {"uk", "eu", "europe", "us", "other", None} <= regions
    amd_uk = [
        p for p in world.people if "triton.amd" in p.topics and place(p.location).region == "uk"
    ]
    assert len(amd_uk) >= 3


def test_the_kernel_arrives_as_mail_reviewed_history(world: SampleWorld) -> None:
    assert LINUX in world.repos
    assert "MAINTAINERS" in world.github.repos[LINUX].files
    assert not world.github.repos[LINUX].pulls
    assert len(world.linux_commits) > 100
    assert sum(len(c.reviewers) for c in world.linux_commits) > 100
    assert {w.repo for w in GITHUB_TOPICS} <= set(world.repos)


def test_titles_are_varied_and_mostly_original_work(world: SampleWorld) -> None:
    """Real histories have relands and part twos, but a world where most titles are one of a
    few headlines, or a follow-up of one, reads as fake and makes every outreach draft alike."""
    titles = [pr.title for repo in world.github.repos.values() for pr in repo.pulls]
    bots = [t for t in titles if t.startswith("Bump ")]
    people = [t for t in titles if not t.startswith("Bump ")]
    follow_ups = [
        t
        for t in people
        if re.search(r'Reland "|\[NFC\] Clean up after|Fix tests after|\(part \d', t)
    ]
    assert len(follow_ups) / len(people) < 0.12
    assert len(set(people)) / len(people) > 0.5
    assert max(Counter(people).values()) <= 25
    assert bots  # the bumps are still there, for the not-people rules to meet


def test_every_topic_the_demo_and_readme_name_has_people(world: SampleWorld) -> None:
    authors: dict[str, set[str]] = {}
    taxonomy = default_taxonomy()
    for full_name, repo in world.github.repos.items():
        for pr in repo.pulls:
            for tag in taxonomy.tag(full_name, pr.files, pr.labels, pr.title):
                authors.setdefault(tag, set()).add(str(pr.author))
    for topic in (
        "mlir.bufferization",
        "triton.amd",
        "tvm.metaschedule",
        "triton.kernels",
        "triton.pipelining",
    ):
        assert len(authors.get(topic, ())) >= 3, topic

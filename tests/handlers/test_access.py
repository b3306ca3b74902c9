"""User-group members for the allow-list: read from Slack, kept a while, never opened by failure."""

from __future__ import annotations

import threading

import pytest

from bot.config import ConfigError, load_settings
from handlers.access import GroupMembers


class Slack:
    def __init__(self) -> None:
        self.groups = {"S0HIRING": ["U0ANA", "U0BEN"]}
        self.calls: list[str] = []
        self.down = False

    def fetch(self, group: str) -> list[str]:
        self.calls.append(group)
        if self.down:
            raise ConnectionError("Slack is unreachable")
        return self.groups[group]


def test_members_are_kept_for_a_while_then_read_again() -> None:
    slack, now = Slack(), [0.0]
    members = GroupMembers(slack.fetch, ttl=300, clock=lambda: now[0])
    assert members.members("S0HIRING") == {"U0ANA", "U0BEN"}
    slack.groups["S0HIRING"].append("U0CAT")
    now[0] = 299
    assert "U0CAT" not in members.members("S0HIRING")
    now[0] = 301
    assert "U0CAT" in members.members("S0HIRING")  # joined the group: let in without a restart
    assert slack.calls == ["S0HIRING", "S0HIRING"]


def test_when_slack_cannot_be_asked_the_last_members_stand_a_while_and_none_means_nobody() -> None:
    slack, now = Slack(), [0.0]
    members = GroupMembers(slack.fetch, ttl=10, retry=60, stale_limit=3600, clock=lambda: now[0])
    assert members.members("S0HIRING") == {"U0ANA", "U0BEN"}
    slack.down = True
    now[0] = 20
    assert members.members("S0HIRING") == {"U0ANA", "U0BEN"}
    assert members.members("S0OTHER") == frozenset()  # never read: closed, not open
    assert slack.calls == ["S0HIRING", "S0HIRING", "S0OTHER"]
    now[0] = 70  # within a minute of the failure: Slack is not asked again on every request
    assert members.members("S0HIRING") == {"U0ANA", "U0BEN"}
    assert members.members("S0OTHER") == frozenset()
    assert len(slack.calls) == 3
    now[0] = 81  # a minute on: asked again
    members.members("S0HIRING")
    assert len(slack.calls) == 4
    now[0] = 3601  # an hour without an answer: the old membership no longer lets anyone in
    assert members.members("S0HIRING") == frozenset()
    slack.down = False
    now[0] = 3700
    assert members.members("S0HIRING") == {"U0ANA", "U0BEN"}  # back as soon as Slack answers


def test_one_lookup_per_group_at_a_time() -> None:
    started, release = threading.Event(), threading.Event()
    calls: list[str] = []

    def slow(group: str) -> list[str]:
        calls.append(group)
        started.set()
        release.wait(10)
        return ["U0ANA"]

    members = GroupMembers(slow)
    seen: list[frozenset[str]] = []
    threads = [
        threading.Thread(target=lambda: seen.append(members.members("S0HIRING"))) for _ in range(5)
    ]
    for thread in threads:
        thread.start()
    assert started.wait(10)
    release.set()
    for thread in threads:
        thread.join(10)
    assert calls == ["S0HIRING"]
    assert seen == [frozenset({"U0ANA"})] * 5


def test_allowed_users_take_people_and_user_groups_and_name_a_bad_id() -> None:
    settings = load_settings({"CSF_ALLOWED_USERS": "U0LEAD, S0HIRING"}, env_file=None)
    assert settings.user_allowlist == {"U0LEAD", "S0HIRING"}
    assert settings.allowed_groups == {"S0HIRING"}
    with pytest.raises(ConfigError, match="CSF_ALLOWED_USERS") as error:
        load_settings({"CSF_ALLOWED_USERS": "U0LEAD,C0TALENT"}, env_file=None)
    assert "user group" in str(error.value)

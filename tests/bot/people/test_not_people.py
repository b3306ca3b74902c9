"""The not-people rules: tools and AI assistants are caught; people with similar names are not."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from bot.errors import ConfigError
from bot.people.not_people import not_people, parse_not_people, project_bot, tool_name


@pytest.mark.parametrize(
    ("name", "address"),
    [
        ("Claude Code", "assistant@tools.example"),
        ("Claude Sonnet 4.6", "someone@example.org"),
        ("Claude Opus 4.5 (1M context)", ""),
        ("Copilot", "198982749+Copilot@users.noreply.github.com"),
        ("copilot-swe-agent[bot]", ""),
        ("Codex", "assistant@tools.example"),
        ("Cursor Agent", "cursoragent@tools.example"),
        ("shardy authors", "automation@example.org"),
        ("The Fictional Team", ""),
        ("Copybara-Service", "copybara-worker@example.org"),
        ("[sync-bot]", "owner@example.org"),
        ("GitHub", "web-flow@tools.example"),
        ("Someone", "9001+copilot@users.noreply.github.com"),
        ("widgetbot", "automation@example.org"),  # bots without "[bot]"
        ("fictional-github-bot", ""),
        ("Widget UpdateBot", ""),
        ("FictionalTypoFixes Bot", ""),
        ("CodemodService Bot", "codemods@compilers.example"),
        ("Manus Agent", "agent@tools.example"),
        ("OpenHands", "openhands@tools.example"),
        ("openhands-agent", ""),
        ("Devin AI", "devin@tools.example"),
        ("Lint Bot", ""),
        ("cpp-lint bot", ""),
        ("Widgetfmt Auto-fixes", "widgetfmt@tools.example"),
        ("widgets-release", "widgets-release@compilers.example"),
        ("widgets-nightly-release", ""),
        ("Widgetfmt Auto fixes", ""),
        ("FICTIONAL Team", "exports@compilers.example"),  # a project's export account
        ("Github Fictionalproject", "automation@compilers.example"),
        ("WIDGETS Exterminator", "noreply+2826775@compilers.example"),  # a codemod co-author
        ("Ada Quill", "no-reply@compilers.example"),
        ("generatedunixname8900200", "ada@compilers.example"),
        ("Widget Bot Jr.", "generatedunixname8900200@compilers.example"),
        ("Git bot", "someone@compilers.example"),  # submodule updates
        ("CI Bot", ""),
        ("Submodule Bot", "someone@compilers.example"),
        ("WidgetSecurity Bot", "bot@widgetsecurity.example"),  # a hardening service's commits
        # coding agents' GitHub accounts and trailer names (the tools', not people's)
        ("Someone", "9002+codex@users.noreply.github.com"),
        ("Someone", "9003+kiro-agent@users.noreply.github.com"),
        ("Qwen-Coder", ""),
        ("TRAE CLI", ""),
        ("Replit AI Agent", ""),
        ("Copilot Autofix powered by AI", ""),
        ("Ada Quill (aider)", "ada@compilers.example"),  # aider's mark on the commits it writes
        ("root", "root@node0053.cluster.compilers.example"),  # an unconfigured machine's account
        ("Super User", "root@build-host.example"),
        ("Root User", "root@build-host.example"),
        ("Administrator", "root@build-host.example"),
        ("Ubuntu", "ubuntu@ip-10-0-0-7.compute.example"),
    ],
)
def test_tools_and_assistants_are_not_people(name: str, address: str) -> None:
    assert not_people().ident(name, address)


@pytest.mark.parametrize(
    ("name", "address"),
    [
        ("Claude Fictional", "claude@compilers.example"),  # a person called Claude
        ("Manus Fictional", "manus@compilers.example"),  # and people called Manus
        ("Manus Ai", "manus.ai@compilers.example"),
        ("Devin", "devin@compilers.example"),  # one-word names in git are people's too
        ("Clint Bot", "clint@compilers.example"),  # Bot is a surname
        ("Flint Bot", ""),
        ("Ada Fictional", "ada@assistant-vendor.example"),
        ("Cy Authorsson", "cy@compilers.example"),
        ("Talbot", "talbot@compilers.example"),  # words and surnames that end in "bot"
        ("Ada Abbot", ""),
        ("Cy Bot", ""),
        ("Cy Bot", "cy.bot@compilers.example"),
        ("Doc Bot", ""),  # a nickname and a surname, not the docs tool
        ("root", "ada@compilers.example"),  # git never configured, a real address: a person
        ("Ada Quill", "dev@quill.example"),  # people's own domains' accounts
        ("Cy Lin", "admin@cylin.example"),
        ("Ada Quill", "root@quill.example"),  # a person's name on her own domain's root@
        ("Ada Root", "ada.root@compilers.example"),
        ("Ada Lin Team", "ada@compilers.example"),  # "X Team" is one word and Team
        ("Ada Teamson", "ada@compilers.example"),
        ("Ada Autofixer-Quill", "ada@compilers.example"),  # words that start like a tool's
        ("Cy Release", "cy@compilers.example"),  # a surname, not a hyphenated account
        ("Team", "team@compilers.example"),  # one word: a name, not "X Team"
        ("Ada Quill", "4242+noreply-fan@users.noreply.github.com"),  # her own noreply
        # agents' one-word names are people's and words too: only their addresses mark them
        ("Amp", "amp@compilers.example"),
        ("Jules Fictional", "jules@compilers.example"),
        ("Oz", "oz@compilers.example"),
        ("Ada Quill (aide)", "ada@compilers.example"),
        ("", ""),
    ],
)
def test_people_with_similar_names_or_domains_are_people(name: str, address: str) -> None:
    assert not not_people().ident(name, address)


def test_an_assistants_noreply_address_is_caught_and_its_makers_are_people() -> None:
    """Address rules name automation accounts, never a whole vendor domain: the people who
    build an AI assistant commit from the same domain as its noreply trailer."""
    rules = parse_not_people([("locals: ['noreply@assistant-vendor\\.example']\n", "t.yml")])
    assert rules.address("NoReply@assistant-vendor.example")
    assert not rules.address("ada@assistant-vendor.example")
    assert not rules.address("not an address")


def test_each_agents_own_address_is_caught_and_its_vendors_people_are_not() -> None:
    """The shipped rules name coding agents by their own co-author addresses (`amp@…`), each
    one literal address: the agent is caught, and anyone else at the vendor's domain is a
    person. Read from the rule file itself, so the tests hold no real address."""
    shipped = resources.files("bot.people").joinpath("not_people.yml").read_text("utf-8")
    literal = [
        p.replace("\\.", ".")
        for p in yaml.safe_load(shipped)["locals"]
        if "@" in p and not set(p.replace("\\.", "")) & set("()[]{}?*+|^$\\")
    ]
    assert len(literal) >= 15  # the agents' addresses, and GitHub's own
    rules = not_people()
    for address in literal:
        domain = address.split("@", 1)[1]
        assert rules.ident("Someone", address), address
        assert not rules.ident("Ada Fictional", f"ada.fictional@{domain}"), domain


def test_a_bad_rule_file_is_one_line_naming_it() -> None:
    with pytest.raises(ConfigError, match=r"team\.yml: expected the keys names, domains, locals,"):
        parse_not_people([("people: [x]\n", "team.yml")])
    with pytest.raises(ConfigError, match="is not a pattern"):
        parse_not_people([("names: ['(']\n", "team.yml")])


def test_githubs_automation_domain_is_a_tools_but_peoples_noreply_domain_is_not() -> None:
    """GitHub's bare noreply domain is automation; people's own noreply addresses live one
    level down (users.noreply.github.com) and stay people's."""
    rules = not_people()
    assert rules.domains.fullmatch("noreply.github.com")
    assert not rules.domains.fullmatch("users.noreply.github.com")


@pytest.mark.parametrize(
    ("name", "repo", "tool"),
    [
        ("Widgets Bot", "acme/widgets", True),
        ("widgets robot", "acme/widgets", True),
        ("Acme Bot", "acme/widgets", False),  # the owner's name: a person's login, for all we know
        ("Cy Bot", "cy/tools", False),
        ("Wid Gets Bot", "acme/wid-gets", True),  # spelled apart, as folder names are
        ("Cy Bot", "acme/widgets", False),  # a person with the surname Bot
        ("Widgets Bot", "acme/gadgets", False),  # another project's name is a name
        ("Widgets", "acme/widgets", False),
        ("Bot", "acme/bot", False),
        ("Widgets Bot", "", False),
    ],
)
def test_the_projects_own_name_and_bot_is_its_automation(name: str, repo: str, tool: bool) -> None:
    assert project_bot(name, repo) is tool
    assert tool_name(name, repo) is tool

"""Authors that are not people: AI assistants, tools, pseudo-authors and unmarked bots.

An AI assistant's `Co-authored-by:` trailer, a `shardy authors` import account or
a `[sync-bot]` committer did work that csf keeps as history, but none of them is someone a
hiring team can talk to, so they are marked `is_bot` and never ranked. The rules are data
(`not_people.yml`), corrected per record by hand (`csf people mark`); addresses are seen only
here, at the boundary of a source, and never stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from bot.errors import ConfigError
from bot.store.identity import looks_like_bot
from bot.taxonomy.terms import fold_word


@dataclass(frozen=True)
class NotPeople:
    """Compiled rules: a name, login or address matching one is not a person."""

    names: re.Pattern[str]
    domains: re.Pattern[str]
    locals: re.Pattern[str]
    machine_locals: re.Pattern[str]
    machine_names: re.Pattern[str]

    def name(self, text: str | None) -> bool:
        """Whether a display name or login names a tool, an assistant or a pseudo-author."""
        return bool(text) and self.names.fullmatch(_plain(text)) is not None

    def address(self, address: str | None) -> bool:
        """Whether an address belongs to an AI vendor or an automation account."""
        if not address or "@" not in address:
            return False
        lowered = address.strip().lower()
        domain = lowered.rsplit("@", 1)[1]
        return bool(self.domains.fullmatch(domain) or self.locals.fullmatch(lowered))

    def machine(self, name: str | None, address: str | None) -> bool:
        """Whether a name and address are a machine's own account (`root <root@host>`), which
        names no one; the account's address under a person's name is that person's."""
        if not address or "@" not in address:
            return False
        return self.machine_locals.fullmatch(address.strip().lower()) is not None and (
            not _plain(name) or self.machine_name(name)
        )

    def machine_name(self, name: str | None) -> bool:
        """Whether a name is a machine account's own (`root`, `Super User`): a record known only
        by it is no one, until a person's name appears on its address."""
        plain = _plain(name)
        return bool(plain) and self.machine_names.fullmatch(plain) is not None

    def ident(self, name: str | None, address: str | None) -> bool:
        return self.name(name) or self.address(address) or self.machine(name, address)


def _plain(text: str | None) -> str:
    """A name as the rules read it: lower case, one space between words."""
    return " ".join(str(text or "").split()).lower()


def _union(patterns: list[str], source: str, key: str) -> re.Pattern[str]:
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as error:
            raise ConfigError(f"{source}: {key}: {pattern!r} is not a pattern: {error}") from None
    return re.compile("|".join(f"(?:{p})" for p in patterns) or "(?!)")


def parse_not_people(texts: list[tuple[str, str]]) -> NotPeople:
    """Rules from YAML texts, (text, source name) each; later files add to earlier ones."""
    merged: dict[str, list[str]] = {
        "names": [],
        "domains": [],
        "locals": [],
        "machine_locals": [],
        "machine_names": [],
    }
    for text, source in texts:
        try:
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError as error:
            raise ConfigError(f"{source}: not valid YAML: {error}") from None
        if not isinstance(data, dict) or set(data) - set(merged):
            raise ConfigError(f"{source}: expected the keys {', '.join(merged)} with lists")
        for key, values in data.items():
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise ConfigError(f"{source}: {key} must be a list of patterns")
            merged[key].extend(values)
    return NotPeople(
        **{key: _union(patterns, "not_people", key) for key, patterns in merged.items()}
    )


@cache
def not_people() -> NotPeople:
    """The shipped rules, compiled once."""
    shipped = resources.files("bot.people").joinpath("not_people.yml").read_text(encoding="utf-8")
    return parse_not_people([(shipped, "bot/people/not_people.yml")])


def tool_name(text: str | None, repo: str = "") -> bool:
    """Whether a name or login is a bot's or a tool's: by bots' own shapes (`x[bot]`,
    `dependabot`), by the rules, or as the project's own bot account in `repo` (OWNER/NAME;
    `project_bot`). A name alone says who committed, not whose work it is."""
    if not text:
        return False
    return looks_like_bot(text) or not_people().name(text) or project_bot(text, repo)


_BOT_WORDS = ("bot", "robot")


def project_bot(name: str, repo: str) -> bool:
    """Whether `name` is the repository's own name, then "Bot": "Widgets Bot" in acme/widgets
    is the project's automation account (CI tag updates, owner-file syncs). The rules cannot
    say it without the repository: one word and "Bot" is also a person's name with the surname
    Bot ("Cy Bot"), and stays one anywhere else. The owner's name does not count: a person's
    own repositories are under their login (cy/tools)."""
    words = name.split()
    if len(words) < 2 or words[-1].casefold() not in _BOT_WORDS or "/" not in repo:
        return False
    head = fold_word(" ".join(words[:-1]))
    return bool(head) and head == fold_word(repo.split("/", 1)[1])

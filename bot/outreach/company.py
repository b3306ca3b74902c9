"""The hiring team's profile: who writes, what the team builds, the roadmap a message ties into.

Outreach that says nothing about the work on offer reads as recruiter mail, and compiler
engineers ignore it; so every draft names a roadmap theme of the team that fits the person's own
work. The profile is a YAML file named by CSF_COMPANY_PROFILE (start from
bot/outreach/example_company.yml), validated with file:line errors like every team-edited file.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from yaml.nodes import Node

from bot.config import ENV_NAMES
from bot.datafile import Reader, compose, line_of, read_text
from bot.errors import ConfigError, DataFileError
from bot.outreach.roles import Role, RoleBook
from bot.outreach.work import Work

SETTING = ENV_NAMES["company_profile"]
EXAMPLE = "bot/outreach/example_company.yml"
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_TOP_KEYS = {"name", "builds", "website", "location", "sender", "roadmap", "roles", "privacy"}
_SENDER_KEYS = {"name", "role", "email"}
_THEME_KEYS = {"name", "detail", "topics", "keywords"}
_PRIVACY_KEYS = {"contact"}


@dataclass(frozen=True)
class Theme:
    """A roadmap theme, and the work (taxonomy tags, title words) it is close to."""

    key: str
    name: str  # as a message names it: "an MLIR-based compiler for our new accelerator"
    detail: str | None
    topics: tuple[str, ...]
    keywords: tuple[str, ...]
    line: int

    def matches(self, work: Work) -> bool:
        if any(fnmatch.fnmatchcase(tag, wanted) for tag in work.topics for wanted in self.topics):
            return True
        title = (work.title or "").casefold()
        return any(
            re.search(rf"(?<![a-z0-9]){re.escape(k.casefold())}(?![a-z0-9])", title)
            for k in self.keywords
        )


@dataclass(frozen=True)
class Sender:
    name: str
    role: str
    email: str | None


@dataclass(frozen=True)
class Company:
    name: str
    builds: str  # finishes "we build ..."
    website: str | None
    location: str | None  # finishes "the role is ...": "based in London, or remote in the UK"
    sender: Sender
    roadmap: tuple[Theme, ...]
    # Roles the team hires for, in order (the first is the default), with what the person
    # would do here ("someone who ..."); an empty pitch means the role file's own.
    roles: tuple[tuple[str, str | None, int], ...]
    privacy_contact: str | None
    source: str

    def role(self, book: RoleBook, name: str | None = None) -> Role:
        """The role a draft names: `name`, else the first the team hires for, else the default."""
        for key, _, line in self.roles:
            if key not in {r.key for r in book.roles}:
                known = ", ".join(r.key for r in book.roles)
                raise DataFileError(
                    f"{self.source}:{line}: roles: unknown role {key!r} (known: {known})"
                )
        if name is not None:
            return book.get(name)
        return book.get(self.roles[0][0] if self.roles else None)

    def pitch(self, role: Role) -> str:
        for key, pitch, _ in self.roles:
            if key == role.key and pitch:
                return pitch
        return role.pitch

    def theme_for(self, work: Iterable[Work], cited: Iterable[Work] = ()) -> tuple[Theme, bool]:
        """The theme closest to a person's work (cited work counts thrice); and whether any is.

        Ties go to the earlier theme, so the team's first priority wins when nothing decides.
        """
        scores = [0] * len(self.roadmap)
        for weight, items in ((1, list(work)), (3, list(cited))):
            for item in items:
                for i, theme in enumerate(self.roadmap):
                    if theme.matches(item):
                        scores[i] += weight
        best = max(range(len(scores)), key=lambda i: (scores[i], -i))
        return self.roadmap[best], scores[best] > 0


class _CompanyReader(Reader):
    def company(self, root: Node) -> Company:
        top = self.settings(
            root, "the company profile", _TOP_KEYS, ("name", "builds", "sender", "roadmap")
        )
        sender_node = top["sender"]
        sender = self.settings(sender_node, "sender", _SENDER_KEYS, ("name", "role"))
        email = None
        if "email" in sender:
            email = self.text(sender["email"], "sender email")
            if not _EMAIL.match(email):
                raise self.fail(sender["email"], f"sender email {email!r} is not an address")
        themes = []
        for key, key_node, node in self.items(top["roadmap"], "roadmap"):
            where = f"roadmap theme {key!r}"
            self.key(key, key_node, where)
            found = self.settings(node, where, _THEME_KEYS, ("name",))
            themes.append(
                Theme(
                    key=key,
                    name=self.text(found["name"], f"{where} name"),
                    detail=self.text(found["detail"], f"{where} detail")
                    if "detail" in found
                    else None,
                    topics=self.texts(found["topics"], f"{where} topics")
                    if "topics" in found
                    else (),
                    keywords=self.texts(found["keywords"], f"{where} keywords")
                    if "keywords" in found
                    else (),
                    line=line_of(key_node),
                )
            )
        if not themes:
            raise self.fail(top["roadmap"], "the roadmap needs at least one theme")
        roles: list[tuple[str, str | None, int]] = []
        if "roles" in top:
            for key, key_node, node in self.items(top["roles"], "roles"):
                pitch = None
                if node.tag != "tag:yaml.org,2002:null":
                    pitch = self.text(node, f"roles: the pitch of {key!r}")
                roles.append((key, pitch, line_of(key_node)))
        privacy = None
        if "privacy" in top:
            found = self.settings(top["privacy"], "privacy", _PRIVACY_KEYS, ("contact",))
            privacy = self.text(found["contact"], "privacy contact")
        return Company(
            name=self.text(top["name"], "name"),
            builds=self.text(top["builds"], "builds"),
            website=self.url(top["website"], "website") if "website" in top else None,
            location=self.text(top["location"], "location") if "location" in top else None,
            sender=Sender(
                name=self.text(sender["name"], "sender name"),
                role=self.text(sender["role"], "sender role"),
                email=email,
            ),
            roadmap=tuple(themes),
            roles=tuple(roles),
            privacy_contact=privacy,
            source=self.source,
        )


def parse_company(text: str, source: str) -> Company:
    return _CompanyReader(source).company(compose(text, source))


def load_company(path: str | Path | None) -> Company:
    """The company profile CSF_COMPANY_PROFILE names; unset is a one-line error naming it."""
    if path is None:
        raise ConfigError(
            f"{SETTING} is not set: outreach needs the hiring team's profile (name, roadmap, "
            f"sender); copy {EXAMPLE} and point {SETTING} at it"
        )
    return parse_company(read_text(path, "company profile", SETTING), str(path))


def example_company() -> Company:
    """The fictional company shipped with csf, for the offline demo and tests."""
    shipped = resources.files("bot.outreach").joinpath("example_company.yml")
    text = shipped.read_text(encoding="utf-8")
    return parse_company(text, EXAMPLE)

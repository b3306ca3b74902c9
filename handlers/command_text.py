"""What a person typed after `/csf`, read into a command, or a short answer saying how to ask.

Slack gives the text raw (the manifest sets `should_escape: false`), from phones with smart
quotes, pasted URLs and stray control characters; anything that is not a command we know gets
a `UsageError` naming the command and an example, never an exception that reaches the user.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.errors import CsfError

MAX_TEXT = 500  # longer input is refused: nothing csf answers needs more

# subcommand -> (usage, example, what it does)
USAGE: dict[str, tuple[str, str, str]] = {
    "who": (
        "who WORDS… [--region uk|eu|europe|us|other|unknown] [--limit N] [--window-days D]",
        "who mlir bufferization --region uk",
        "the people who matter most in an area, with evidence",
    ),
    "map": (
        "map WORDS… [--region uk|eu|europe|us|other|unknown] [--window-days D]",
        "map mlir --region europe",
        "where an area's high-signal people live, work and study",
    ),
    "profile": ("profile LOGIN", "profile ada-fictional", "one person across every topic"),
    "outreach": ("outreach LOGIN", "outreach ada-fictional", "a first message about their work"),
    "saved": (
        "saved [saved|contacted|replied|interviewing|not_now|not_a_fit]",
        "saved contacted",
        "the team's shortlist",
    ),
    "save": ("save LOGIN", "save ada-fictional", "put a person on the shortlist"),
    "digest": ("digest", "digest", "preview the next weekly digest (only to you)"),
    "track": (
        "track add OWNER/NAME [ECOSYSTEM] | track list | track remove OWNER/NAME",
        "track add llvm/llvm-project",
        "choose the repositories csf follows",
    ),
    "topics": ("topics [ECOSYSTEM]", "topics mlir", "the ecosystems and topics csf knows"),
    "forget": ("forget LOGIN", "forget ada-fictional", "erase a person and never store them again"),
    "help": ("help", "help", "this list"),
}
OPTIONS: dict[str, set[str]] = {
    "who": {"region", "limit", "window-days", "as-of"},
    "map": {"region", "window-days"},
}
FLAG_LIMITS = {"limit": (1, 50), "window-days": (1, 3650)}

_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")
_PROFILE_URL = re.compile(r"^<?https?://(?:www\.)?github\.com/([^/|>?#\s]+)/?(?:[|>?#].*)?$")
_OPTION = re.compile(r"^--[a-z][a-z-]*(=.*)?$", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "—": "--", "–": "--"})


class UsageError(CsfError):
    """Input that is not a command: the message says how to ask, with an example."""

    def __init__(self, message: str, command: str | None = None) -> None:
        super().__init__(message)
        self.command = command


@dataclass
class Command:
    name: str
    args: list[str] = field(default_factory=list)
    options: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The arguments as one string, e.g. the words of a `who` query."""
        return " ".join(self.args)


def clean(text: str) -> str:
    """Text with phone punctuation straightened and invisible characters turned into spaces."""
    return " ".join(_CONTROL.sub(" ", text.translate(_QUOTES)).split())


def parse(text: str) -> Command:
    """Read `/csf` text into a `Command`; raise `UsageError` for anything else."""
    if len(text) > MAX_TEXT:
        raise UsageError(f"that is {len(text):,} characters; csf reads at most {MAX_TEXT}")
    words = clean(text).split()
    if not words:
        raise UsageError("tell csf what to do")
    name = words[0].lower().lstrip("/")
    if name not in USAGE:
        raise UsageError(f"csf has no command {_quote(words[0])}")
    args: list[str] = []
    options: dict[str, str] = {}
    rest = iter(words[1:])
    for word in rest:
        if not _OPTION.match(word):  # "--" alone, "-->" and the like are just words
            args.append(word.strip("\"'"))
            continue
        key, _, value = word[2:].partition("=")
        key = key.lower()
        if key not in OPTIONS.get(name, set()):
            raise UsageError(f"{name} has no option {_quote(word)}", name)
        if not value:
            value = next(rest, "")
        if not value or value.startswith("--"):
            raise UsageError(f"--{key} needs a value", name)
        options[key] = value.lower()
    command = Command(name, [a for a in args if a], options)
    _check(command)
    return command


def _check(command: Command) -> None:
    name, args = command.name, command.args
    for key, (low, high) in FLAG_LIMITS.items():
        if key in command.options:
            value = command.options[key]
            if not value.isdigit() or not low <= int(value) <= high:
                raise UsageError(f"--{key} takes a number from {low} to {high}", name)
    if name in ("who", "map") and not args:
        raise UsageError(f"{name} needs an area, such as an ecosystem and a topic", name)
    if name in ("profile", "outreach", "save", "forget"):
        if len(args) != 1:
            raise UsageError(f"{name} takes one GitHub login", name)
        args[0] = login_from(args[0], name)
    if name == "track":
        if not args or args[0].lower() not in ("add", "list", "remove"):
            raise UsageError("track takes add, list or remove", name)
        args[0] = args[0].lower()
        if args[0] in ("add", "remove") and len(args) < 2:
            raise UsageError(f"track {args[0]} needs a repository as OWNER/NAME", name)
    if name in ("saved", "topics", "digest", "help") and len(args) > 1:
        raise UsageError(f"{name} takes at most one word", name)


def login_from(text: str, command: str | None = None) -> str:
    """A GitHub login from `login`, `@login` or a pasted profile URL."""
    match = _PROFILE_URL.match(text)
    candidate = match.group(1) if match else text.removeprefix("@")
    if not _LOGIN.match(candidate):
        raise UsageError(f"{_quote(text)} is not a GitHub login", command)
    return candidate.lower()


def _quote(text: str) -> str:
    shown = text if len(text) <= 40 else text[:39] + "…"
    return f"“{shown}”"

"""What a person typed after `/csf`, read into a command, or a short answer saying how to ask.

Slack gives the text raw (the manifest sets `should_escape: false`), from phones with smart
quotes, pasted URLs and stray control characters; anything that is not a command we know gets
a `UsageError` naming the command and an example, never an exception that reaches the user.
Which names and options exist, and what words each takes, comes from the registry.
"""

from __future__ import annotations

import re

from bot.dates import parse_date
from bot.errors import CsfError
from bot.store.identity import typed_login
from handlers.commands.registry import SUBCOMMANDS, Command, UsageError

MAX_TEXT = 500  # longer input is refused: nothing csf answers needs more
FLAG_LIMITS = {"limit": (1, 50), "window-days": (1, 3650)}
FLAG_ON = "true"  # how a flag given (`--active`) is held among the options

_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")
_PERSON_ID = re.compile(r"^#[0-9]{1,18}$")
_OPTION = re.compile(r"^--[a-z][a-z-]*(=.*)?$", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_SLACK_LINK = re.compile(r"<(https?://[^|>\s]*)(?:\|[^>]*)?>", re.IGNORECASE)
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "—": "--", "–": "--"})


def clean(text: str) -> str:
    """Text with phone punctuation straightened, invisible characters turned into spaces, and
    the links Slack wraps (`<https://…>`, `<https://…|label>`) back to what was typed."""
    text = _SLACK_LINK.sub(r"\1", text)
    return " ".join(_CONTROL.sub(" ", text.translate(_QUOTES)).split())


def parse(text: str) -> Command:
    """Read `/csf` text into a `Command`; raise `UsageError` for anything else."""
    if len(text) > MAX_TEXT:
        raise UsageError(f"that is {len(text):,} characters; csf reads at most {MAX_TEXT}")
    words = clean(text).split()
    if not words:
        raise UsageError("tell csf what to do")
    name = words[0].lower().lstrip("/")
    if name not in SUBCOMMANDS:
        raise UsageError(f"csf has no command {quote(words[0])}")
    allowed = SUBCOMMANDS[name].options
    args: list[str] = []
    options: dict[str, str] = {}
    rest = iter(words[1:])
    for word in rest:
        if not _OPTION.match(word):  # "--" alone, "-->" and the like are just words
            args.append(word.strip("\"'"))
            continue
        key, equals, value = word[2:].partition("=")
        key = key.lower()
        if key not in allowed:
            raise UsageError(f"{name} has no option {quote(word)}", name)
        if key in SUBCOMMANDS[name].flags:
            if equals:
                raise UsageError(f"--{key} takes no value", name)
            options[key] = FLAG_ON  # the next word stays a word of the question
            continue
        if not value:
            value = next(rest, "")
        if not value or value.startswith("--"):
            raise UsageError(f"--{key} needs a value", name)
        options[key] = value.lower()
    command = Command(name, [a for a in args if a], options)
    check(command)
    return command


def written(word: str) -> str:
    """A word of a question as it is typed to be read back as that word: one that would read
    as an option ("--stated", the word) in quotes, as `parse` found it; the rest as they are."""
    return f'"{word}"' if _OPTION.match(word) else word


def check(command: Command) -> None:
    """Raise `UsageError` unless the command's options and words are ones it takes.

    `parse` ends here; so does a command rebuilt from a button's state, which is checked by
    the same rules as typed text.
    """
    allowed = SUBCOMMANDS[command.name].options
    for key in command.options:
        if key not in allowed:  # parse() stops at the first; this is for rebuilt commands
            raise UsageError(f"{command.name} has no option {quote('--' + key)}", command.name)
    for key in SUBCOMMANDS[command.name].flags & set(command.options):
        if command.options[key] != FLAG_ON:
            raise UsageError(f"--{key} takes no value", command.name)
    if "as-of" in command.options:
        try:
            parse_date(command.options["as-of"], "--as-of")
        except CsfError as error:  # the CLI's own words for the same mistake
            raise UsageError(str(error), command.name) from None
    for key, (low, high) in FLAG_LIMITS.items():
        if key in command.options:
            value = command.options[key]
            if not value.isdigit() or not low <= int(value) <= high:
                raise UsageError(f"--{key} takes a number from {low} to {high}", command.name)
    SUBCOMMANDS[command.name].check(command)


# -- the shapes of arguments subcommands share ---------------------------------------------------


def needs_area(command: Command) -> None:
    """`who` and `map`: at least one word naming an area."""
    if not command.args:
        raise UsageError(
            f"{command.name} needs an area, such as an ecosystem and a topic", command.name
        )


def one_login(command: Command) -> None:
    """One GitHub login (or `@login`, or a profile URL), stored as the bare lower-case login."""
    if len(command.args) != 1:
        raise UsageError(f"{command.name} takes one GitHub login", command.name)
    command.args[0] = login_from(command.args[0], command.name)


def one_person(command: Command) -> None:
    """One person: a login as `one_login` takes it, or `#ID` for someone known from git alone
    (cards and lists show that number where there is no login)."""
    if len(command.args) == 1 and _PERSON_ID.match(command.args[0]):
        return
    one_login(command)


def at_most_one_word(command: Command) -> None:
    if len(command.args) > 1:
        raise UsageError(f"{command.name} takes at most one word", command.name)


def login_from(text: str, command: str | None = None) -> str:
    """A GitHub login from `login`, `@login` or a pasted profile URL."""
    candidate = typed_login(text)
    if not _LOGIN.match(candidate):
        raise UsageError(f"{quote(text)} is not a GitHub login", command)
    return candidate.lower()


def quote(text: str) -> str:
    """User text inside curly quotes, cut short: enough to recognise, never a wall of it."""
    shown = text if len(text) <= 40 else text[:39] + "…"
    return f"“{shown}”"

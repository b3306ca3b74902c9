"""The one list of `/csf` subcommands: parsing, help and dispatch all read `SUBCOMMANDS`.

Each subcommand module registers itself with `@subcommand(...)` on its answer function, with
its usage line, an example and what it does; adding a subcommand is adding one module (and
importing it in handlers/commands/__init__.py, whose order is the order `/csf help` shows).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlmodel import Session

from bot.errors import CsfError
from handlers.answer import Answer, Asker
from handlers.context import AppContext


class UsageError(CsfError):
    """Input that is not a command: the message says how to ask, with an example."""

    def __init__(self, message: str, command: str | None = None) -> None:
        super().__init__(message)
        self.command = command


@dataclass
class Command:
    """A parsed `/csf` line: the subcommand's name, its words, and its `--options`."""

    name: str
    args: list[str] = field(default_factory=list)
    options: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The arguments as one string, e.g. the words of a `who` query."""
        return " ".join(self.args)


AnswerFunction = Callable[[AppContext, Session, Command, Asker], Answer]
ArgumentCheck = Callable[[Command], None]


def _any_arguments(_command: Command) -> None:
    """The check of a subcommand that takes whatever words it is given."""


@dataclass(frozen=True)
class Subcommand:
    """One `/csf` subcommand: how it is written, what it does, and the function that answers."""

    name: str
    usage: str  # after `/csf `, e.g. "profile LOGIN"
    example: str  # after `/csf `; it must parse (a test checks)
    what: str  # one line for `/csf help`
    answer: AnswerFunction
    options: frozenset[str] = frozenset()  # the `--options` it accepts
    check: ArgumentCheck = _any_arguments  # raises UsageError for words it cannot take
    flags: frozenset[str] = frozenset()  # options that take no value (`--active`)


SUBCOMMANDS: dict[str, Subcommand] = {}


def subcommand(
    name: str,
    *,
    usage: str,
    example: str,
    what: str,
    options: frozenset[str] = frozenset(),
    check: ArgumentCheck = _any_arguments,
    flags: frozenset[str] = frozenset(),
) -> Callable[[AnswerFunction], AnswerFunction]:
    """Register the decorated function as the answer to `/csf NAME`."""

    def register(answer: AnswerFunction) -> AnswerFunction:
        if name in SUBCOMMANDS:
            raise ValueError(f"/csf {name} is registered twice")
        SUBCOMMANDS[name] = Subcommand(
            name, usage, example, what, answer, options | flags, check, flags
        )
        return answer

    return register

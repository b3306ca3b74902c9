"""One registry of `/csf` subcommands: parsing, help and dispatch all read it, so a subcommand
added to it is parsed, listed and answered with nothing else to edit."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session

from handlers.answer import Answer, Asker
from handlers.commands import SUBCOMMANDS, answer_command, parse
from handlers.commands.help import help_message
from handlers.commands.registry import Command, Subcommand, UsageError, subcommand

# The order `/csf help` shows; each lives in handlers/commands/<name>.py.
NAMES = ["who", "map", "profile", "outreach", "saved", "save", "digest", "track", "topics"]
NAMES += ["forget", "help"]


def _texts(message: dict[str, Any]) -> str:
    return "\n".join(str(b.get("text", {}).get("text", "")) for b in message["blocks"])


def test_each_subcommand_is_one_module_of_the_package() -> None:
    assert list(SUBCOMMANDS) == NAMES
    for name, known in SUBCOMMANDS.items():
        assert known.name == name
        assert known.answer.__module__ == f"handlers.commands.{name}"


@pytest.mark.parametrize("name", NAMES)
def test_each_example_parses_as_its_own_subcommand(name: str) -> None:
    known = SUBCOMMANDS[name]
    assert parse(known.example).name == name
    assert known.usage.split()[0] == name


def test_help_lists_the_registry_in_order() -> None:
    listing = _texts(help_message())
    positions = [listing.index(f"`/csf {SUBCOMMANDS[n].usage}`") for n in NAMES]
    assert positions == sorted(positions)


def test_a_usage_error_shows_its_own_subcommands_usage() -> None:
    with pytest.raises(UsageError) as caught:
        parse("profile two logins")
    shown = _texts(help_message(caught.value))
    assert "Usage: `/csf profile LOGIN`" in shown
    assert "For example: `/csf profile ada-fictional`" in shown


def test_a_registered_subcommand_is_parsed_listed_and_answered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[Command] = []

    def echo(_ctx: Any, _session: Session, command: Command, _asker: Asker) -> Answer:
        calls.append(command)
        return Answer({"text": "echoed", "blocks": []})

    def one_word(command: Command) -> None:
        if len(command.args) != 1:
            raise UsageError("echo takes one word", "echo")

    monkeypatch.setitem(
        SUBCOMMANDS,
        "echo",
        Subcommand(
            "echo",
            "echo WORD [--loud X]",
            "echo hi",
            "says it back",
            echo,
            frozenset({"loud"}),
            one_word,
        ),
    )
    command = parse("echo hi --loud yes")
    assert (command.name, command.args, command.options) == ("echo", ["hi"], {"loud": "yes"})
    with pytest.raises(UsageError, match="echo has no option"):
        parse("echo hi --quiet yes")
    with pytest.raises(UsageError, match="echo takes one word"):
        parse("echo")
    assert "`/csf echo WORD [--loud X]`\n      says it back" in _texts(help_message())
    answer = answer_command(None, None, command, Asker("T1", "U1"))  # type: ignore[arg-type]
    assert answer.message["text"] == "echoed"
    assert calls == [command]


def test_a_name_cannot_be_registered_twice() -> None:
    with pytest.raises(ValueError, match="registered twice"):
        subcommand("who", usage="who", example="who x", what="again")(SUBCOMMANDS["who"].answer)

"""Reading `/csf` text: commands, options, logins; everything else gets a usage answer."""

from __future__ import annotations

import pytest

from handlers.commands.parse import login_from, parse
from handlers.commands.registry import UsageError


def test_who_words_and_options() -> None:
    command = parse("who  Triton AMD backend --region=UK --limit 5")
    assert command.name == "who"
    assert command.args == ["Triton", "AMD", "backend"]
    assert command.options == {"region": "uk", "limit": "5"}
    assert parse("WHO mlir --window-days 30").options == {"window-days": "30"}


def test_a_flag_takes_no_value_and_leaves_the_next_word_in_the_question() -> None:
    command = parse("who mlir --active bufferization --as-of 2025-01-31")
    assert command.args == ["mlir", "bufferization"]
    assert command.options == {"active": "true", "as-of": "2025-01-31"}


def test_phone_punctuation_and_invisible_characters() -> None:
    command = parse("who “mlir” —region uk\u200b")
    assert command.args == ["mlir"]
    assert command.options == {"region": "uk"}
    assert parse("who mlir -- x").args == ["mlir", "--", "x"]


@pytest.mark.parametrize(
    ("text", "message", "command"),
    [
        ("", "tell csf what to do", None),
        ("hire everyone", "no command “hire”", None),
        ("who", "who needs an area", "who"),
        ("who mlir --colour red", "who has no option “--colour”", "who"),
        ("who mlir --region", "--region needs a value", "who"),
        ("who mlir --limit 0", "--limit takes a number from 1 to 50", "who"),
        # --as-of is read by the CLI's own reader: the same words for the same mistakes.
        ("who mlir --as-of banana", "--as-of 'banana' is not a date: write YYYY-MM-DD", "who"),
        ("who mlir --as-of 2024-02-30", "--as-of '2024-02-30' is not a date", "who"),
        ("who mlir --as-of 3001-01-01", "is out of range: give a date from 1970-01-01", "who"),
        ("who mlir --active=yes", "--active takes no value", "who"),
        ("profile a b", "profile takes one GitHub login", "profile"),
        ("save -bad-", "is not a GitHub login", "save"),
        ("track", "track takes add, list or remove", "track"),
        ("track add", "track add needs a repository", "track"),
        ("topics mlir llvm", "topics takes at most one word", "topics"),
        ("a" * 501, "csf reads at most 500", None),
    ],
)
def test_what_is_not_a_command_says_how_to_ask(
    text: str, message: str, command: str | None
) -> None:
    with pytest.raises(UsageError) as raised:
        parse(text)
    assert message in str(raised.value)
    assert raised.value.command == command


def test_logins_from_handles_and_profile_urls() -> None:
    assert login_from("@Ada-Fictional") == "ada-fictional"
    assert login_from("https://github.com/ada-fictional/") == "ada-fictional"
    assert login_from("<https://github.com/ada-fictional|ada>") == "ada-fictional"
    assert parse("profile https://github.com/Bo-Fictional").args == ["bo-fictional"]
    for bad in ("ada--x", "-ada", "a" * 40, "https://evil.test/ada", "ada;drop"):
        with pytest.raises(UsageError):
            login_from(bad)

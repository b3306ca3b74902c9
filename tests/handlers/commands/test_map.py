"""The `/csf map` line a Share button carries reads back as the very question asked."""

from __future__ import annotations

import pytest

from handlers.commands.map import map_line
from handlers.commands.parse import parse


@pytest.mark.parametrize(
    "typed",
    [
        "map mlir bufferization --region europe --stated",
        'map mlir "--stated" bufferization',  # the word, not the flag
        "map mlir “--region=uk” --community llvm",  # a phone's quotes
        "map 'triton' \"--Window-Days\" amd --window-days 30",
        "map mlir -- --> x",  # words that never read as options stay as they are
    ],
)
def test_a_share_buttons_line_reads_back_as_the_question_asked(typed: str) -> None:
    command = parse(typed)
    line = map_line(command)
    assert parse(line) == command
    assert map_line(parse(line)) == line  # and stays the same line, click after click
    assert len(line) <= len(typed)


def test_a_word_that_reads_as_a_flag_is_quoted_on_the_line() -> None:
    command = parse('map mlir "--stated"')
    assert command.args == ["mlir", "--stated"]
    assert command.options == {}
    assert map_line(command) == 'map mlir "--stated"'

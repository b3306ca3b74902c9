"""A reader run in a child process: its items in order, its errors raised here, and a child
that never outlives a parent that stopped reading."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from bot.errors import CsfError
from bot.sources.aside import BATCH, ReaderStoppedError, aside

READERS = "tests.support.aside_readers"


def _until_raised(items: Iterator[int], seen: list[int]) -> None:
    for item in items:
        seen.append(item)


def test_every_item_arrives_in_order_across_frames() -> None:
    n = 3 * BATCH + 7
    assert list(aside(f"{READERS}:count", n)) == list(range(n))
    assert list(aside(f"{READERS}:count", 0)) == []


def test_an_error_a_person_can_act_on_is_raised_here_after_the_items_before_it() -> None:
    seen: list[int] = []
    with pytest.raises(CsfError, match="not an archive"):
        _until_raised(aside(f"{READERS}:fail_after", BATCH + 3, "not an archive"), seen)
    assert seen == list(range(BATCH + 3))


def test_a_bug_in_the_reader_is_raised_with_its_type() -> None:
    with pytest.raises(ValueError, match="a bug in the reader"):
        list(aside(f"{READERS}:crash_after", 2))


def test_a_reader_that_dies_silently_is_not_taken_for_the_end() -> None:
    seen: list[int] = []
    with pytest.raises(ReaderStoppedError, match="exit 3"):
        _until_raised(aside(f"{READERS}:die_after", BATCH + 5), seen)
    assert seen == list(range(BATCH))  # the frames sent before; the rest died with it


def test_a_parent_that_stops_reading_stops_the_child() -> None:
    items = aside(f"{READERS}:pid_then_wait")
    child = next(items)
    os.kill(child, 0)  # running
    items.close()
    for _ in range(100):
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    pytest.fail("the child outlived the reading")


def _gone(pid: int) -> bool:
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        # A zombie still answers signal 0 until reaped; a stopped sleeper's parent reaps it.
        time.sleep(0.05)
    return False


def test_a_parent_that_stops_reading_lets_the_reader_stop_its_own_processes() -> None:
    items = aside(f"{READERS}:grandchild")
    sleeper = next(items)
    items.close()
    assert _gone(sleeper), "the reader's own process outlived the reading"


def test_an_item_that_cannot_travel_is_an_error_not_a_silent_death() -> None:
    with pytest.raises(Exception, match=r"pickle|Pickl") as raised:
        list(aside(f"{READERS}:unpicklable"))
    assert not isinstance(raised.value, ReaderStoppedError)


def test_a_child_that_has_served_ends_quietly_when_told_to_stop() -> None:
    """A parent stops its child as soon as it has read the last frame, which can be while the
    child's interpreter is shutting down: SIGTERM's handler then raised SystemExit there, and
    its traceback reached the terminal both share. Once served, SIGTERM just ends the child."""
    code = (
        "import os, signal, sys\n"
        "from bot.sources import aside\n"
        f"sys.argv = ['aside', '{READERS}:count', '[3]']\n"
        "aside.main()\n"
        "print(signal.getsignal(signal.SIGTERM) is signal.SIG_DFL, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGTERM)\n"
        "print('still running')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, timeout=60, check=False
    )
    assert result.stderr == b"True\n"  # main() prints to stderr: stdout carries the frames
    assert result.returncode == -signal.SIGTERM

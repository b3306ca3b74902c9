"""Readers for `bot.sources.aside` tests, run in its child process (importable from there)."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator

from bot.errors import CsfError


def count(n: int) -> Iterator[int]:
    yield from range(n)


def fail_after(n: int, message: str) -> Iterator[int]:
    yield from range(n)
    raise CsfError(message)


def crash_after(n: int) -> Iterator[int]:
    yield from range(n)
    raise ValueError("a bug in the reader")


def die_after(n: int) -> Iterator[int]:
    yield from range(n)
    os._exit(3)  # killed, as by the kernel: nothing said


def pid_then_wait() -> Iterator[int]:
    yield os.getpid()
    yield from range(10**6)
    time.sleep(60)


def grandchild() -> Iterator[int]:
    """A reader with a process of its own (as the mail reader has git), stopped in `finally`."""
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        yield sleeper.pid
        while True:
            yield 0
    finally:
        sleeper.kill()
        sleeper.wait()


def unpicklable() -> Iterator[object]:
    yield 1
    yield lambda: None  # cannot travel: the error says so instead of the reader dying mute

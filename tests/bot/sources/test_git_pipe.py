"""git's output is drained while csf is busy writing, and the drain stops cleanly.

Read in the consumer's thread, `git log` stops whenever its pipe is full, so git and the store
take turns instead of running side by side on two cores (issue 20's pipelined ingest).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bot.sources import git as git_source

# A writer of 4 MB: far more than a pipe holds (64 KB on Linux).
WRITER = [sys.executable, "-c", "import sys; sys.stdout.buffer.write(bytes(range(256)) * 16384)"]
EXPECTED = bytes(range(256)) * 16384


def _writer() -> subprocess.Popen[bytes]:
    return subprocess.Popen(WRITER, stdout=subprocess.PIPE)


def test_the_writer_finishes_before_anything_is_consumed_and_nothing_is_lost() -> None:
    process = _writer()
    assert process.stdout is not None
    drain = git_source._Drain(process.stdout)
    # Nobody consumes yet: a reader in this thread would leave the writer blocked on its pipe.
    assert process.wait(timeout=30) == 0
    received = b"".join(drain)
    drain.join()
    process.stdout.close()
    assert received == EXPECTED


def test_memory_is_bounded_and_an_early_stop_does_not_hang(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(git_source._Drain, "AHEAD", 2 * git_source.CHUNK)
    process = _writer()
    assert process.stdout is not None
    drain = git_source._Drain(process.stdout)
    # Two chunks queued and one pipe's worth: the writer of 4 MB cannot be done.
    with pytest.raises(subprocess.TimeoutExpired):
        process.wait(timeout=1)
    first = next(iter(drain))
    assert EXPECTED.startswith(first)
    process.kill()  # what read_commits does when its consumer stops early
    drain.join()
    process.stdout.close()
    assert process.wait(timeout=30) != 0


def test_a_history_many_chunks_long_comes_whole_and_in_order(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    script = []
    for number in range(1, 401):
        message = f"Change {number}\n\n" + "Explanation of the change. " * 40 + "\n"
        data = message.encode()
        script.append(
            f"commit refs/heads/main\nauthor Ada Quill <ada@fictional.example> "
            f"{1_700_000_000 + number} +0000\ncommitter Ada Quill <ada@fictional.example> "
            f"{1_700_000_000 + number} +0000\ndata {len(data)}\n".encode()
            + data
            + f"M 100644 inline src/file{number % 7}.cc\ndata 8\nline{number:03d}\n\n".encode()
        )
    subprocess.run(
        ["git", "-C", str(repo), "fast-import", "--quiet"], input=b"".join(script), check=True
    )
    commits = list(git_source.read_commits(repo))
    assert [c.subject for c in commits] == [f"Change {n}" for n in range(1, 401)]
    assert [c.files[0].path for c in commits] == [f"src/file{n % 7}.cc" for n in range(1, 401)]


def test_the_consumer_is_told_when_it_has_caught_up_with_the_writer() -> None:
    """`on_idle` runs when everything written so far has been consumed and nothing more has
    come: the moment an ingest writes what it holds without making git wait."""
    read, write = os.pipe()
    first, second = b"a" * 1000, b"b" * 1000
    caught_up = threading.Event()

    def writer() -> None:
        os.write(write, first)
        caught_up.wait(timeout=30)  # the second part only once the first has been consumed
        os.write(write, second)
        os.close(write)

    thread = threading.Thread(target=writer)
    thread.start()
    received: list[bytes] = []
    seen_when_idle: list[bytes] = []

    def on_idle() -> None:
        seen_when_idle.append(b"".join(received))
        if b"".join(received) == first:
            caught_up.set()

    with os.fdopen(read, "rb") as stream:
        drain = git_source._Drain(stream, on_idle)
        received.extend(drain)
        drain.join()
    thread.join()
    assert caught_up.is_set()  # told after the first part, before the second was written
    assert first in seen_when_idle
    assert all((first + second).startswith(seen) for seen in seen_when_idle)  # in order
    assert b"".join(received) == first + second

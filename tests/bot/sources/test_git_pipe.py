"""git's output is drained while csf is busy writing, and the drain stops cleanly.

Read in the consumer's thread, `git log` stops whenever its pipe is full, so git and the store
take turns instead of running side by side on two cores (issue 20's pipelined ingest).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
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


def test_the_bound_is_in_bytes_however_small_the_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """git writes a few kilobytes at a time, and a pipe read returns what is there: a bound
    counted in reads held a fraction of `AHEAD` and stopped git while csf had room to spare."""
    monkeypatch.setattr(git_source._Drain, "AHEAD", 2 << 20)
    small_writes = "import os\nfor _ in range(256):\n    os.write(1, b'x' * 4096)\n"
    process = subprocess.Popen([sys.executable, "-c", small_writes], stdout=subprocess.PIPE)
    assert process.stdout is not None
    drain = git_source._Drain(process.stdout)
    # 1 MB in 4 KB writes fits in 2 MB: the writer ends before anything is consumed.
    assert process.wait(timeout=30) == 0
    assert b"".join(drain) == b"x" * (256 * 4096)
    drain.join()
    process.stdout.close()


def test_what_is_held_never_passes_the_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(git_source._Drain, "AHEAD", 100_000)
    process = _writer()  # 4 MB, read up to 64 KB at a time
    assert process.stdout is not None
    drain = git_source._Drain(process.stdout)
    with pytest.raises(subprocess.TimeoutExpired):
        process.wait(timeout=1)  # the drain has stopped taking: it holds all it may
    assert 0 < drain._held <= 100_000
    assert b"".join(drain) == EXPECTED
    drain.join()
    process.stdout.close()


def test_a_reader_that_fails_says_so_rather_than_ending_the_output_quietly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reads = 0
    real_read = os.read

    def read(fd: int, size: int) -> bytes:
        nonlocal reads
        reads += 1
        if reads == 2:
            raise MemoryError
        return real_read(fd, size)

    monkeypatch.setattr(os, "read", read)
    process = _writer()
    assert process.stdout is not None
    drain = git_source._Drain(process.stdout)
    with pytest.raises(git_source.GitSourceError, match="reading git's output failed"):
        list(drain)
    process.kill()
    drain.join()
    process.stdout.close()
    process.wait()


def _history(path: Path, commits: int) -> Path:
    """A repository of `commits` commits, each with a long message and one small edit."""
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    script = []
    for number in range(1, commits + 1):
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
        ["git", "-C", str(path), "fast-import", "--quiet"], input=b"".join(script), check=True
    )
    return path


def test_a_history_many_chunks_long_comes_whole_and_in_order(tmp_path: Path) -> None:
    repo = _history(tmp_path / "repo", 400)
    commits = list(git_source.read_commits(repo))
    assert [c.subject for c in commits] == [f"Change {n}" for n in range(1, 401)]
    assert [c.files[0].path for c in commits] == [f"src/file{n % 7}.cc" for n in range(1, 401)]


def _watched_logs(monkeypatch: pytest.MonkeyPatch) -> list[git_source._Log]:
    """Every batch's `git log` that read_commits starts, in the order it starts them."""
    started: list[git_source._Log] = []
    real = git_source._LogReader._start

    def start(reader: git_source._LogReader, shas: list[str]) -> git_source._Log:
        log = real(reader, shas)
        started.append(log)
        return log

    monkeypatch.setattr(git_source._LogReader, "_start", start)
    return started


def test_later_batches_are_diffed_while_the_first_is_parsed_and_all_come_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 20: git's diffing, nearly all its time, runs in several processes at once (two
    cores do a whole-history read in half the time), yet commits come oldest first."""
    repo = _history(tmp_path / "repo", 60)
    monkeypatch.setattr(git_source, "COMMITS_PER_LOG", 8)
    started = _watched_logs(monkeypatch)
    walk = git_source.read_commits(repo)
    first = next(walk)
    assert first.subject == "Change 1"
    # Before the first batch is parsed, the next ones' git is already at work.
    assert len(started) == 1 + git_source.PARALLEL_LOGS
    rest = list(walk)
    assert [c.subject for c in [first, *rest]] == [f"Change {n}" for n in range(1, 61)]
    # Batches double from a quarter of `COMMITS_PER_LOG` up to it.
    assert [len(log.shas) for log in started] == [2, 4, 8, 8, 8, 8, 8, 8, 6]
    assert all(log.process.returncode == 0 for log in started)
    # The drains running at once share the one bound on what is read ahead.
    ahead = [log.drained._limit for log in started]
    assert all(a * (1 + git_source.PARALLEL_LOGS) <= git_source._Drain.AHEAD for a in ahead)


def test_a_consumer_that_stops_early_stops_every_git_it_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = _history(tmp_path / "repo", 60)
    monkeypatch.setattr(git_source, "COMMITS_PER_LOG", 20)  # a first batch of 5
    started = _watched_logs(monkeypatch)
    walk = git_source.read_commits(repo)
    assert [next(walk).subject for _ in range(3)] == ["Change 1", "Change 2", "Change 3"]
    walk.close()
    assert len(started) == 1 + git_source.PARALLEL_LOGS
    assert all(log.process.returncode is not None for log in started)  # ended and reaped


def test_a_walk_git_cannot_list_is_one_clear_error(tmp_path: Path) -> None:
    repo = _history(tmp_path / "repo", 3)
    with pytest.raises(git_source.GitSourceError, match=r"^git rev-list failed in .*: \S"):
        list(git_source.read_commits(repo, after="f" * 40))


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


def test_a_git_that_stops_before_reading_its_batch_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch of 2,000 commits is more than a pipe holds: when git stops before reading it
    all (the mirror was moved away during a long ingest), csf says what git said, and git is
    reaped."""
    started = _watched_logs(monkeypatch)
    reader = git_source._LogReader(tmp_path / "gone", [])
    with pytest.raises(git_source.GitSourceError, match=r"^git log failed in .*gone: \S"):
        list(reader.read(iter([["f" * 40] * 2000])))
    assert len(started) == 1
    assert started[0].process.returncode not in (None, 0)


def test_a_batch_that_cannot_be_started_leaves_no_git_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = _history(tmp_path / "repo", 30)
    monkeypatch.setattr(git_source, "COMMITS_PER_LOG", 8)
    spawned: list[subprocess.Popen[bytes]] = []
    real_popen = subprocess.Popen

    def popen(*args: object, **kwargs: object) -> subprocess.Popen[bytes]:
        process: subprocess.Popen[bytes] = real_popen(*args, **kwargs)  # type: ignore[call-overload]
        spawned.append(process)
        return process

    real_drain = git_source._Drain.__init__
    drains = []

    def drain(self: git_source._Drain, *args: object, **kwargs: object) -> None:
        drains.append(self)
        if len(drains) == 3:
            raise RuntimeError("can't start new thread")
        real_drain(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(subprocess, "Popen", popen)
    monkeypatch.setattr(git_source._Drain, "__init__", drain)
    with pytest.raises(RuntimeError, match="new thread"):
        list(git_source.read_commits(repo))
    assert len(spawned) == 4  # rev-list and three batches' git log
    assert all(process.returncode is not None for process in spawned)


def test_stopping_early_in_a_partial_clone_does_not_wait_for_git_s_fetches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a partial clone `git log --numstat` fetches the blobs it lacks with a child `git
    fetch`, which holds git's pipes open: stopping git alone left csf waiting for the end of
    its output as long as that fetch took. Here fetches take a minute once one commit is read."""
    source = _history(tmp_path / "source", 30)
    for key in ("uploadpack.allowFilter", "uploadpack.allowAnySHA1InWant"):
        subprocess.run(["git", "-C", str(source), "config", key, "true"], check=True)
    clone = tmp_path / "partial.git"
    subprocess.run(
        ["git", "clone", "-q", "--bare", "--filter=blob:none", f"file://{source}", str(clone)],
        check=True,
    )
    slow_now = tmp_path / "slow-now"
    slow = f"if [ -e {slow_now} ]; then sleep 60; fi; exec git-upload-pack"
    config = ["git", "-C", str(clone), "config", "remote.origin.uploadpack", slow]
    subprocess.run(config, check=True)
    monkeypatch.setattr(git_source, "COMMITS_PER_LOG", 32)  # batches of 8, 16 and 6
    walk = git_source.read_commits(clone)
    assert next(walk).subject == "Change 1"
    slow_now.touch()  # git's fetches from here on take a minute: the batches ahead wait
    time.sleep(0.5)
    started = time.monotonic()
    walk.close()
    assert time.monotonic() - started < 20


class _Replayed:
    """A finished `git log` whose output comes back in pieces of a chosen size."""

    def __init__(self, output: bytes, size: int) -> None:
        self.shas: list[str] = []
        self.drained = [output[i : i + size] for i in range(0, len(output), size)]

    def close(self, *, kill: bool = True) -> tuple[int, bytes]:
        return 0, b""


@pytest.mark.parametrize("size", [1, 2, 7, 64, 1 << 20])
def test_records_are_found_wherever_the_pieces_of_git_s_output_split_them(
    tmp_path: Path, size: int
) -> None:
    repo = _history(tmp_path / "repo", 5)
    reader = git_source._LogReader(repo, [])
    command = ["git", "-C", str(repo), *reader._log(["--reverse", "HEAD"], diff=git_source.DIFF)]
    output = subprocess.run(command, capture_output=True, check=True).stdout
    commits = list(reader._consume(_Replayed(output, size)))  # type: ignore[arg-type]
    assert [c.subject for c in commits] == [f"Change {n}" for n in range(1, 6)]
    assert [c.files[0].path for c in commits] == [f"src/file{n % 7}.cc" for n in range(1, 6)]

"""A source's reader run in a child process, its items streamed back in order.

Reading an archive is pure CPU work (decoding and parsing every message), and so is storing
what it gave; in one process they take turns on one core while the machine has more. Here the
reader runs in its own Python process and sends its items back in pickled batches through a
pipe, so parsing runs beside the store's work. Only the standard library and the reader's own
module are imported in the child, so it starts in a fraction of a second.

The child is started as `python -m bot.sources.aside MODULE:FUNCTION ARGS_JSON`: the function
is called with the decoded arguments and must return an iterator of picklable items. An error
the reader raises (a `CsfError` a person can act on, or anything else) is raised again in the
parent. A parent that stops reading early sends SIGTERM, and the child closes its reader (whose
own clean-up stops, say, its git processes) before it exits; a parent that dies stops the
child at its next write, which fails on the closed pipe.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import pickle
import signal
import struct
import subprocess
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

BATCH = 256  # items per frame: enough to make pickling cheap, few enough to start at once
_LENGTH = struct.Struct(">I")
_ITEMS, _RAISE, _END = "items", "raise", "end"


class ReaderStoppedError(RuntimeError):
    """The child ended without saying it had finished (killed, or out of memory)."""


def aside(target: str, *args: Any) -> Iterator[Any]:
    """The items of `target(*args)` (`"package.module:function"`), read in a child process.

    `args` must be JSON values. Items arrive in the order the function yields them.
    """
    root = str(Path(__file__).resolve().parents[2])  # where `bot` is, installed or not
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    process = subprocess.Popen(
        # -P: the working folder is not put first on the path, so a folder holding another
        # `bot` package cannot stand in for this one.
        [sys.executable, "-P", "-m", "bot.sources.aside", target, json.dumps(list(args))],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        env=env,
        bufsize=1 << 16,
    )
    assert process.stdout is not None
    try:
        while True:
            frame = _read_frame(process.stdout)
            if frame is None:
                process.wait()
                code = process.returncode
                raise ReaderStoppedError(f"the reader of {target} stopped (exit {code})")
            if frame[0] == _ITEMS:
                yield from frame[1]
            elif frame[0] == _RAISE:
                raise frame[1]
            else:
                return
    finally:
        if process.poll() is None:  # stopped early: the child stops its own children first
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
        process.wait()
        process.stdout.close()


def _read_frame(stream: IO[bytes]) -> tuple[Any, ...] | None:
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        return None
    (size,) = _LENGTH.unpack(head)
    body = stream.read(size)
    if len(body) < size:
        return None
    frame: tuple[Any, ...] = pickle.loads(body)  # our own child's output
    return frame


def _write_frame(stream: IO[bytes], frame: tuple[Any, ...]) -> None:
    body = pickle.dumps(frame, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LENGTH.pack(len(body)) + body)
    stream.flush()  # the parent starts on a batch as soon as it is read


def _picklable(error: BaseException) -> BaseException:
    """The error itself when it survives the pipe; else a RuntimeError with its traceback."""
    try:
        pickle.loads(pickle.dumps(error))
        return error
    except Exception:  # any error that cannot travel is described instead
        text = "".join(traceback.format_exception(error))
        return RuntimeError(f"the reader failed:\n{text}")


class _ParentGoneError(Exception):
    """The pipe to the parent is closed: it stopped reading, or died."""


def _send(out: IO[bytes], frame: tuple[Any, ...]) -> None:
    try:
        _write_frame(out, frame)
    except (BrokenPipeError, ConnectionResetError) as error:
        raise _ParentGoneError from error


def _serve(target: str, args: list[Any], out: IO[bytes]) -> None:
    module, _, name = target.partition(":")
    items: list[Any] = []
    reader: Iterator[Any] | None = None
    try:
        reader = iter(getattr(importlib.import_module(module), name)(*args))
        for item in reader:
            items.append(item)
            if len(items) >= BATCH:
                batch, items = items, []
                _send(out, (_ITEMS, batch))
        batch, items = items, []
        if batch:
            _send(out, (_ITEMS, batch))
        _send(out, (_END,))
    except _ParentGoneError:
        raise
    except Exception as error:  # every error goes back to the parent, after the items before it
        error.add_note("in the reader's process:\n" + "".join(traceback.format_exception(error)))
        if items:
            _send(out, (_ITEMS, items))
        _send(out, (_RAISE, _picklable(error)))
    finally:
        close = getattr(reader, "close", None)
        if close is not None:  # a generator's own clean-up (its git processes) runs now
            close()


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(1)


def main() -> None:
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not corrupt the frames
    signal.signal(signal.SIGTERM, _stop)  # the parent stopped reading: clean up, then exit
    try:
        _serve(sys.argv[1], json.loads(sys.argv[2]), out)
    except (_ParentGoneError, BrokenPipeError, KeyboardInterrupt):
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())
        sys.exit(1)
    finally:
        # Served, and cleaned up: a SIGTERM from here on (a parent that stops as soon as it
        # has read the last frame) ends the process at once. Raised during the interpreter's
        # shutdown, SystemExit printed a traceback on the terminal the child shares.
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


if __name__ == "__main__":
    main()

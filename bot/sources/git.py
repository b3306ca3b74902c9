"""Local git history as a source: streamed out of `git log`, parsed as it arrives.

A 500,000-commit mirror must not need 500,000 subprocesses or its whole log in memory: this
lists the walk with `git rev-list` and reads `git log --numstat -z` of batches of it (a few
processes at once, so several cores diff) through pipes, and yields one `GitCommit` at a
time, oldest first. `-z` keeps paths exact (no quoting, renames as separate old and new
paths); binary files report `-` for their line counts and count as zero lines. Merge commits
are skipped (`--no-merges`): their changes are their parents'.

Names and addresses in history can be in any encoding; they are decoded as UTF-8 with
replacement characters rather than failing the ingest.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import signal
import subprocess
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from bot.errors import CsfError
from bot.sources.owners import CODEOWNERS_PATHS, is_maintainer_file
from bot.store.links import differential_link

RECORD = b"\x1e"
FIELDS = ("%H", "%an", "%ae", "%aI", "%cn", "%ce", "%cI", "%B")
LOG_FORMAT = "%x1e" + "%x00".join(FIELDS) + "%x00"
CHUNK = 1 << 16

_TRAILER = re.compile(
    r"^[ \t]*(co-authored-by|reviewed-by|acked-by|tested-by|reported-by|signed-off-by)[ \t]*:"
    r"[ \t]*(.*?)[ \t]*<([^<>\s]+@[^<>\s]+)>[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
_PHABRICATOR_REVIEWERS = re.compile(r"^[ \t]*Reviewed By[ \t]*:[ \t]*(.+)$", re.MULTILINE)
_DIFFERENTIAL = re.compile(r"^[ \t]*Differential Revision[ \t]*:[ \t]*(\S+)", re.MULTILINE)
_PR_NUMBER = re.compile(r"\(#(\d+)\)\s*$")
_HANDLE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_SHA = re.compile(r"[0-9a-f]{40}")
# git's words for an object a mirror does not hold: the rest of the history is still readable.
_RECOVERABLE = re.compile(
    r"unable to read|bad object|missing blob|missing tree|could not read|invalid object|"
    r"loose object .* is corrupt|packfile .* cannot be accessed|inflate",
    re.IGNORECASE,
)


class GitSourceError(CsfError):
    """The path is not a usable git repository, or git failed on it."""


@dataclass(frozen=True)
class GitIdent:
    name: str
    email: str


@dataclass(frozen=True)
class FileChange:
    path: str
    added: int
    deleted: int
    binary: bool = False
    old_path: str | None = None  # set for renames and copies
    created: bool = False  # the commit brought the file into being (`create mode` in --summary)


# Sizes per file, then the summary, whose `create mode` lines say which files a commit created:
# the people who created an area's files are the ones its owner files name.
DIFF = ["--numstat", "--summary"]
_CREATED = re.compile(rb"^ create mode [0-7]+ (.+)$", re.MULTILINE)
_QUOTED_ESCAPES = {b"a": 7, b"b": 8, b"t": 9, b"n": 10, b"v": 11, b"f": 12, b"r": 13}


@dataclass
class GitCommit:
    sha: str
    author: GitIdent
    authored_at: datetime
    committer: GitIdent
    committed_at: datetime
    subject: str
    body: str
    files: list[FileChange] = field(default_factory=list)
    # (trailer in lower case, person), e.g. ("reviewed-by", GitIdent(...))
    trailers: list[tuple[str, GitIdent]] = field(default_factory=list)
    phabricator_reviewers: list[str] = field(default_factory=list)
    differential_revision: str | None = None  # `https://reviews.llvm.org/D<n>` only
    pr_number: int | None = None
    author_offset: int | None = None  # minutes east of UTC on the author's clock

    @property
    def created_paths(self) -> list[str]:
        """The paths this commit created."""
        return [change.path for change in self.files if change.created]

    @property
    def paths(self) -> list[str]:
        """Touched paths; a rename touches both its old and new path."""
        out: list[str] = []
        for change in self.files:
            if change.old_path:
                out.append(change.old_path)
            out.append(change.path)
        return out


class Mailmap:
    """git's `.mailmap`: canonical names and addresses for the spellings in history.

    Supports the four forms of gitmailmap(5). Addresses and names match case-insensitively.
    """

    _ENTRY = re.compile(r"^\s*([^<#]*?)\s*<([^>]*)>\s*(?:([^<#]*?)\s*<([^>]*)>)?\s*(?:#.*)?$")

    def __init__(self, text: str = "") -> None:
        self._by_email: dict[str, tuple[str | None, str | None]] = {}
        self._by_name_email: dict[tuple[str, str], tuple[str | None, str | None]] = {}
        for line in text.splitlines():
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            match = self._ENTRY.match(line)
            if not match:
                continue
            proper_name, first_email, commit_name, commit_email = match.groups()
            if commit_email is None:  # "Proper Name <commit@email>"
                self._by_email[first_email.lower()] = (proper_name or None, None)
                continue
            target = (proper_name or None, first_email or None)
            if commit_name:
                self._by_name_email[(commit_name.lower(), commit_email.lower())] = target
            else:
                self._by_email[commit_email.lower()] = target

    def canonical(self, ident: GitIdent) -> GitIdent:
        key = (ident.name.lower(), ident.email.lower())
        found = self._by_name_email.get(key) or self._by_email.get(key[1])
        if not found:
            return ident
        name, email = found
        return GitIdent(name or ident.name, email or ident.email)


def _run_git(path: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", "-C", str(path), *args], capture_output=True, check=False)
    except FileNotFoundError:
        raise GitSourceError("git is not installed or not on PATH") from None


_VENDORED = frozenset(
    [
        "third_party",
        "third-party",
        "thirdparty",
        "external",
        "externals",
        "vendor",
        "vendored",
        "deps",
        "submodules",
    ]
)
MAX_OWNER_FILE = 4 << 20  # the kernel's MAINTAINERS is under 1 MB; nothing larger is one


@dataclass(frozen=True)
class OwnerFile:
    """An owner file at HEAD: where it is, its blob id (unchanged blob, unchanged rows), and
    its text (None when it was refused, with the reason in `problem`)."""

    path: str
    blob: str
    text: str | None
    problem: str | None = None


def owner_files(path: Path) -> list[OwnerFile]:
    """HEAD's CODEOWNERS, maintainer files (LLVM's `*/Maintainers.md`, anywhere) and the
    kernel's MAINTAINERS, read from git's objects (a bare mirror has no work tree)."""
    listing = _run_git(path, "ls-tree", "-r", "-z", "--long", "HEAD")
    if listing.returncode != 0:
        return []
    found = []
    for entry in listing.stdout.split(b"\0"):
        meta, tab, raw_name = entry.partition(b"\t")
        parts = meta.split()
        if not tab or len(parts) != 4 or parts[1] != b"blob":
            continue
        name = _text(raw_name)
        folders = name.split("/")[:-1]
        if name not in CODEOWNERS_PATHS and not is_maintainer_file(name.rsplit("/", 1)[-1]):
            continue
        if len(folders) > 3 or _VENDORED.intersection(f.lower() for f in folders):
            continue  # another project's owners, copied in
        blob, size = parts[2].decode("ascii"), parts[3]
        if not size.isdigit() or int(size) > MAX_OWNER_FILE:
            found.append(OwnerFile(name, blob, None, f"{name} is over 4 MB: not read"))
            continue
        shown = _run_git(path, "cat-file", "blob", blob)
        if shown.returncode != 0:
            found.append(OwnerFile(name, blob, None, f"{name} could not be read from git"))
            continue
        if b"\0" in shown.stdout[:8192]:
            found.append(OwnerFile(name, blob, None, f"{name} is binary: not read"))
            continue
        found.append(OwnerFile(name, blob, _text(shown.stdout)))
    return found


def check_repository(path: Path) -> bool:
    """Whether `path` is a git repository (bare or not); False if it has no commits yet."""
    try:
        path.stat()
    except FileNotFoundError:
        raise GitSourceError(f"{path} does not exist") from None
    except OSError as error:
        raise GitSourceError(f"cannot read {path}: {error.strerror}") from None
    if _run_git(path, "rev-parse", "--git-dir").returncode != 0:
        raise GitSourceError(f"{path} is not a git repository (a clone or a bare mirror)")
    return _run_git(path, "rev-parse", "--verify", "--quiet", "HEAD^{commit}").returncode == 0


def is_ancestor(path: Path, sha: str) -> bool:
    """Whether `sha` is in HEAD's history (a force-push leaves old objects behind, so the
    object merely existing is not enough)."""
    return _run_git(path, "merge-base", "--is-ancestor", sha, "HEAD").returncode == 0


def reachable_commits(path: Path) -> set[str]:
    """Every commit HEAD reaches, merges left out: what a whole-history read covers, unread.

    Read as git prints it, a batch at a time (a large mirror's list is tens of megabytes).
    """
    with _listed(path, ["--no-merges", "HEAD"]) as batches:
        return {sha for batch in batches for sha in batch}


def read_mailmap(path: Path) -> Mailmap:
    """The `.mailmap` at HEAD (works for bare mirrors, which have no work tree)."""
    result = _run_git(path, "show", "HEAD:.mailmap")
    return Mailmap(result.stdout.decode("utf-8", "replace") if result.returncode == 0 else "")


def read_commits(
    path: Path,
    *,
    after: str | None = None,
    since: datetime | None = None,
    problems: list[str] | None = None,
    on_idle: Callable[[], None] | None = None,
) -> Generator[GitCommit, None, None]:
    """Commits reachable from HEAD and not from `after`, oldest first, merges left out.

    `on_idle` is called whenever every commit git has printed so far has been yielded and git
    has printed nothing more yet: the caller may then write what it holds for free.

    A mirror can lack objects (a blob its host never served) and a commit can hold bytes that
    no parser expects. Neither may stop the history: a commit whose diff cannot be computed is
    read again with its paths only (no line counts), one that cannot be read at all is left
    out, and each such commit is described in `problems`.
    """
    notes = problems if problems is not None else []
    reader = _LogReader(path, notes, on_idle)
    with _listed(path, _walk(after, since)) as batches:
        yield from reader.read(batches)


# Diffing is nearly all of git's time (a millisecond a commit), and each commit's diff is its
# own: `git log --no-walk --stdin` over successive batches of the walk's commits, two ahead of
# the one being parsed, does the very work of one whole-history `git log` in about half the
# time on two cores, while csf parses and writes the batch before. Batches start at a quarter
# of `COMMITS_PER_LOG` and double up to it: small first ones set every core to work at once on
# a short history, and long later ones keep what git has cached (a blob's delta base serves
# the next commits that touch it): on google/xls, batches of 2,048 read 10% faster than 512.
COMMITS_PER_LOG = 2048
PARALLEL_LOGS = 2  # `git log` processes working ahead of the one being parsed


def _walk(after: str | None = None, since: datetime | None = None) -> list[str]:
    # --topo-order: every ancestor of a commit comes before it, so after a crash `LAST..HEAD`
    # leaves out only commits that were already read.
    walk = ["--no-merges", "--reverse", "--topo-order"]
    if since is not None:
        walk.append(f"--since={since.astimezone(UTC).isoformat()}")
    walk.append(f"{after}..HEAD" if after else "HEAD")
    return walk


def log_command(path: Path) -> list[str]:
    """The one `git log` command that prints what a whole-history read parses, so
    bench/git_ingest.py can time git alone, in one process, on exactly the work csf asks of it."""
    reader = _LogReader(path, [])
    return ["git", "-C", str(path), *reader._log(_walk(), diff=DIFF)]


@contextmanager
def _listed(path: Path, walk: list[str]) -> Iterator[Iterator[list[str]]]:
    """The walk's commits in order, in batches (see `COMMITS_PER_LOG`), read from `git rev-list` as
    they are needed (a large mirror's list is tens of megabytes); git's error, if it fails,
    is raised once the list has been read (with `--reverse`: before it printed anything)."""
    with tempfile.TemporaryFile() as errors:  # read at the end: never a pipe git could fill
        try:
            process = subprocess.Popen(
                ["git", "-C", str(path), "rev-list", *walk], stdout=subprocess.PIPE, stderr=errors
            )
        except FileNotFoundError:
            raise GitSourceError("git is not installed or not on PATH") from None
        listing = process.stdout
        assert listing is not None

        def batches() -> Iterator[list[str]]:
            batch: list[str] = []
            size = max(1, COMMITS_PER_LOG // 4)
            for line in listing:
                batch.append(line.strip().decode("ascii", "replace"))
                if len(batch) >= size:
                    yield batch
                    batch = []
                    size = min(2 * size, COMMITS_PER_LOG)
            if process.wait() != 0:
                errors.seek(0)
                message = errors.read().decode("utf-8", "replace").strip().splitlines()
                reason = message[-1] if message else f"git exited with {process.returncode}"
                raise GitSourceError(f"git rev-list failed in {path}: {reason}")
            if batch:
                yield batch

        try:
            yield batches()
        finally:
            if process.poll() is None:
                process.kill()
            listing.close()
            process.wait()


class _Drain:
    """git's output, read by a thread that never waits on the consumer (up to `AHEAD` bytes).

    Read in the consumer's own thread, git stops whenever its pipe is full, which is whenever
    the store is writing a batch: the two take turns instead of running side by side. The
    thread reads the pipe (which releases the interpreter's lock) while the caller parses and
    writes, so on two cores git's time and csf's overlap; the bound keeps memory flat when csf
    is the slower of the two. Chunks come out in order, then the iteration ends at git's end.
    """

    AHEAD = 64 << 20

    def __init__(
        self, stream: IO[bytes], on_idle: Callable[[], None] | None = None, *, share: int = 1
    ) -> None:
        """`share`: how many drains run at once, splitting `AHEAD` between them."""
        # Bounded in bytes, not chunks: a pipe read returns what git has written so far, often
        # a few kilobytes, so a bound in chunks held far less than `AHEAD` and stopped git.
        self._limit = max(CHUNK, self.AHEAD // share)
        self._chunks: deque[bytes] = deque()
        self._held = 0
        self._changed = threading.Condition()
        self._failed: BaseException | None = None
        self._stream = stream
        self._on_idle = on_idle
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="git-log-drain", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                chunk = os.read(self._stream.fileno(), CHUNK)
                if not chunk or not self._offer(chunk):
                    break
        except (OSError, ValueError):
            pass  # the pipe was closed under the thread: the consumer has stopped
        except BaseException as error:  # anything else ends the output too, and is told
            self._failed = error
        finally:
            self._offer(b"")  # the end, for a consumer still reading (it takes no room)

    def _offer(self, chunk: bytes) -> bool:
        """Queue a chunk, waiting while it would take the queue past its bound (a chunk larger
        than the bound waits for an empty queue); False once the consumer has left."""
        with self._changed:
            while chunk and self._held and self._held + len(chunk) > self._limit:
                if self._stop.is_set():
                    return False
                self._changed.wait()
            if self._stop.is_set() and chunk:
                return False
            self._chunks.append(chunk)
            self._held += len(chunk)
            self._changed.notify_all()
        return True

    def _take(self, wait: bool) -> bytes | None:
        """The next chunk; None when there is none yet and `wait` is False."""
        with self._changed:
            while not self._chunks:
                if not wait:
                    return None
                self._changed.wait()
            chunk = self._chunks.popleft()
            self._held -= len(chunk)
            self._changed.notify_all()
            return chunk

    def __iter__(self) -> Iterator[bytes]:
        while True:
            chunk = self._take(wait=False)
            if chunk is None:
                # The consumer has caught up with git: work it does now (writing what it
                # holds) costs no time, where the same work left for git's end would.
                if self._on_idle is not None:
                    self._on_idle()
                chunk = self._take(wait=True)
            assert chunk is not None
            if not chunk:
                if self._failed is not None:
                    raise GitSourceError(f"reading git's output failed: {self._failed!r}")
                return
            yield chunk

    def join(self) -> None:
        """Stop reading and wait for the thread: once git has ended or been stopped (its pipe
        then ends), or the thread is waiting for room, which it then stops waiting for."""
        with self._changed:
            self._stop.set()
            self._changed.notify_all()
        self._thread.join()


def _stop_git(process: subprocess.Popen[bytes]) -> None:
    """Kill git and whatever it started: in a partial clone, `git log` starts a `git fetch` of
    the blobs it lacks, which holds git's pipes open, so reading them to their end (as the
    drains do before they stop) would wait for that fetch however long it takes."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        process.kill()  # it ended already (and so did its group), or it has no group of its own


class _Log:
    """One running `git log` of a batch of commits: its output drained as it comes, and its
    warnings read as they come too (more than a pipe's worth of them, rename limits or a
    mirror's missing objects, would otherwise stop git before its output ends)."""

    def __init__(self, shas: list[str], process: subprocess.Popen[bytes], drained: _Drain):
        self.shas = shas
        self.process = process
        self.drained = drained
        self._errors: list[bytes] = []
        self._warnings = threading.Thread(
            target=lambda: self._errors.append(process.stderr.read() if process.stderr else b""),
            name="git-log-stderr",
            daemon=True,
        )
        self._warnings.start()

    def close(self, *, kill: bool = True) -> tuple[int, bytes]:
        """Stop git (unless it is to end on its own) and its readers: its exit code and
        what it wrote to stderr."""
        if kill:
            _stop_git(self.process)
        self.drained.join()
        assert self.process.stdout is not None
        self.process.stdout.close()
        self._warnings.join()
        if self.process.stderr is not None:
            self.process.stderr.close()
        return self.process.wait(), self._errors[0] if self._errors else b""


class _LogReader:
    """Streams `git log --numstat -z` framed by a marker no commit can contain."""

    def __init__(
        self, path: Path, problems: list[str], on_idle: Callable[[], None] | None = None
    ) -> None:
        self.path = path
        self.problems = problems
        self.on_idle = on_idle
        self.last_sha: str | None = None
        # A record starts with \x1e and a random token: a commit message or a name can hold
        # \x1e, but not a token drawn after the commit was written.
        self.token = secrets.token_hex(12)
        self.marker = RECORD + self.token.encode("ascii") + b"\x00"
        self.format = f"%x1e{self.token}%x00" + LOG_FORMAT.removeprefix("%x1e")

    def _log(self, extra: list[str], *, diff: list[str]) -> list[str]:
        """The `git log` arguments (after `git -C PATH`) that print records in this framing."""
        return [
            "log",
            *diff,
            "-z",
            "--no-color",
            "--encoding=UTF-8",
            f"--format={self.format}",
            *extra,
        ]

    def read(self, batches: Iterator[list[str]]) -> Generator[GitCommit, None, None]:
        """The commits of `batches`, in order: each batch's `git log` starts while the batches
        before it are parsed, `PARALLEL_LOGS` of them ahead of the parser at most."""
        started: deque[_Log] = deque()
        try:
            while True:
                while len(started) <= PARALLEL_LOGS:
                    shas = next(batches, None)
                    if shas is None:
                        break
                    started.append(self._start(shas))
                if not started:
                    return
                yield from self._batch(started.popleft())
        finally:
            with contextlib.ExitStack() as stopping:  # every one, even if one fails to stop
                for log in started:
                    stopping.callback(log.close)

    def _batch(self, log: _Log) -> Generator[GitCommit, None, None]:
        """One batch's commits; past a commit git could not read, the rest of the batch is
        read again from the one after it."""
        self.last_sha = None
        batch = log.shas
        outcome = yield from self._consume(log)
        while outcome is not None:
            remaining = self._after_last(batch)
            if not remaining:
                break
            partial = self.read_partial(remaining[0], outcome)
            if partial is not None:
                yield partial
            if len(remaining) == 1:
                break
            outcome = yield from self._consume(self._start(remaining[1:]))

    def _after_last(self, shas: list[str]) -> list[str]:
        """The commits of `shas` after the last one read (all of them when none was)."""
        if self.last_sha is None:
            return shas
        if self.last_sha not in shas:
            raise GitSourceError(f"git log and git rev-list disagree in {self.path}")
        return shas[shas.index(self.last_sha) + 1 :]

    def _start(self, shas: list[str]) -> _Log:
        """`git log` of these commits, started, its output drained as it comes."""
        process = subprocess.Popen(
            ["git", "-C", str(self.path), *self._log(["--no-walk=unsorted", "--stdin"], diff=DIFF)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own group, stopped whole (`_stop_git`)
        )
        assert process.stdin is not None
        assert process.stdout is not None
        drained: _Drain | None = None
        try:
            # Both of git's outputs are read before it is fed: nothing it writes can block it.
            drained = _Drain(process.stdout, self.on_idle, share=1 + PARALLEL_LOGS)
            log = _Log(shas, process, drained)
        except BaseException:
            _stop_git(process)
            if drained is not None:
                drained.join()
            process.wait()
            raise
        try:
            # git reads every revision from stdin before it prints anything.
            process.stdin.write("".join(f"{sha}\n" for sha in shas).encode("ascii"))
        except BrokenPipeError:
            pass  # git stopped reading: its exit code and stderr (read by `_consume`) say why
        except BaseException:
            log.close()
            raise
        finally:
            with contextlib.suppress(BrokenPipeError):
                process.stdin.close()
        return log

    def _consume(self, log: _Log) -> Generator[GitCommit, None, str | None]:
        """Yield the commits git prints; return git's error when it stopped short, else None."""
        buffer = bytearray()
        finished = False
        try:
            for chunk in log.drained:
                # Only the new bytes (and a marker's length before them) are searched, so a
                # commit of a hundred thousand files, read in many pieces, is not re-read
                # with each one.
                start = max(0, len(buffer) - len(self.marker) + 1)
                buffer += chunk
                if buffer.find(self.marker, start) < 0:
                    continue
                records = bytes(buffer).split(self.marker)
                buffer = bytearray(records.pop())
                for raw in records:
                    if raw:
                        yield from self._parsed(raw)
            finished = True
        finally:
            code, stderr = log.close(kill=not finished)
        if code == 0:
            if buffer:
                yield from self._parsed(bytes(buffer))
            return None
        # The last record may be cut short by the failure: `read_partial` reads it again.
        message = stderr.decode("utf-8", "replace").strip().splitlines()
        reason = message[-1] if message else f"git exited with {code}"
        if not _RECOVERABLE.search(reason):
            raise GitSourceError(f"git log failed in {self.path}: {reason}")
        return reason

    def _parsed(self, raw: bytes) -> Iterator[GitCommit]:
        try:
            commit = parse_record(raw)
        except (GitSourceError, ValueError) as exc:
            sha = raw[:40].decode("ascii", "replace")
            self.problems.append(f"commit {sha[:12]} could not be read ({exc}); left out")
            if _SHA.fullmatch(sha):
                self.last_sha = sha
            return
        self.last_sha = commit.sha
        yield commit

    def read_partial(self, sha: str, reason: str) -> GitCommit | None:
        """The commit git could not diff, with its paths (sizes unknown), or None."""
        # git may stop before it prints the commit it cannot diff, so the first one left may
        # be whole: it is tried on its own, in full, before its paths alone and then bare.
        for diff in (DIFF, ["--no-renames", "--name-only"], []):
            result = _run_git(self.path, *self._log(["--no-walk", sha], diff=diff))
            if result.returncode != 0 or not result.stdout.startswith(self.marker):
                continue
            raw = result.stdout.removeprefix(self.marker)
            try:
                commit = parse_record(raw, names_only=diff != DIFF)
            except (GitSourceError, ValueError):
                break
            self.last_sha = commit.sha
            if diff == DIFF:
                return commit
            what = "its paths" if commit.files else "no paths"
            self.problems.append(
                f"commit {sha[:12]} could not be diffed ({reason}); stored with {what} "
                "and no line counts"
            )
            return commit
        self.last_sha = sha
        self.problems.append(f"commit {sha[:12]} could not be read ({reason}); left out")
        return None


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


def _when(raw: bytes) -> datetime:
    return datetime.fromisoformat(_text(raw)).astimezone(UTC)


def _offset(raw: bytes) -> int | None:
    """Minutes east of UTC in an ISO time (`+01:00` -> 60); None if it says no zone."""
    text = _text(raw).strip()
    if len(text) < 6 or text[-6] not in "+-" or text[-3] != ":":
        return 0 if text.endswith("Z") else None
    hours, minutes = text[-5:-3], text[-2:]
    if not (hours.isdigit() and minutes.isdigit()):
        return None
    value = int(hours) * 60 + int(minutes)
    return -value if text[-6] == "-" else value


def parse_record(raw: bytes, *, names_only: bool = False) -> GitCommit:
    """One record of LOG_FORMAT (its marker removed) followed by `-z` numstat entries, or by
    bare paths when `names_only`."""
    parts = raw.split(b"\x00", len(FIELDS))
    if len(parts) <= len(FIELDS) - 1:
        raise GitSourceError("unexpected git log output (is this git version supported?)")
    sha, author_name, author_email, authored, committer_name, committer_email, committed, body = (
        parts[: len(FIELDS)]
    )
    rest = parts[len(FIELDS)] if len(parts) > len(FIELDS) else b""
    rest, created = _summary(rest)
    message = _text(body)
    subject = message.split("\n", 1)[0].strip()
    commit = GitCommit(
        sha=_text(sha).strip(),
        author=GitIdent(_text(author_name).strip(), _text(author_email).strip()),
        authored_at=_when(authored),
        author_offset=_offset(authored),
        committer=GitIdent(_text(committer_name).strip(), _text(committer_email).strip()),
        committed_at=_when(committed),
        subject=subject,
        body=message,
        files=_names(rest) if names_only else _numstat(rest),
    )
    if created:
        commit.files = [replace(f, created=f.path in created) for f in commit.files]
    _trailers(commit)
    return commit


def _summary(rest: bytes) -> tuple[bytes, set[str]]:
    """The numstat entries, and the paths the summary after them says were created.

    With `-z` the summary still comes as text lines after the last NUL, its paths C-quoted
    where they hold tabs, quotes or other special bytes.
    """
    entries, nul, tail = rest.rpartition(b"\x00")
    if not tail.lstrip(b"\n").startswith(b" "):
        return rest, set()
    created = {_text(_unquoted(m.group(1))) for m in _CREATED.finditer(tail)}
    return entries + nul, created


def _unquoted(path: bytes) -> bytes:
    """git's C-style quoting undone (`"tab\\tx.txt"`, octal bytes `\\303\\274`)."""
    if len(path) < 2 or not (path.startswith(b'"') and path.endswith(b'"')):
        return path
    out = bytearray()
    body, i = path[1:-1], 0
    while i < len(body):
        byte = body[i : i + 1]
        i += 1
        if byte != b"\\" or i >= len(body):
            out += byte
            continue
        code = body[i : i + 1]
        if code.isdigit() and body[i : i + 3].isdigit():
            out.append(int(body[i : i + 3], 8) & 0xFF)
            i += 3
            continue
        out.append(_QUOTED_ESCAPES.get(code, code[0]))
        i += 1
    return bytes(out)


def _names(rest: bytes) -> list[FileChange]:
    return [FileChange(_text(p), 0, 0) for p in rest.lstrip(b"\x00\n").split(b"\x00") if p]


def _numstat(rest: bytes) -> list[FileChange]:
    tokens = rest.lstrip(b"\x00\n").split(b"\x00")
    files: list[FileChange] = []
    i = 0
    while i < len(tokens):
        token = tokens[i].lstrip(b"\n")
        i += 1
        if not token:
            continue
        added, _, remainder = token.partition(b"\t")
        deleted, _, path = remainder.partition(b"\t")
        binary = added == b"-"
        counts = (0, 0) if binary else (int(added or 0), int(deleted or 0))
        if path:
            files.append(FileChange(_text(path), *counts, binary=binary))
        elif i + 1 < len(tokens):  # a rename: the old and new paths follow
            old, new = tokens[i], tokens[i + 1]
            i += 2
            files.append(FileChange(_text(new), *counts, binary=binary, old_path=_text(old)))
    return files


def _trailers(commit: GitCommit) -> None:
    body = commit.body
    for kind, name, email in _TRAILER.findall(body):
        commit.trailers.append((kind.lower(), GitIdent(name.strip().strip('"'), email.strip())))
    for line in _PHABRICATOR_REVIEWERS.findall(body):
        for handle in re.split(r"[,\s]+", line):
            handle = handle.strip().rstrip(".").removeprefix("@")
            if handle and _HANDLE.match(handle) and handle.lower() not in {"and", "#reviewers"}:
                commit.phabricator_reviewers.append(handle)
    revision = _DIFFERENTIAL.search(body)
    if revision:  # rebuilt from its number, or dropped: the line is anyone's text
        commit.differential_revision = differential_link(revision.group(1))
    pr = _PR_NUMBER.search(commit.subject)
    if pr:
        commit.pr_number = int(pr.group(1))

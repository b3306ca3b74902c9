"""Local git history as a source: one streaming `git log` pass, parsed as it arrives.

A 500,000-commit mirror must not need 500,000 subprocesses or its whole log in memory: this
reads `git log --numstat -z` through a pipe in fixed-size chunks and yields one `GitCommit` at a
time. `-z` keeps paths exact (no quoting, renames as separate old and new paths); binary files
report `-` for their line counts and count as zero lines. Merge commits are skipped (`--no-merges`):
their changes are their parents'.

Names and addresses in history can be in any encoding; they are decoded as UTF-8 with
replacement characters rather than failing the ingest.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bot.errors import CsfError

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
    differential_revision: str | None = None
    pr_number: int | None = None

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


def check_repository(path: Path) -> bool:
    """Whether `path` is a git repository (bare or not); False if it has no commits yet."""
    if not path.exists():
        raise GitSourceError(f"{path} does not exist")
    if _run_git(path, "rev-parse", "--git-dir").returncode != 0:
        raise GitSourceError(f"{path} is not a git repository (a clone or a bare mirror)")
    return _run_git(path, "rev-parse", "--verify", "--quiet", "HEAD^{commit}").returncode == 0


def is_ancestor(path: Path, sha: str) -> bool:
    """Whether `sha` is in HEAD's history (a force-push leaves old objects behind, so the
    object merely existing is not enough)."""
    return _run_git(path, "merge-base", "--is-ancestor", sha, "HEAD").returncode == 0


def read_mailmap(path: Path) -> Mailmap:
    """The `.mailmap` at HEAD (works for bare mirrors, which have no work tree)."""
    result = _run_git(path, "show", "HEAD:.mailmap")
    return Mailmap(result.stdout.decode("utf-8", "replace") if result.returncode == 0 else "")


def read_commits(
    path: Path, *, after: str | None = None, since: datetime | None = None
) -> Iterator[GitCommit]:
    """Commits reachable from HEAD and not from `after`, oldest first, merges left out."""
    # --topo-order: every ancestor of a commit comes before it, so after a crash `LAST..HEAD`
    # leaves out only commits that were already read.
    args = [
        "git",
        "-C",
        str(path),
        "log",
        "--no-merges",
        "--reverse",
        "--topo-order",
        "--numstat",
        "-z",
        "--no-color",
        "--encoding=UTF-8",
        f"--format={LOG_FORMAT}",
    ]
    if since is not None:
        args.append(f"--since={since.astimezone(UTC).isoformat()}")
    args.append(f"{after}..HEAD" if after else "HEAD")
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None
    buffer = b""
    finished = False
    try:
        while True:
            chunk = process.stdout.read(CHUNK)
            if not chunk:
                break
            buffer += chunk
            records = buffer.split(RECORD)
            buffer = records.pop()
            for raw in records:
                if raw:
                    yield parse_record(raw)
        if buffer:
            yield parse_record(buffer)
        finished = True
    finally:
        if not finished:
            process.kill()
        process.stdout.close()
        stderr = process.stderr.read() if process.stderr else b""
        code = process.wait()
    if code != 0:
        message = stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitSourceError(f"git log failed in {path}: {message[-1] if message else code}")


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


def _when(raw: bytes) -> datetime:
    return datetime.fromisoformat(_text(raw)).astimezone(UTC)


def parse_record(raw: bytes) -> GitCommit:
    """One `\\x1e`-started record of LOG_FORMAT followed by `-z` numstat entries."""
    parts = raw.split(b"\x00", len(FIELDS))
    if len(parts) <= len(FIELDS) - 1:
        raise GitSourceError("unexpected git log output (is this git version supported?)")
    sha, author_name, author_email, authored, committer_name, committer_email, committed, body = (
        parts[: len(FIELDS)]
    )
    rest = parts[len(FIELDS)] if len(parts) > len(FIELDS) else b""
    message = _text(body)
    subject = message.split("\n", 1)[0].strip()
    commit = GitCommit(
        sha=_text(sha).strip(),
        author=GitIdent(_text(author_name).strip(), _text(author_email).strip()),
        authored_at=_when(authored),
        committer=GitIdent(_text(committer_name).strip(), _text(committer_email).strip()),
        committed_at=_when(committed),
        subject=subject,
        body=message,
        files=_numstat(rest),
    )
    _trailers(commit)
    return commit


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
    if revision:
        commit.differential_revision = revision.group(1)
    pr = _PR_NUMBER.search(commit.subject)
    if pr:
        commit.pr_number = int(pr.group(1))

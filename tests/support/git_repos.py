"""Real git repositories built in temporary folders, with chosen authors, dates and trailers."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ADA = ("Ada Fictional", "ada@compilers.example")
COMMITTER = "Committer Fictional <committer@compilers.example>"


class GitRepo:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")
        self.git("config", "commit.gpgsign", "false")
        self.git("config", "user.name", "Setup Fictional")
        self.git("config", "user.email", "setup@compilers.example")
        self.clock = 0

    def git(self, *args: str, env: dict[str, str | bytes] | None = None) -> str:
        full_env: dict[str | bytes, str | bytes] = dict(os.environ)
        full_env.update(env or {})
        result = subprocess.run(
            ["git", "-C", str(self.path), *args],
            env=full_env,  # type: ignore[arg-type]
            capture_output=True,
            check=True,
        )
        return result.stdout.decode("utf-8", "replace").strip()

    def commit(
        self,
        message: str,
        files: dict[str, str | bytes | None] | None = None,
        *,
        author: tuple[str | bytes, str] = ADA,
        date: str | None = None,
    ) -> str:
        """Write (or delete, with None) files and commit them; returns the sha."""
        for name, content in (files or {}).items():
            target = self.path / name
            if content is None:
                self.git("rm", "-q", name)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content)
            self.git("add", name)
        self.clock += 1
        when = date or f"2026-01-{1 + self.clock // 24:02d}T{self.clock % 24:02d}:00:00+00:00"
        name, email = author
        env: dict[str, str | bytes] = {
            "GIT_AUTHOR_NAME": name,
            "GIT_AUTHOR_EMAIL": email,
            "GIT_AUTHOR_DATE": when,
            "GIT_COMMITTER_NAME": "Committer Fictional",
            "GIT_COMMITTER_EMAIL": "committer@compilers.example",
            "GIT_COMMITTER_DATE": when,
        }
        self.git("commit", "-q", "--allow-empty", "-m", message, env=env)
        return self.git("rev-parse", "HEAD")

    def drop_object(self, sha: str) -> None:
        """Remove one loose object, as a mirror whose host never served a blob lacks it."""
        loose = self.path / ".git" / "objects" / sha[:2] / sha[2:]
        loose.chmod(0o644)
        loose.unlink()

    def many(self, subjects: list[tuple[str, tuple[str, str]]], path: str = "src/a.c") -> None:
        """One commit per (message, author) on the current branch, written in a single
        `git fast-import` (hundreds of commits in a fraction of a second)."""
        head = ["git", "-C", str(self.path), "rev-parse", "--verify", "--quiet", "HEAD^{commit}"]
        parent = subprocess.run(head, capture_output=True, check=False).stdout.decode().strip()
        stream = []
        for message, (name, email) in subjects:
            self.clock += 1
            when = 1767225600 + 3600 * self.clock  # 2026-01-01 on, an hour apart
            body = message.encode()
            content = f"change {self.clock}\n".encode()
            stream += [
                b"commit refs/heads/main",
                f"author {name} <{email}> {when} +0000".encode(),
                f"committer {COMMITTER} {when} +0000".encode(),
                b"data %d" % len(body),
                body,
                *([f"from {parent}".encode()] if parent else []),
                f"M 644 inline {path}".encode(),
                b"data %d" % len(content),
                content,
                b"",
            ]
            parent = ""  # the next commit follows this one on the branch
        subprocess.run(
            ["git", "-C", str(self.path), "fast-import", "--quiet"],
            input=b"\n".join(stream),
            check=True,
            capture_output=True,
        )
        self.git("reset", "-q", "--hard", "main")

    def mv(self, old: str, new: str) -> None:
        (self.path / new).parent.mkdir(parents=True, exist_ok=True)
        self.git("mv", old, new)


# Reviewers and a co-author on every commit, so few commits (each a subprocess) make enough
# contributions to judge a repository's topic coverage by.
_TEAM = (
    ("Bo Fictional", "bo@compilers.example"),
    ("Cyd Fictional", "cyd@compilers.example"),
    ("Dee Fictional", "dee@compilers.example"),
)
_LLVM_LIKE = (
    "mlir/lib/Dialect/Linalg/Transforms/Tiling.cpp",
    "mlir/lib/Dialect/Bufferization/Transforms/OneShotAnalysis.cpp",
    "mlir/test/Dialect/Linalg/tile.mlir",
    "llvm/lib/Target/AMDGPU/SIISelLowering.cpp",
    "llvm/lib/Transforms/Vectorize/LoopVectorize.cpp",
)


def _team_commit(repo: GitRepo, subject: str, path: str, n: int) -> None:
    co, first, second = _TEAM
    repo.commit(
        f"{subject}\n\nCo-authored-by: {co[0]} <{co[1]}>\n"
        f"Reviewed-by: {first[0]} <{first[1]}>\nReviewed-by: {second[0]} <{second[1]}>",
        {path: f"change {n}\n"},
    )


def llvm_like_repo(path: Path, commits: int = 13) -> GitRepo:
    """An llvm-project-shaped history the taxonomy tags, but for a README fix at the end.

    Each commit is four contributions: its author, a co-author and two trailer reviewers.
    """
    repo = GitRepo(path)
    for n in range(commits):
        _team_commit(repo, f"[mlir] change {n}", _LLVM_LIKE[n % len(_LLVM_LIKE)], n)
    _team_commit(repo, "Fix a typo in the README", "README.md", commits)
    return repo


def unrelated_repo(path: Path, commits: int = 13) -> GitRepo:
    """A history whose folders no topic of the shipped taxonomy knows (four contributions each)."""
    repo = GitRepo(path)
    for n in range(commits):
        _team_commit(repo, f"widgets: polish part {n}", f"src/widgets/part{n}.c", n)
    return repo

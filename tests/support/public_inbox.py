"""A real public-inbox v2 archive in a temp folder: `git/N.git` epochs, one message per commit.

Messages are written as public-inbox writes them (public-inbox-v2-format(5)): each commit's tree
holds the message as the blob `m`; a removal is a commit whose tree holds the removed message as
`d` instead. `git fast-import` writes them, so a bench can build a large archive quickly.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

START = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def message(
    sender: tuple[str, str],
    subject: str,
    message_id: str,
    *,
    body: str = "",
    when: datetime = START,
    in_reply_to: str | None = None,
    references: tuple[str, ...] = (),
    extra: bytes = b"",
    raw_subject: bytes | None = None,
) -> bytes:
    """The raw bytes of one message, headers as mailers write them."""
    name, address = sender
    lines = [
        f"From: {name} <{address}>".encode(),
        b"Subject: " + (raw_subject if raw_subject is not None else subject.encode()),
        f"Date: {format_datetime(when)}".encode(),
        f"Message-ID: <{message_id}>".encode(),
    ]
    if in_reply_to:
        lines.append(f"In-Reply-To: <{in_reply_to}>".encode())
    if references:
        lines.append(("References: " + " ".join(f"<{r}>" for r in references)).encode())
    lines.append(b"Content-Type: text/plain; charset=utf-8")
    if extra:
        lines.append(extra)
    return b"\n".join(lines) + b"\n\n" + body.encode()


def patch_body(files: dict[str, int], *, created: tuple[str, ...] = (), text: str = "") -> str:
    """A commit message, a diffstat separator and a diff adding `n` lines to each file."""
    parts = [text or "Make it better.", "", "Signed-off-by: someone", "---"]
    for path, lines in files.items():
        parts.append(f"diff --git a/{path} b/{path}")
        if path in created:
            parts += ["new file mode 100644", "--- /dev/null"]
        else:
            parts.append(f"--- a/{path}")
        parts += [f"+++ b/{path}", f"@@ -1,1 +1,{lines + 1} @@", " context"]
        parts += [f"+line {i}" for i in range(lines)]
    parts += ["-- ", "2.47.0", ""]
    return "\n".join(parts)


@dataclass
class PublicInbox:
    """An archive under `path`; `add` appends a message to an epoch, `remove` records a removal."""

    path: Path
    _counts: dict[int, int] = field(default_factory=dict)

    def epoch(self, number: int) -> Path:
        folder = self.path / "git" / f"{number}.git"
        if not folder.exists():
            folder.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run(["git", "init", "--bare", "-q", "-b", "master", str(folder)], check=True)
        return folder

    def add(self, raw: bytes, *, epoch: int = 0) -> None:
        self.write([(raw, False)], epoch=epoch)

    def remove(self, raw: bytes, *, epoch: int = 0) -> None:
        self.write([(raw, True)], epoch=epoch)

    def write(self, messages: list[tuple[bytes, bool]], *, epoch: int = 0) -> None:
        """Append messages (raw bytes, removed?) to an epoch in one `git fast-import`."""
        folder = self.epoch(epoch)
        count = self._counts.get(epoch, 0)
        stream: list[bytes] = []
        resume = count > 0  # a later import continues the branch the last one left
        for raw, removed in messages:
            when = int((START + timedelta(minutes=count)).timestamp())
            who = f"archive <archive@inbox.example> {when} +0000".encode()
            stream += [
                b"commit refs/heads/master",
                b"author " + who,
                b"committer " + who,
                b"data 1",
                b"m",
            ]
            if resume:
                stream.append(b"from refs/heads/master^0")
                resume = False
            name = b"d" if removed else b"m"
            stream += [b"deleteall", b"M 100644 inline " + name, f"data {len(raw)}".encode(), raw]
            count += 1
        subprocess.run(
            ["git", "-C", str(folder), "fast-import", "--quiet"],
            input=b"\n".join(stream) + b"\n",
            check=True,
        )
        self._counts[epoch] = count

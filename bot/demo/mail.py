"""The sample world's BPF mailing list: a public-inbox v2 archive written with `git fast-import`.

The kernel reviews by mail. Besides its git history (bot/demo/load.py), the world's BPF list
holds the patches still under review there: each by a person who works in BPF, each answered by
the people who review that area, inline and with a `Reviewed-by:` line. Ingested by
`ingest_mail` exactly as `csf ingest mail` reads a clone of lore.kernel.org, so a demo answer
about BPF cites a review given by mail, linked to the list's archive.
"""

from __future__ import annotations

import subprocess
from datetime import timedelta
from email.utils import format_datetime
from pathlib import Path

from bot.demo.topics import LINUX_TOPICS
from bot.demo.world import SampleWorld

LIST = "bpf"
WEB = "https://lore.kernel.org/bpf"
TOPIC = "linux.bpf"
UNDER_REVIEW = 8  # patches on the list not yet in the kernel's history


def _message(headers: list[str], body: str) -> bytes:
    return ("\n".join(headers) + "\n\n" + body).encode()


def mail_messages(world: SampleWorld) -> list[bytes]:
    """The list's messages, oldest first: patches under review and the replies reviewing them."""
    people = {p.login: p for p in world.people}
    work = next(w for w in LINUX_TOPICS if w.topic == TOPIC)
    landed = [c for c in world.linux_commits if c.files and c.files[0] in work.paths]
    messages: list[bytes] = []
    for n, commit in enumerate(landed[-UNDER_REVIEW:]):
        author = people[commit.author]
        when = world.now - timedelta(days=3 * (UNDER_REVIEW - n) + 1)
        patch_id = f"demo-{n}.bpf-patch@lists.example"
        subject = f"{work.prefix} Follow up on {commit.subject.removeprefix(work.prefix).strip()}"
        diff = []
        for path in commit.files:
            diff += [f"diff --git a/{path} b/{path}", f"--- a/{path}", f"+++ b/{path}"]
            diff += ["@@ -10,3 +10,40 @@", " context"]
            diff += [f"+\t/* fictional line {i} */" for i in range(36 + 5 * n)]
        body = "Fictional change in the csf sample world.\n\n---\n" + "\n".join(diff) + "\n-- \n"
        messages.append(
            _message(
                [
                    f"From: {author.name} <{author.git_email}>",
                    f"Subject: [PATCH bpf-next v2] {subject}",
                    f"Date: {format_datetime(when)}",
                    f"Message-ID: <{patch_id}>",
                ],
                body,
            )
        )
        for r, login in enumerate(commit.reviewers):
            reviewer = people[login]
            messages.append(
                _message(
                    [
                        f"From: {reviewer.name} <{reviewer.git_email}>",
                        f"Subject: Re: [PATCH bpf-next v2] {subject}",
                        f"Date: {format_datetime(when + timedelta(hours=5 + r))}",
                        f"Message-ID: <demo-{n}-{r}.bpf-review@lists.example>",
                        f"In-Reply-To: <{patch_id}>",
                        f"References: <{patch_id}>",
                    ],
                    f"> +\t/* fictional line {r} */\n"
                    "This needs the same bounds check as the caller before the spill is read; "
                    "with that moved up it looks right to me.\n\n"
                    f"Reviewed-by: {reviewer.name} <{reviewer.git_email}>\n",
                )
            )
    return messages


def write_mail_archive(git: str, world: SampleWorld, path: Path) -> None:
    """The list as a public-inbox v2 archive at `path` (one epoch: `git/0.git`)."""
    epoch = path / "git" / "0.git"
    epoch.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([git, "init", "-q", "--bare", str(epoch)], check=True, capture_output=True)
    stream: list[bytes] = []
    for n, raw in enumerate(mail_messages(world)):
        stamp = int((world.now - timedelta(days=40) + timedelta(minutes=n)).timestamp())
        who = f"archive <archive@lists.example> {stamp} +0000\n".encode()
        stream += [b"commit refs/heads/master\n", b"author " + who, b"committer " + who]
        stream += [b"data 1\nm\n", b"deleteall\n", b"M 100644 inline m\n"]
        stream.append(f"data {len(raw)}\n".encode() + raw + b"\n")
    subprocess.run(
        [git, "-C", str(epoch), "fast-import", "--quiet"],
        input=b"".join(stream),
        check=True,
        capture_output=True,
    )

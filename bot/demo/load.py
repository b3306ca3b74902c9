"""Fill a store from the sample world through the same code a team runs against GitHub.

The world is served by the local GitHub server on 127.0.0.1; csf tracks its repositories and
`GitHubSync` reads them through `GitHubHTTP` and `GitHubSource`, exactly as `csf sync` does. The
kernel's year arrives as a real git repository (written with `git fast-import`) read by
`ingest_git`, as `csf ingest git` does. Nothing here takes a shortcut into the store.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.demo.discourse_server import FakeDiscourse
from bot.demo.forum import FULL_NAME as FORUM
from bot.demo.forum import build_forum
from bot.demo.github_server import TOKEN, FakeGitHub
from bot.demo.mail import LIST as MAIL_LIST
from bot.demo.mail import WEB as MAIL_WEB
from bot.demo.mail import write_mail_archive
from bot.demo.topics import LINUX
from bot.demo.world import SampleWorld
from bot.ingest.discourse import ForumSync
from bot.ingest.git import ingest_git
from bot.ingest.mail import ingest_mail, mail_list_name
from bot.ingest.sync import GitHubSync, SyncProgress
from bot.ingest.tracking import track
from bot.people.communities import refresh_communities
from bot.people.places import place
from bot.people.regions import infer_regions
from bot.sources.discourse import ForumClients
from bot.sources.github.http import GitHubHTTP
from bot.sources.github.records import GitHubSource
from bot.store.links import archive_base
from bot.store.writes import find_repo, upsert_repo
from bot.taxonomy.model import Taxonomy

ACTOR = "demo"
UNLIMITED = 10**9  # the local server's rate-limit budget: the demo never waits


@dataclass
class LoadReport:
    summaries: list[str] = field(default_factory=list)  # one line per repository
    requests: int = 0  # HTTP requests the sync made to the local GitHub
    skipped: list[str] = field(default_factory=list)  # what could not be loaded, and why


def load_world(
    session: Session,
    taxonomy: Taxonomy,
    world: SampleWorld,
    *,
    on_progress: Callable[[SyncProgress], None] | None = None,
) -> LoadReport:
    """Track the world's repositories and sync them from a local GitHub; ingest the kernel."""
    report = LoadReport()
    repos = [track(session, taxonomy, name, actor=ACTOR) for name in world.repos]
    session.commit()
    with (
        FakeGitHub(world.github, core_limit=UNLIMITED, graphql_limit=UNLIMITED) as server,
        GitHubHTTP(server.url, TOKEN) as http,
    ):
        runner = GitHubSync(
            session,
            GitHubSource(http),
            taxonomy,
            clock=lambda: world.now,
            on_progress=on_progress,
        )
        for repo in repos:
            report.summaries.append(runner.sync(repo).summary())
        report.requests = http.requests + http.not_modified
    report.summaries.append(_load_kernel(session, taxonomy, world, report))
    report.summaries.append(_load_mail(session, taxonomy, world, report))
    report.summaries.append(_load_forum(session, taxonomy, world, on_progress))
    placed = infer_regions(session)
    refresh_communities(session)
    session.commit()
    report.summaries.append(f"{placed} people placed from their commits' clocks and domains")
    return report


def _load_kernel(
    session: Session, taxonomy: Taxonomy, world: SampleWorld, report: LoadReport
) -> str:
    git = shutil.which("git")
    if git is None:
        report.skipped.append(f"{LINUX}: git is not installed, so its mail-reviewed history")
        return f"{LINUX}: skipped (needs git)"
    repo = find_repo(session, LINUX)
    assert repo is not None
    with tempfile.TemporaryDirectory(prefix="csf-demo-linux-") as folder:
        path = Path(folder) / "linux.git"
        write_kernel_history(git, world, path)
        stats = ingest_git(session, taxonomy, repo, path)
    session.commit()
    return stats.summary()


def _load_forum(
    session: Session,
    taxonomy: Taxonomy,
    world: SampleWorld,
    on_progress: Callable[[SyncProgress], None] | None,
) -> str:
    """The world's MLIR forum category, synced from a local Discourse as `csf sync` does."""
    repo = upsert_repo(session, FORUM, "mlir", added_by=ACTOR)
    session.commit()
    with (
        FakeDiscourse(build_forum(world)) as server,
        ForumClients(api_url=server.url) as clients,
    ):
        runner = ForumSync(
            session, clients.for_forum, taxonomy, clock=lambda: world.now, on_progress=on_progress
        )
        return runner.sync(repo).summary()


def _load_mail(session: Session, taxonomy: Taxonomy, world: SampleWorld, report: LoadReport) -> str:
    """The world's BPF list, read by `ingest_mail` as `csf ingest mail` reads a lore clone."""
    git = shutil.which("git")
    if git is None:
        report.skipped.append(f"mail:{MAIL_LIST}: git is not installed, so its mailed reviews")
        return f"mail:{MAIL_LIST}: skipped (needs git)"
    repo = upsert_repo(session, mail_list_name(MAIL_LIST), "linux", added_by=ACTOR, tracked=False)
    session.commit()
    with tempfile.TemporaryDirectory(prefix="csf-demo-mail-") as folder:
        path = Path(folder) / MAIL_LIST
        write_mail_archive(git, world, path)
        stats = ingest_mail(session, taxonomy, repo, path, web=archive_base(MAIL_WEB))
    session.commit()
    return stats.summary()


# Where the sample world's people keep their clocks: their commits carry the local offset, as
# real commits do, so the kernel's git-only people can be placed the way real ones are.
_ZONES = {
    "GB": "Europe/London",
    "IE": "Europe/Dublin",
    "DE": "Europe/Berlin",
    "FR": "Europe/Paris",
    "NL": "Europe/Amsterdam",
    "CH": "Europe/Zurich",
    "ES": "Europe/Madrid",
    "IT": "Europe/Rome",
    "SE": "Europe/Stockholm",
    "PL": "Europe/Warsaw",
    "FI": "Europe/Helsinki",
    "US": "America/Los_Angeles",
    "IN": "Asia/Kolkata",
    "CN": "Asia/Shanghai",
    "JP": "Asia/Tokyo",
}


def _clock(location: str | None, when: datetime) -> str:
    """`+0100`: the offset a commit made at `when` by someone living at `location` carries."""
    zone = _ZONES.get(place(location).country or "")
    offset = when.astimezone(ZoneInfo(zone)).utcoffset() if zone else None
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"


def write_kernel_history(git: str, world: SampleWorld, path: Path) -> None:
    """A bare repository holding the world's kernel commits, trailers and all."""
    subprocess.run([git, "init", "-q", "--bare", str(path)], check=True, capture_output=True)
    people = {p.login: p for p in world.people}
    stream: list[bytes] = []
    sizes: dict[str, int] = {}

    def data(text: str) -> None:
        raw = text.encode()
        stream.append(f"data {len(raw)}\n".encode() + raw + b"\n")

    for mark, commit in enumerate(world.linux_commits, start=1):
        author = people[commit.author]
        stamp = f"{int(commit.when.timestamp())} {_clock(author.location, commit.when)}"
        trailers = [
            f"Reviewed-by: {people[r].name} <{people[r].git_email}>" for r in commit.reviewers
        ]
        trailers.append(f"Signed-off-by: {author.name} <{author.git_email}>")
        message = f"{commit.subject}\n\n{commit.body}\n\n" + "\n".join(trailers) + "\n"
        stream.append(f"commit refs/heads/master\nmark :{mark}\n".encode())
        stream.append(f"author {author.name} <{author.git_email}> {stamp}\n".encode())
        stream.append(f"committer {author.name} <{author.git_email}> {stamp}\n".encode())
        data(message)
        for file_path in commit.files:
            sizes[file_path] = sizes.get(file_path, 0) + 7 + mark % 40
            stream.append(f"M 100644 inline {file_path}\n".encode())
            data("".join(f"/* {file_path} line {n} */\n" for n in range(sizes[file_path])))
    subprocess.run(
        [git, "-C", str(path), "fast-import", "--quiet"],
        input=b"".join(stream),
        check=True,
        capture_output=True,
    )

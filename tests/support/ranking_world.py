"""A fictional MLIR world for ranking tests: owners, reviewers, specialists, old-timers and bots."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session

from bot.ingest.pipeline import index_batch
from bot.store.identity import email_key, login_key
from bot.store.models import CodeOwner, ContributionKind
from bot.store.writes import (
    ContributionRecord,
    resolve_person,
    upsert_contributions,
    upsert_repo,
)
from bot.taxonomy.model import default_taxonomy

AS_OF = datetime(2026, 6, 1, tzinfo=UTC)
BUF = "mlir/lib/Dialect/Bufferization/Transforms/OneShotAnalysis.cpp"


BUF_TEST = "mlir/test/Dialect/Bufferization/one-shot.mlir"
X86 = "llvm/lib/Target/X86/X86ISelLowering.cpp"


class World:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.taxonomy = default_taxonomy()
        self.repo = upsert_repo(session, "llvm/llvm-project", "mlir")
        self.people: dict[str, int] = {}
        self.next_id = 1
        self.records: list[ContributionRecord] = []

    def person(
        self, login: str, location: str | None = None, region: str | None = None, bot: bool = False
    ) -> int:
        if login not in self.people:
            person = resolve_person(
                self.session,
                [login_key(login), email_key(f"{login}@compilers.example")],
                login=login,
            )
            person.name = login.replace("-", " ").title()
            person.location, person.region, person.is_bot = location, region, bot
            assert person.id is not None
            self.people[login] = person.id
        return self.people[login]

    def add(
        self,
        login: str,
        kind: str,
        days_ago: float,
        *,
        state: str | None = None,
        files: int = 4,
        lines: int = 300,
        paths: tuple[str, ...] = (BUF, BUF_TEST),
        labels: tuple[str, ...] = ("mlir:bufferization",),
        parent: int | None = None,
        title: str | None = None,
        created: tuple[str, ...] = (),
    ) -> int:
        self.next_id += 1
        when = AS_OF - timedelta(days=days_ago)
        assert self.repo.id is not None
        self.records.append(
            ContributionRecord(
                repo_id=self.repo.id,
                person_id=self.person(login),
                kind=ContributionKind(kind),
                external_id=str(self.next_id),
                created_at=when,
                occurred_at=when,
                url=f"https://github.com/llvm/llvm-project/pull/{self.next_id}",
                title=title or f"[mlir] {kind} {self.next_id} by {login}",
                state=state,
                parent_number=parent,
                files_changed=files,
                additions=lines,
                deletions=lines // 4,
                paths=paths,
                labels=labels,
                created_paths=created,
            )
        )
        return self.next_id

    def merged(
        self, login: str, count: int, start_days: float, every: float = 10, **kw: Any
    ) -> list[int]:
        return [
            self.add(login, "pr", start_days - i * every, state="merged", **kw)
            for i in range(count)
        ]

    def reviews(
        self,
        login: str,
        count: int,
        start_days: float,
        every: float = 7,
        state: str = "approved",
        **kw: Any,
    ) -> None:
        for i in range(count):
            self.add(login, "review", start_days - i * every, state=state, parent=None, **kw)

    def save(self) -> None:
        ids = upsert_contributions(self.session, self.records)
        index_batch(self.session, self.taxonomy, self.repo, ids, self.records)
        self.records = []
        self.session.commit()


def build(session: Session) -> World:
    w = World(session)
    w.person("ada-owner", "London, UK", "uk")
    w.person("bo-reviewer", "Zürich", "europe")
    w.person("cyd-driveby", "Mountain View, CA", "us")
    w.person("dee-generalist", "Paris", "eu")
    w.person("eve-specialist", "Edinburgh", "uk")
    w.person("fay-oldtimer", "Munich", "eu")
    w.person("gus-newcomer", "Warsaw", "eu")
    w.person("dependabot[bot]", bot=True)
    prs = w.merged("ada-owner", 6, 330, every=50)
    for number in prs:
        w.add("bo-reviewer", "review", 300, state="approved", parent=number)
    w.reviews("ada-owner", 20, 350, every=15)
    w.reviews("bo-reviewer", 30, 360, every=10, state="changes_requested")
    w.merged("bo-reviewer", 2, 200)
    w.merged("cyd-driveby", 1, 100, files=10, lines=3000)
    w.merged("dee-generalist", 120, 360, every=3, paths=(X86,), labels=("backend:X86",))
    w.merged("dee-generalist", 2, 40, files=1, lines=20)
    w.merged("eve-specialist", 8, 300, every=30)
    w.merged("fay-oldtimer", 40, 760, every=3)
    w.merged("gus-newcomer", 4, 60, every=12)
    w.merged("dependabot[bot]", 50, 300, every=5)
    # Discussion, which answers tally rather than show: the owner's comments over the years
    # and a reviewer's issues (a cached answer must count them as a live one does).
    for n in range(8):
        w.add("ada-owner", "comment", 20 + 90 * n, files=0, lines=0)
    for n in range(3):
        w.add("bo-reviewer", "issue", 45 + 100 * n, files=0, lines=0)
    w.save()
    assert w.repo.id is not None
    session.add(
        CodeOwner(
            repo_id=w.repo.id,
            source_path=".github/CODEOWNERS",
            line=3,
            pattern="mlir/lib/Dialect/Bufferization/**",
            owner_kind="github",
            owner_value="ada-owner",
        )
    )
    session.commit()
    return w

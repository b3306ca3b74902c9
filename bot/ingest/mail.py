"""A mailing list's archive into the store: mailed patches and the review given in replies.

The kernel reviews by mail. Here:
- a patch (`[PATCH vN m/n] subsystem: subject`) is a `pr` of its sender, with the files its diff
  touches (their topics come from the taxonomy, as a commit's do) and the files it creates;
  a later version of the same patch by the same sender supersedes the earlier ones (state
  `superseded`), so a series sent eight times is one piece of work, not eight;
- a reply is a `review` of the patch it answers, by its sender, when they wrote a
  `Reviewed-by:` (approved), `Acked-by:` (acked) or `Tested-by:` (tested) line themself, or
  commented inline on the quoted diff with words of their own; a reply to a cover letter reviews
  every patch of the series; an author answering their own thread is no review;
- a patch whose subject is the subject of a commit already in the store (the kernel's git
  history, ingested with `csf ingest git`) is `merged`, or `landed` when the commit is the same
  person's: then the commit counts the work (`counted_as_pr`) and the patch stays as what its
  reviews answer. Run the mail ingest again after a git ingest to see patches merge.
Senders are people exactly as git's authors are (the same address hash, the same rules, the
same suppression of the forgotten), so one person in git and on a list is one person. Addresses
are never stored; Message-IDs (which often hold one) are kept only as hashes (`MailMessage`).
Reading is resumable: the cursor (epoch and commit) moves with each batch's transaction, so a
run killed at any point and run again ends equal to an uninterrupted one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from bot.errors import BusyError, CsfError
from bot.ingest.coverage import TopicCoverage, topic_coverage
from bot.ingest.git import GitIngest
from bot.ingest.layout import LIST_PREFIX
from bot.ingest.pipeline import index_batch
from bot.sources.git import Mailmap
from bot.sources.mail import (
    ArchiveCursor,
    Mail,
    MailArchiveError,
    message_hash,
    read_messages_aside,
)
from bot.store.links import archive_link
from bot.store.locks import session_job_lock
from bot.store.models import Contribution, ContributionKind, MailMessage, Person, Repo
from bot.store.writes import (
    LANDED,
    ContributionRecord,
    bulk_write,
    delete_contributions,
    get_cursor,
    set_cursor,
    upsert_contributions,
)
from bot.taxonomy.model import Taxonomy

CURSOR = "mail"  # {"epoch": N, "commit": SHA} of the last message read
WEB_CURSOR = "mail.web"  # the archive's public web address, for evidence links
BATCH = 2000
SERIES_CAP = 60  # patches a reply to a cover letter reviews at most
_CACHED_MESSAGES = 100_000  # messages remembered for the replies that follow them
_STATES = {"reviewed-by": "approved", "acked-by": "acked", "tested-by": "tested"}


_LIST_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}\Z")


def mail_list_name(name: str) -> str:
    """The store's name for a list (`mail:bpf`); a clear error for a name that is not one."""
    cleaned = name.strip().lower()
    if not _LIST_NAME.match(cleaned):
        raise CsfError(f"{name!r} is not a list name: letters, digits, '.', '_' and '-', e.g. bpf")
    return f"{LIST_PREFIX}{cleaned}"


@dataclass
class MailIngestStats:
    list_name: str
    messages: int = 0
    patches: int = 0
    reviews: int = 0
    removed: int = 0  # messages the archive removed, with the work they gave
    merged: int = 0  # patches found in git history this run
    skipped: int = 0  # suppressed senders, or no usable address
    people_before: int = 0
    people_after: int = 0
    problems: list[str] = field(default_factory=list)
    coverage: TopicCoverage | None = None

    def summary(self) -> str:
        text = (
            f"{self.list_name}: {self.messages} messages read; {self.patches} patches and "
            f"{self.reviews} reviews stored; {self.people_after - self.people_before} new people"
        )
        if self.merged:
            text += f"; {self.merged} patches found merged in git history"
        if self.removed:
            text += f"; {self.removed} messages the archive removed"
        if self.problems:
            n = len(self.problems)
            text += f"; {n} message{'' if n == 1 else 's'} not read (see below)"
        return text


@dataclass(frozen=True)
class _Patch:
    """What a reply needs of the patch it answers."""

    external_id: str
    person_id: int
    title: str | None
    paths: tuple[str, ...]
    additions: int
    deletions: int
    series: str
    url: str | None

    @classmethod
    def of(cls, work: ContributionRecord | Contribution, series: str) -> _Patch:
        """A patch as collected this run (a record) or stored by an earlier one (a row)."""
        return cls(
            work.external_id,
            work.person_id,
            work.title,
            tuple(work.paths),
            work.additions,
            work.deletions,
            series,
            work.url,
        )


class MailIngest:
    """Ingests one list's archive; keeps small caches, never the archive itself."""

    def __init__(self, session: Session, taxonomy: Taxonomy, repo: Repo, web: str) -> None:
        assert repo.id is not None
        self.session = session
        self.taxonomy = taxonomy
        self.repo = repo
        self.repo_id: int = repo.id
        self.web = web
        # Senders are resolved with git's rules and caches, so they are the same people.
        self.people = GitIngest(session, taxonomy, repo, Mailmap())
        self._records: list[ContributionRecord] = []
        self._rows: list[tuple[str, str, str | None, int | None]] = []  # hash, kind, series, rec
        # This run's messages, for the replies that follow them (emptied past a size at a flush,
        # when what they hold is in the store): patches (None: a forgotten sender's), what each
        # message was, and the patches of each series.
        self._patches: dict[str, _Patch | None] = {}
        self._kinds: dict[str, str] = {}
        self._members: dict[str, list[_Patch]] = {}
        self._removed: list[str] = []
        self._superseded: list[tuple[int, str, str]] = []  # person, title, the new external id
        self.stats = MailIngestStats(repo.full_name)

    def message(self, mail: Mail) -> None:
        """Collect what one message gives; written at the next `flush`."""
        self.people.begin()
        self.stats.messages += 1
        own = message_hash(mail.message_id)
        if mail.removed:
            self._removed.append(own)
            gone = self._patches.pop(own, None)
            self._kinds.pop(own, None)
            if gone is not None:  # a later reply to its cover letter does not review it
                members = self._members.get(gone.series, [])
                self._members[gone.series] = [m for m in members if m is not gone]
            return
        if mail.is_cover:
            self._rows.append((own, "cover", own, None))
            self._kinds[own] = "cover"
            return
        if mail.is_patch:
            self._patch(mail, own)
        elif mail.is_reply and (mail.trailers or mail.inline_review):
            self._review(mail, own)

    def _link(self, mail: Mail, title: str | None) -> str | None:
        """The message on the archive's web pages; by subject and day when its Message-ID holds
        the sender's address (it is not kept, not even inside a link)."""
        local, _, domain = mail.sender.email.lower().partition("@")
        base = local.split("+")[0]
        mid_local, _, mid_domain = mail.message_id.lower().rpartition("@")
        holds_address = bool(base and base in mid_local) or mid_domain == domain
        if not holds_address:
            return archive_link(self.web, mail.message_id)
        words = f's:"{title or mail.subject}" d:{mail.sent_at:%Y%m%d}..{mail.sent_at:%Y%m%d}'
        return archive_link(self.web, query="q=" + quote(words, safe=""))

    def _patch(self, mail: Mail, own: str) -> None:
        sender = self.people.who(mail.sender)
        series = message_hash(mail.in_reply_to) if mail.in_reply_to else own
        if sender is None:
            self.stats.skipped += 1
            self._patches[own] = None
            self._kinds[own] = "patch"
            self._rows.append((own, "patch", series, None))
            return
        title = mail.patch_title
        record = ContributionRecord(
            repo_id=self.repo_id,
            person_id=sender.person_id,
            identity_key=str(sender.key),
            kind=ContributionKind.PR,
            external_id=f"m:{own[:24]}",
            created_at=mail.sent_at,
            occurred_at=mail.sent_at,
            url=self._link(mail, title),
            title=title,
            state="open",
            files_changed=len(mail.files),
            additions=sum(f.added for f in mail.files),
            deletions=sum(f.deleted for f in mail.files),
            paths=tuple(mail.paths),
            utc_offset=mail.utc_offset,
            created_paths=tuple(f.path for f in mail.files if f.created),
        )
        self._rows.append((own, "patch", series, len(self._records)))
        self._records.append(record)
        self._remember(own, record, series)
        if mail.version > 1 and record.title:
            self._superseded.append((sender.person_id, record.title, record.external_id))
        self.stats.patches += 1

    def _remember(self, own: str, record: ContributionRecord, series: str) -> None:
        self._kinds[own] = "patch"
        patch = self._patches[own] = _Patch.of(record, series)
        self._members.setdefault(series, []).append(patch)

    def _review(self, mail: Mail, own: str) -> None:
        reviewed = self._answered(mail)
        if not reviewed:
            return
        reviewer = self.people.who(mail.sender)
        if reviewer is None:
            self.stats.skipped += 1
            return
        state = _STATES[mail.trailers[0]] if mail.trailers else "commented"
        self._rows.append((own, "reply", None, None))
        for patch in reviewed:
            if patch.person_id == reviewer.person_id:
                continue  # an author answering their own thread
            self._records.append(
                ContributionRecord(
                    repo_id=self.repo_id,
                    person_id=reviewer.person_id,
                    identity_key=str(reviewer.key),
                    kind=ContributionKind.REVIEW,
                    external_id=f"r:{own[:16]}:{patch.external_id[2:18]}",
                    created_at=mail.sent_at,
                    occurred_at=mail.sent_at,
                    url=self._link(mail, patch.title),
                    title=patch.title,
                    state=state,
                    files_changed=len(patch.paths),
                    additions=patch.additions,
                    deletions=patch.deletions,
                    paths=patch.paths,
                    utc_offset=mail.utc_offset,
                )
            )
            self.stats.reviews += 1

    def _answered(self, mail: Mail) -> list[_Patch]:
        """The patches a reply reviews: the nearest patch up its thread, or every patch of the
        series whose cover letter it answers."""
        ancestors = [mail.in_reply_to] if mail.in_reply_to else []
        ancestors += [m for m in reversed(mail.references) if m != mail.in_reply_to]
        for ancestor in ancestors:
            key = message_hash(ancestor)
            kind = self._kinds.get(key) or self._stored(key)
            if kind == "patch":
                patch = self._patches.get(key)
                if patch is not None:
                    return [patch]
            elif kind == "cover":
                return self._series(key)
        return []

    def _stored(self, key: str) -> str | None:
        """What an earlier run read this message as (and, for a patch, what a reply needs of
        it), in one lookup; remembered for the rest of the run."""
        row = self.session.exec(
            select(MailMessage, Contribution)
            .outerjoin(Contribution, col(Contribution.id) == col(MailMessage.contribution_id))
            .where(MailMessage.repo_id == self.repo_id, MailMessage.message == key)
        ).first()
        if row is None:
            self._kinds[key] = "unknown"
            return None
        message, c = row
        self._kinds[key] = message.kind
        if message.kind == "patch":  # None: a forgotten sender's
            self._patches[key] = _Patch.of(c, message.series or key) if c is not None else None
        return message.kind

    def _series(self, key: str) -> list[_Patch]:
        """The patches of the series whose cover letter is `key`."""
        found = {p.external_id: p for p in self._members.get(key, [])}
        rows = self.session.exec(
            select(Contribution)
            .join(MailMessage, col(Contribution.id) == col(MailMessage.contribution_id))
            .where(MailMessage.repo_id == self.repo_id, MailMessage.series == key)
            .limit(SERIES_CAP)
        ).all()
        for c in rows:
            found.setdefault(c.external_id, _Patch.of(c, key))
        return list(found.values())[:SERIES_CAP]

    def flush(self) -> None:
        """Write what was collected, in this transaction."""
        self.people.begin()
        records, self._records = self._records, []
        ids = upsert_contributions(self.session, records) if records else []
        if records:
            index_batch(self.session, self.taxonomy, self.repo, ids, records)
        rows, self._rows = self._rows, []
        table = MailMessage.__table__  # type: ignore[attr-defined]
        bulk_write(
            self.session,
            table,
            [
                {
                    "repo_id": self.repo_id,
                    "message": own,
                    "kind": kind,
                    "series": series,
                    "contribution_id": ids[at] if at is not None else None,
                }
                for own, kind, series, at in _last_of_each(rows)
            ],
            conflict=("repo_id", "message"),
            update=("kind", "series", "contribution_id"),
        )
        self._supersede()
        self._remove()
        if len(self._kinds) > _CACHED_MESSAGES:  # all of it is in the store now
            self._patches, self._kinds, self._members = {}, {}, {}

    def _supersede(self) -> None:
        """Older versions of a patch sent again by its author give way to the newest.

        Looked up per (sender, subject) through the partial index of open PRs, so the cost
        is the batch's, not the senders' whole history's.
        """
        later, self._superseded = self._superseded, []
        if not later:
            return
        newest = {(person_id, title): external for person_id, title, external in later}
        table = Contribution.__table__  # type: ignore[attr-defined]
        query = sa.select(table.c.id, table.c.external_id).where(
            table.c.person_id == sa.bindparam("person"),
            table.c.title == sa.bindparam("subject"),
            # Written out, not bound: a plan prepared for any kind and state could not use
            # the partial index (PostgreSQL's generic plans).
            table.c.kind == sa.literal_column(f"'{ContributionKind.PR.value}'"),
            table.c.state == sa.literal_column("'open'"),
            table.c.repo_id == self.repo_id,
        )
        old: list[int] = []
        for (person_id, title), external in sorted(newest.items()):
            rows = self.session.execute(query, {"person": person_id, "subject": title})
            old += [row.id for row in rows if row.external_id != external]
        for start in range(0, len(old), 500):
            self.session.execute(
                sa.update(table)
                .where(table.c.id.in_(old[start : start + 500]))
                .values(state="superseded")
            )

    def _remove(self) -> None:
        """Messages the archive removed take the work they gave with them."""
        removed, self._removed = self._removed, []
        table = Contribution.__table__  # type: ignore[attr-defined]
        for own in removed:
            ids = list(
                self.session.execute(
                    sa.select(table.c.id).where(
                        table.c.repo_id == self.repo_id,
                        sa.or_(
                            table.c.external_id == f"m:{own[:24]}",
                            table.c.external_id.like(f"r:{own[:16]}:%"),
                            table.c.external_id.like(f"r:%:{own[:16]}"),
                        ),
                    )
                ).scalars()
            )
            delete_contributions(self.session, ids)
            self.session.execute(
                sa.delete(MailMessage).where(
                    col(MailMessage.repo_id) == self.repo_id, col(MailMessage.message) == own
                )
            )
            self.stats.removed += 1


def _last_of_each(
    rows: list[tuple[str, str, str | None, int | None]],
) -> Iterable[tuple[str, str, str | None, int | None]]:
    """One row per message (a Message-ID sent twice: the later reading stands)."""
    return {row[0]: row for row in rows}.values()


def ingest_mail(
    session: Session,
    taxonomy: Taxonomy,
    repo: Repo,
    path: Path,
    *,
    web: str,
    full: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> MailIngestStats:
    """Ingest the messages of the archive at `path` not read before into `repo` (a list).

    One ingest of a list runs at a time: a second raises `BusyError` and touches nothing.
    `full` reads the whole archive again (what it gave before is replaced, not doubled).
    """
    name = repo.full_name
    with session_job_lock(session, f"ingest mail {name.lower()}") as held:
        if not held:
            raise BusyError(f"another ingest of {name} is running: try again when it has finished")
        return _ingest(session, taxonomy, repo, path, web, full, on_progress)


def _ingest(
    session: Session,
    taxonomy: Taxonomy,
    repo: Repo,
    path: Path,
    web: str,
    full: bool,
    on_progress: Callable[[int], None] | None,
) -> MailIngestStats:
    assert repo.id is not None
    repo_id = repo.id
    ingest = MailIngest(session, taxonomy, repo, web)
    stats = ingest.stats
    stats.people_before = session.exec(select(func.count()).select_from(Person)).one()
    saved = None if full else get_cursor(session, repo_id, CURSOR)
    after = ArchiveCursor(**json.loads(saved)) if saved else None
    last: ArchiveCursor | None = None
    for mail in read_messages_aside(path, after=after, problems=stats.problems):
        ingest.message(mail)
        last = ArchiveCursor(mail.epoch, mail.commit)
        if stats.messages % BATCH == 0:
            _save(session, ingest, repo_id, last, web)
            if on_progress:
                on_progress(stats.messages)
    if last is not None:
        _save(session, ingest, repo_id, last, web)
    stats.merged = mark_merged(session, repo)
    session.commit()
    if on_progress:
        on_progress(stats.messages)
    stats.people_after = session.exec(select(func.count()).select_from(Person)).one()
    stats.coverage = topic_coverage(session, taxonomy, repo)
    return stats


def _save(
    session: Session, ingest: MailIngest, repo_id: int, last: ArchiveCursor, web: str
) -> None:
    """One transaction per batch: its work and the cursor that says it is in."""
    ingest.flush()
    set_cursor(session, repo_id, CURSOR, json.dumps({"epoch": last.epoch, "commit": last.commit}))
    set_cursor(session, repo_id, WEB_CURSOR, web)
    session.commit()


def mark_merged(session: Session, repo: Repo) -> int:
    """Open patches of the list whose subject is a commit's in the same ecosystem's stored
    history become `merged` (`landed` when the commit is their sender's); how many did.

    A review line sent by mail that the commit also carries as a trailer (the same person on
    a commit of the same subject) is one review seen twice: the mail's becomes `landed` and the
    commit's trailer counts it (`counted_as_pr`). One pass over the ecosystem's commits and
    trailer reviews, compared in memory: subjects have no index, and a list's open patches and
    review lines are far fewer than a kernel's commits.
    """
    table = Contribution.__table__  # type: ignore[attr-defined]
    repos = sa.select(col(Repo.id)).where(
        col(Repo.ecosystem) == repo.ecosystem, col(Repo.id) != repo.id
    )
    mine = sa.and_(table.c.repo_id == repo.id, table.c.title.is_not(None))
    theirs = table.c.repo_id.in_(repos.scalar_subquery())
    patches: dict[str, list[tuple[int, int]]] = {}
    for row in session.execute(
        sa.select(table.c.id, table.c.title, table.c.person_id).where(
            mine, table.c.kind == ContributionKind.PR.value, table.c.state == "open"
        )
    ):
        patches.setdefault(row.title, []).append((row.id, row.person_id))
    found: dict[int, tuple[str, object]] = {}
    if patches:
        for title, person_id, when in session.execute(
            sa.select(table.c.title, table.c.person_id, table.c.occurred_at).where(
                table.c.kind == ContributionKind.COMMIT.value, theirs
            )
        ):
            for row_id, sender in patches.get(title, ()):
                state = LANDED if sender == person_id else "merged"
                if found.get(row_id, ("merged",))[0] != LANDED:
                    found[row_id] = (state, when)
    if found:
        session.execute(
            sa.update(table)
            .where(table.c.id == sa.bindparam("row_id"))
            .values(state=sa.bindparam("row_state"), merged_at=sa.bindparam("row_when")),
            [
                {"row_id": row_id, "row_state": state, "row_when": when}
                for row_id, (state, when) in sorted(found.items())
            ],
        )
    lines: dict[tuple[str, int], list[int]] = {}
    for row in session.execute(
        sa.select(table.c.id, table.c.title, table.c.person_id).where(
            mine,
            table.c.kind == ContributionKind.REVIEW.value,
            table.c.state.in_(sorted(set(_STATES.values()))),
        )
    ):
        lines.setdefault((row.title, row.person_id), []).append(row.id)
    if lines:
        twice = [
            row_id
            for title, person_id in session.execute(
                sa.select(table.c.title, table.c.person_id).where(
                    table.c.kind == ContributionKind.REVIEW.value,
                    table.c.external_id.like("%:review:%"),
                    theirs,
                )
            )
            for row_id in lines.pop((title, person_id), ())
        ]
        for start in range(0, len(twice), 500):  # bind parameters are limited per statement
            chunk = twice[start : start + 500]
            session.execute(sa.update(table).where(table.c.id.in_(chunk)).values(state=LANDED))
    return len(found)


__all__ = ["MailArchiveError", "MailIngestStats", "ingest_mail", "mark_merged"]

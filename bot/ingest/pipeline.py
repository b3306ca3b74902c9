"""Source records in, people and tagged contributions out: the layer every source shares.

Rules applied here, once, whatever the source:
- work by a suppressed person (someone who asked to be forgotten) is skipped before it is stored,
  checked in the same transaction as the write (under `write_lock`, so a `forget` lands wholly
  before the check or after the commit; people cached from an earlier page are checked again);
- bots are stored as people marked `is_bot`, so rankings can leave them out and a later look at
  the data can still explain where a bot's PRs went;
- a review is a contribution of the reviewer on someone else's PR: authors answering their own
  PR's review threads are not reviewing, and are skipped;
- every contribution is tagged with the taxonomy from its paths, labels and title, in the same
  transaction as the contribution itself.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.ingest.layout import tag_work
from bot.people import curation as people
from bot.people.not_people import not_people
from bot.people.places import place
from bot.sources.github.records import (
    Actor,
    CommentRecord,
    IssueRecord,
    PullRequestRecord,
    UserProfile,
)
from bot.store.identity import (
    IdentityKey,
    email_key,
    login_key,
    redact_addresses,
    suppression_hash,
)
from bot.store.locks import Writer
from bot.store.models import (
    AuditEvent,
    Contribution,
    ContributionKind,
    Identity,
    Person,
    Repo,
)
from bot.store.writes import (
    ContributionRecord,
    Indexed,
    add_identity,
    existing_people,
    replace_terms,
    replace_topics,
    resolve_person,
    set_natures,
    store_secret,
    suppressed_hashes,
    upsert_contributions,
)
from bot.taxonomy.model import Taxonomy
from bot.taxonomy.nature import classify
from bot.taxonomy.terms import terms_of

PARENT_CACHE_SIZE = 5000
_AUTHORED = {
    ContributionKind.PR,
    ContributionKind.COMMIT,
    ContributionKind.ISSUE,
    ContributionKind.RFC,
}
# Kinds whose size and title say what the change was (reviews weigh what they review).
_CLASSIFIED = {ContributionKind.PR, ContributionKind.COMMIT, ContributionKind.REVIEW}
_RFC_PREFIXES = ("[rfc]", "rfc:", "rfc ", "[discussion]", "[design]")


@dataclass(frozen=True)
class _Parent:
    title: str | None
    paths: list[str]
    labels: list[str]


class Ingestor:
    """Writes one repository's records into the store; cheap to create, one per sync."""

    def __init__(self, session: Session, taxonomy: Taxonomy, repo: Repo) -> None:
        assert repo.id is not None
        self.session = session
        self.taxonomy = taxonomy
        self.repo = repo
        self.repo_id: int = repo.id
        self._people: dict[str, int | None] = {}
        # Recent threads, so comments are tagged like them; bounded, older ones are re-read.
        self._parents: OrderedDict[int, _Parent] = OrderedDict()
        self._writer = Writer(session)
        self._suppressed: set[str] = set()
        self._secret = store_secret(session)
        self._pending: list[ContributionRecord] = []
        self.logins_seen: set[str] = set()

    # -- people -----------------------------------------------------------------------------

    def suppressed(self, key: IdentityKey) -> bool:
        return suppression_hash(key) in self._suppressed

    def _begin(self) -> None:
        """Hold the write lock; in a new transaction, re-read suppressions and drop the cached
        people forgotten, merged away or pruned since the last one."""
        if not self._writer.begin():
            return
        self._suppressed = suppressed_hashes(self.session)
        live = existing_people(self.session, (p for p in self._people.values() if p is not None))
        self._people = {
            login: person
            for login, person in self._people.items()
            if person is None or (person in live and not self.suppressed(login_key(login)))
        }

    def person_id(self, who: Actor | None) -> int | None:
        """The person behind a GitHub actor; None for deleted accounts and suppressed people."""
        if who is None:
            return None
        try:
            key = login_key(who.login)
        except ValueError:
            return None
        self._begin()
        if key.value in self._people:
            return self._people[key.value]
        if self.suppressed(key):
            self._people[key.value] = None
            return None
        person = resolve_person(self.session, [key], login=who.login)
        # A hand mark ("this is a person") always wins over the rules.
        bot = who.is_bot or not_people().name(who.login)
        if bot and not person.is_bot and person.marked is None:
            person.is_bot = True
        self._people[key.value] = person.id
        self.logins_seen.add(key.value)
        return person.id

    def apply_profile(self, profile: UserProfile, fetched_at: datetime) -> None:
        person_id = self.person_id(Actor(profile.login, profile.is_bot))
        if person_id is None:
            return
        person = self.session.get(Person, person_id)
        assert person is not None
        if person.login and person.login.lower() != profile.login.lower():
            # An account merged by hand into a record whose own account is another: the
            # record keeps its own profile; this one is kept with its identity for a split.
            shown = Person()
            _fill_profile(shown, profile)
            self.session.execute(
                sa.update(Identity)
                .where(
                    col(Identity.person_id) == person_id,
                    col(Identity.kind) == "github",
                    col(Identity.value) == profile.login.lower(),
                )
                .values(profile=people.profile_of(shown))
            )
            person.profile_fetched_at = fetched_at
            return
        person.login = profile.login
        _fill_profile(person, profile)
        person.public_email = profile.email
        person.is_bot = person.is_bot or profile.is_bot
        person.profile_fetched_at = fetched_at
        person.updated_at = fetched_at
        if profile.email:
            with contextlib.suppress(ValueError):
                self._link_address(person_id, email_key(profile.email, self._secret))

    def _link_address(self, person_id: int, key: IdentityKey) -> None:
        """A published address joins this account to the same person's git commits.

        If git history came first, the address already names a person with no GitHub account:
        that person is merged into this one, unless someone split them apart by hand.
        """
        if add_identity(self.session, person_id, key):
            return
        owner_id = self.session.exec(
            select(Identity.person_id).where(
                Identity.kind == key.kind.value, Identity.value == key.value
            )
        ).one()
        has_account = self.session.exec(
            select(Identity.id).where(Identity.person_id == owner_id, Identity.kind == "github")
        ).first()
        split_by_hand = any(
            (event.detail or {}).get("new") == owner_id
            for event in self.session.exec(
                select(AuditEvent).where(AuditEvent.action == "people.split")
            )
        )
        account, owner = self.session.get(Person, person_id), self.session.get(Person, owner_id)
        if has_account is None and not split_by_hand and account and owner:
            people.merge(self.session, account, owner, actor="sync")

    # -- contributions ----------------------------------------------------------------------

    def flush(self) -> int:
        """Write what was collected since the last flush, tagged; call before each commit.

        Records are collected and flushed in one transaction: the people they name were
        checked in it.
        """
        self._begin()
        records, self._pending = self._pending, []
        ids = upsert_contributions(self.session, records)
        index_batch(self.session, self.taxonomy, self.repo, ids, records)
        return len(records)

    def _remember(self, number: int, parent: _Parent) -> None:
        self._parents[number] = parent
        self._parents.move_to_end(number)
        if len(self._parents) > PARENT_CACHE_SIZE:
            self._parents.popitem(last=False)

    def pull_request(self, pr: PullRequestRecord) -> None:
        self._remember(pr.number, _Parent(pr.title, pr.paths, pr.labels))
        author_id = self.person_id(pr.author)
        if author_id is not None:
            occurred = pr.merged_at or pr.closed_at or pr.created_at
            record = ContributionRecord(
                repo_id=self.repo_id,
                person_id=author_id,
                identity_key=_github_key(pr.author),
                kind=ContributionKind.PR,
                external_id=str(pr.number),
                created_at=pr.created_at,
                occurred_at=occurred,
                url=pr.url,
                title=pr.title,
                state=pr.state,
                merged_at=pr.merged_at,
                closed_at=pr.closed_at,
                files_changed=pr.changed_files or len(pr.paths),
                additions=pr.additions,
                deletions=pr.deletions,
                paths=pr.paths,
                labels=pr.labels,
                created_paths=pr.created,
            )
            self._pending.append(record)
        author_login = pr.author.login.lower() if pr.author else None
        for review in pr.reviews:
            if review.author is None or review.author.login.lower() == author_login:
                continue
            reviewer_id = self.person_id(review.author)
            if reviewer_id is None:
                continue
            record = ContributionRecord(
                repo_id=self.repo_id,
                person_id=reviewer_id,
                identity_key=_github_key(review.author),
                kind=ContributionKind.REVIEW,
                external_id=review.id,
                created_at=review.submitted_at,
                occurred_at=review.submitted_at,
                url=review.url or pr.url,
                title=pr.title,
                state=review.state,
                parent_number=pr.number,
                files_changed=pr.changed_files or len(pr.paths),
                additions=pr.additions,
                deletions=pr.deletions,
                paths=pr.paths,
                labels=pr.labels,
            )
            self._pending.append(record)

    def issue(self, issue: IssueRecord) -> None:
        self._remember(issue.number, _Parent(issue.title, [], issue.labels))
        author_id = self.person_id(issue.author)
        if author_id is None:
            return
        is_rfc = design_title(issue.title)
        kind = ContributionKind.RFC if is_rfc else ContributionKind.ISSUE
        # A retitled thread ("[RFC] ..." added or dropped) is still one thread: drop the row
        # stored under the other kind, or the thread would count twice.
        other = ContributionKind.ISSUE if is_rfc else ContributionKind.RFC
        self.session.execute(
            sa.delete(Contribution).where(
                col(Contribution.repo_id) == self.repo_id,
                col(Contribution.kind) == other.value,
                col(Contribution.external_id) == str(issue.number),
            )
        )
        record = ContributionRecord(
            repo_id=self.repo_id,
            person_id=author_id,
            identity_key=_github_key(issue.author),
            kind=kind,
            external_id=str(issue.number),
            created_at=issue.created_at,
            occurred_at=issue.created_at,
            url=issue.url,
            title=issue.title,
            state=issue.state,
            closed_at=issue.closed_at,
            labels=issue.labels,
        )
        self._pending.append(record)

    def comment(self, comment: CommentRecord) -> None:
        author_id = self.person_id(comment.author)
        if author_id is None:
            return
        parent = self._parent(comment.issue_number)
        record = ContributionRecord(
            repo_id=self.repo_id,
            person_id=author_id,
            identity_key=_github_key(comment.author),
            kind=ContributionKind.COMMENT,
            external_id=comment.id,
            created_at=comment.created_at,
            occurred_at=comment.created_at,
            url=comment.url,
            title=parent.title,
            parent_number=comment.issue_number,
            paths=parent.paths,
            labels=parent.labels,
        )
        self._pending.append(record)

    def _parent(self, number: int) -> _Parent:
        """The PR or issue a comment belongs to, so the comment is tagged like its thread.

        Threads seen in this sync are remembered; older ones are read back from the store.
        """
        if number not in self._parents:
            row = self.session.exec(
                select(Contribution.title, Contribution.paths, Contribution.labels).where(
                    Contribution.repo_id == self.repo_id,
                    Contribution.external_id == str(number),
                    col(Contribution.kind).in_(["pr", "issue", "rfc"]),
                )
            ).first()
            self._remember(
                number,
                _Parent(row[0], list(row[1]), list(row[2])) if row else _Parent(None, [], []),
            )
        return self._parents[number]


def design_title(title: str | None) -> bool:
    """Whether a thread's title says it is an RFC or a design discussion (`[RFC] ...`)."""
    return bool(title) and title.strip().lower().startswith(_RFC_PREFIXES)  # type: ignore[union-attr]


def index_batch(
    session: Session,
    taxonomy: Taxonomy,
    repo: Repo,
    ids: Sequence[int],
    records: Sequence[ContributionRecord],
) -> None:
    """Tag stored contributions with topics and index their words, replacing what was there.

    Tags and words come from the records' own (redacted) text, so the word index holds no
    more than the stored titles, paths and labels do. A PR's reviews (a commit's trailer
    reviews) share its paths, labels and title, so each distinct shape is tagged once.
    """
    shapes: dict[
        tuple[tuple[str, ...], tuple[str, ...], str | None, tuple[str, ...]],
        tuple[set[str], set[str], set[str], set[str]],
    ] = {}
    tagged: list[Indexed] = []
    termed: list[Indexed] = []
    natures: dict[int, str | None] = {}
    sorts: dict[tuple[object, int, int, int], str | None] = {}
    # A key given twice in one batch (a PR updated while a sync paged through the list) is
    # stored as its last record (`upsert_contributions`): its index is that record's alone,
    # not the union of both readings.
    stored = dict(zip(ids, records, strict=True))
    for contribution_id, record in stored.items():
        title = record.title
        created = tuple(record.created_paths)
        shape = (tuple(record.paths), tuple(record.labels), title, created)
        if shape not in shapes:
            where = (taxonomy, repo.full_name, repo.ecosystem)
            topics = tag_work(*where, record.paths, record.labels, title)
            # Built: the topics and words of the files it created (not its labels or title).
            built = tag_work(*where, created, (), None) if created else set()
            shapes[shape] = (
                topics,
                terms_of(record.paths, record.labels, title),
                built & topics,
                terms_of(created, (), None) if created else set(),
            )
        if record.kind in _CLASSIFIED:
            sized = (shape, record.additions, record.deletions, record.files_changed)
            if sized not in sorts:  # a patch's reviews are classified as the patch is
                sorts[sized] = classify(
                    title, record.paths, record.additions, record.deletions, record.files_changed
                )
            nature = sorts[sized]
            natures[contribution_id] = nature
        topics, terms, built_topics, built_terms = shapes[shape]
        tagged.append((contribution_id, record.person_id, record.occurred_at, topics, built_topics))
        # Words index authored work only: a review or comment repeats its thread's words,
        # and indexing them again would double the largest table of an ingest.
        authored = record.kind in _AUTHORED
        termed.append(
            (
                contribution_id,
                record.person_id,
                record.occurred_at,
                terms if authored else (),
                built_terms if authored else (),
            )
        )
    replace_topics(session, tagged)
    replace_terms(session, termed)
    set_natures(session, natures)


def _github_key(who: Actor | None) -> str | None:
    return f"github:{who.login.lower()}" if who is not None else None


def stale_profiles(session: Session, logins: set[str], *, older_than: datetime) -> list[str]:
    """Logins whose profile is due: never fetched (anyone, so a crashed sync catches up), or
    seen in this sync (`logins`) and older than `older_than`."""
    due = {
        login
        for login in session.exec(
            select(Person.login).where(
                col(Person.profile_fetched_at).is_(None),
                col(Person.login).is_not(None),
                col(Person.is_bot).is_(False),
            )
        )
        if login is not None
    }
    wanted = sorted({login.lower() for login in logins})
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = session.exec(
            select(Person.login).where(
                sa.func.lower(Person.login).in_(chunk),
                col(Person.is_bot).is_(False),
                col(Person.profile_fetched_at) < older_than,
            )
        )
        due.update(login for login in rows if login is not None)
    return sorted(due)


def _fill_profile(person: Person, profile: UserProfile) -> None:
    """What a GitHub profile says that csf shows. The published address is kept apart (the
    contact route); any other address in free text is not kept (see `redact_addresses`)."""
    person.name = redact_addresses(profile.name)
    person.location = redact_addresses(profile.location)
    where = place(person.location)
    person.country_code, person.region = where.country, where.region
    # A location that places them is the strongest clue; without one, the next refresh
    # weighs the other clues (bot/people/regions.py).
    person.region_level = "stated" if where.region else None
    person.region_why = f"profile: {person.location}" if where.region else None
    person.company = redact_addresses(profile.company)
    person.blog = redact_addresses(profile.blog)
    person.bio = redact_addresses(profile.bio)
    person.github_created_at = profile.created_at

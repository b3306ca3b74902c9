"""The store's tables: one schema for SQLite and PostgreSQL.

Design choices that later code relies on:
- Every timestamp is an aware UTC datetime in Python, whatever the database keeps (`UTCDateTime`),
  so ranking windows and `--as-of` replays never mix naive and aware times.
- Uniqueness constraints carry idempotency: a contribution is unique per (repo, kind, external
  id), an identity per (kind, value), a shortlist entry per (team, person). Ingest code upserts
  against these instead of checking first, so a re-run or a resumed sync adds nothing twice.
- Email addresses are never stored: identities of kind `email` hold `sha256:<hex>` of the
  normalised address plus its domain (see `bot.store.identity`).
- Topic tags repeat the contribution's person and time so the `who` query (topic + time window)
  is served by one index without touching `contribution`; the profile query (person + time)
  uses `contribution`'s own index.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlmodel import Field, SQLModel

from bot.store.kinds import IdentityKind as IdentityKind  # re-exported, where the models are


def utcnow() -> datetime:
    return datetime.now(UTC)


def in_utc(value: datetime) -> datetime:
    """An aware time in UTC; a naive one is refused, whatever column it was meant for."""
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value.isoformat()} given to the store; use UTC")
    return value.astimezone(UTC)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every backend.

    SQLite has no time zones: values are stored as naive UTC and made aware on the way out.
    Naive values are refused on the way in, because guessing their zone is how off-by-an-hour
    ranking windows happen.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = in_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


_EPOCH = datetime(1970, 1, 1)
_MICROSECOND = timedelta(microseconds=1)


def as_microseconds(value: datetime | None) -> int | None:
    """An aware time as `IndexTime` stores it on SQLite."""
    if value is None:
        return None
    return (in_utc(value).replace(tzinfo=None) - _EPOCH) // _MICROSECOND


def from_microseconds(value: int | None) -> datetime | None:
    """An `IndexTime` as SQLite stores it, back to an aware time."""
    if value is None:
        return None
    return (_EPOCH + int(value) * _MICROSECOND).replace(tzinfo=UTC)


class IndexTime(UTCDateTime):
    """`UTCDateTime` that SQLite keeps as whole microseconds since 1970 UTC (an integer of six
    to eight bytes) instead of 26 characters of text.

    The index tables repeat their contribution's time on every tag and word row, a dozen rows
    per contribution, each twice (the row and the (term, time) index): on a real history the
    text of those times was half of the word index's bytes. The column is still declared
    DATETIME (numeric affinity keeps integers integers), so only values change (migration
    0020); exact to the microsecond, so every window compares as before. PostgreSQL's
    timestamptz is eight bytes already and is left as it is. Compare these columns with times
    (bound values), never with another table's time column on SQLite.
    """

    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> Any:
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        return as_microseconds

    def result_processor(self, dialect: Dialect, coltype: Any) -> Any:
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)

        return from_microseconds


# Nullability follows the annotation (`X | None` is nullable), as everywhere in SQLModel.
def _json_list() -> Any:
    return Field(default_factory=list, sa_type=sa.JSON)


def _when(*, index: bool = False, nullable: bool = False) -> Any:
    return Field(default=None if nullable else ..., sa_type=UTCDateTime, index=index)


def _indexed_when() -> Any:
    return Field(sa_type=IndexTime)


def _created() -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime)


class ContributionKind(StrEnum):
    PR = "pr"
    REVIEW = "review"
    ISSUE = "issue"
    COMMENT = "comment"
    COMMIT = "commit"
    RFC = "rfc"


class CandidateStatus(StrEnum):
    SAVED = "saved"
    CONTACTED = "contacted"
    REPLIED = "replied"
    INTERVIEWING = "interviewing"
    NOT_NOW = "not_now"
    NOT_A_FIT = "not_a_fit"


def _in(column: str, enum: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(member.value) for member in enum)})"


class Person(SQLModel, table=True):
    """Someone whose public work csf has seen; identities say how they are recognised."""

    id: int | None = Field(default=None, primary_key=True)
    # The GitHub login shown to users (the latest seen); matching uses `Identity` rows.
    login: str | None = Field(default=None, index=True)
    name: str | None = None
    location: str | None = None
    country_code: str | None = Field(default=None, max_length=2)
    region: str | None = Field(default=None, index=True)  # "uk", "eu", "other"; None = unknown
    # How the region is known: "stated" (their profile's location) or "likely" (consistent
    # clues: commit times, address domains; bot/people/regions.py); None when unknown.
    region_level: str | None = None
    region_why: str | None = None  # the reasons, in words ("profile: Cambridge, UK")
    # Keys of the communities their work shows (bot/people/communities.py), kept at refresh.
    communities: list[str] | None = Field(default=None, sa_type=sa.JSON)
    company: str | None = None
    blog: str | None = None
    bio: str | None = None
    # The one contact address a person chose to publish on their profile (not an identity).
    public_email: str | None = None
    is_bot: bool = Field(default=False)
    # A hand correction of `is_bot` ("person" or "not_person", `csf people mark`): ingest never
    # overrides it, whatever the not-people rules say.
    marked: str | None = None
    github_created_at: datetime | None = _when(nullable=True)
    profile_fetched_at: datetime | None = _when(nullable=True)
    created_at: datetime = _created()
    updated_at: datetime = _created()


UNIQUE_IDENTITY_WHERE = "kind <> 'name'"


class Identity(SQLModel, table=True):
    """One way a person is recognised across sources (a login, an address hash, a name)."""

    # Logins and address hashes belong to one person; names do not (two people may share one),
    # so uniqueness is a partial index that leaves names out, on SQLite and PostgreSQL alike.
    __table_args__ = (
        sa.Index(
            "uq_identity_kind_value",
            "kind",
            "value",
            unique=True,
            sqlite_where=sa.text(UNIQUE_IDENTITY_WHERE),
            postgresql_where=sa.text(UNIQUE_IDENTITY_WHERE),
        ),
        sa.Index("ix_identity_value", "value"),
        sa.CheckConstraint(_in("kind", IdentityKind), name="ck_identity_kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    kind: str
    value: str
    domain: str | None = None  # for email identities: the part after @, useful for affiliation
    # Evidence for `csf people suggest`, never for automatic joins: for an email identity, a
    # keyed hash of its local part (`hmac:<hex>`, only for local parts that say who someone is);
    # for a GitHub identity, the numeric account id a noreply address revealed (it survives
    # renames, so two logins with one id are one account).
    local_hash: str | None = Field(default=None, index=True)
    github_id: int | None = Field(default=None, sa_type=sa.BigInteger, index=True)
    # The shown profile (name, place, company...) of the person this identity came with, kept
    # when people are merged (and refreshed with a GitHub account's profile), so that a split
    # gives the split-off person back their own name rather than the one they were merged into.
    # No address is kept here: a published one comes back with the next profile fetch.
    profile: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    seen_at: datetime = _created()


class StoreKey(SQLModel, table=True):
    """A random secret made once per store, for keyed hashes of identity hints.

    Local parts of addresses are few and guessable, and a plain hash of one is the same in every
    dataset; keyed with a secret of this store's own, `Identity.local_hash` values can be
    compared with each other and joined to nothing outside.
    """

    __tablename__ = "store_key"

    name: str = Field(primary_key=True)
    value: str
    created_at: datetime = _created()


class Repo(SQLModel, table=True):
    """A repository csf follows; `tracked` off keeps its history but stops syncing it."""

    id: int | None = Field(default=None, primary_key=True)
    full_name: str = Field(unique=True)  # owner/name, as GitHub spells it
    ecosystem: str = Field(index=True)
    tracked: bool = Field(default=True)
    added_by: str | None = None
    added_at: datetime = _created()
    last_synced_at: datetime | None = _when(nullable=True)


class SyncCursor(SQLModel, table=True):
    """Where a source stopped in a repo (an updatedAt high-water mark, a page cursor, a sha).

    Saved after every page, so an interrupted sync resumes instead of starting over.
    """

    __tablename__ = "sync_cursor"
    __table_args__ = (sa.UniqueConstraint("repo_id", "source", name="uq_sync_cursor_repo_source"),)

    id: int | None = Field(default=None, primary_key=True)
    repo_id: int = Field(foreign_key="repo.id", ondelete="CASCADE")
    source: str  # e.g. "github.pulls", "github.issues", "git"
    value: str
    updated_at: datetime = _created()


OPEN_PR = sa.text("kind = 'pr' AND state = 'open'")


class Contribution(SQLModel, table=True):
    """One unit of public work by one person: a PR, a review, an issue, a comment, a commit."""

    __table_args__ = (
        sa.UniqueConstraint("repo_id", "kind", "external_id", name="uq_contribution_identity"),
        sa.CheckConstraint(_in("kind", ContributionKind), name="ck_contribution_kind"),
        sa.Index("ix_contribution_person_time", "person_id", "occurred_at"),
        # A sender's open patches by subject, for the later version that supersedes them: the
        # person index alone read all of a sender's history for every batch of a mail ingest.
        # Partial, so only open PRs (few outside mailing lists) pay for it.
        sa.Index(
            "ix_contribution_open_pr",
            "person_id",
            "title",
            sqlite_where=OPEN_PR,
            postgresql_where=OPEN_PR,
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    repo_id: int = Field(foreign_key="repo.id", ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE")
    kind: str
    external_id: str  # PR/issue number, review or comment id, commit sha: unique within kind
    # The identity the source saw the work under ("github:login", "email:sha256:..."), so a
    # person wrongly merged can be split again with each contribution going the right way.
    identity_key: str | None = None
    url: str | None = None
    title: str | None = None
    state: str | None = None  # open/merged/closed for PRs; approved/changes_requested/... reviews
    # The PR or issue a review/comment belongs to, or the PR a commit landed through.
    parent_number: int | None = None
    created_at: datetime = _when()
    occurred_at: datetime = _when()  # when it counts: merge time, review time, author date
    merged_at: datetime | None = _when(nullable=True)
    closed_at: datetime | None = _when(nullable=True)
    files_changed: int = 0
    additions: int = 0
    deletions: int = 0
    paths: list[str] = _json_list()
    labels: list[str] = _json_list()
    # Upkeep that builds no expertise (an integrate, a bump, a revert, ...; bot.taxonomy.nature),
    # None for real work: the ranking weighs each class by its `nature:` setting.
    nature: str | None = None
    # The author's clock: minutes east of UTC their commit carried (`%aI`); a clue to where
    # they work (bot/people/regions.py), never shown as such. None where no source says.
    utc_offset: int | None = Field(default=None, sa_type=sa.SmallInteger)


class ContributionTopic(SQLModel, table=True):
    """A topic tag of a contribution, with its person and time repeated for the `who` index."""

    __tablename__ = "contribution_topic"
    # One secondary index only: tag rows are the most numerous writes of an ingest, and
    # per-person questions go through `contribution`'s (person, time) index and this primary key.
    # On SQLite the rows live in the primary key's own b-tree (WITHOUT ROWID): one tree less
    # to update for the table that grows fastest.
    __table_args__ = (
        # `built` rides in the index, so a topic's window is read with it from the index alone;
        # so does the person, so a few people's rows in the area are picked out there.
        sa.Index("ix_contribution_topic_topic_time", "topic", "occurred_at", "built", "person_id"),
        {"sqlite_with_rowid": False},
    )

    contribution_id: int = Field(
        foreign_key="contribution.id", ondelete="CASCADE", primary_key=True
    )
    topic: str = Field(primary_key=True)  # "<ecosystem>.<topic>", e.g. "mlir.bufferization"
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE")
    occurred_at: datetime = _indexed_when()
    # The contribution created files in the topic (git's `create mode`): who built the area.
    built: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})


class Candidate(SQLModel, table=True):
    """A person on a team's shortlist, with where they are in the pipeline."""

    __table_args__ = (
        sa.UniqueConstraint("team_id", "person_id", name="uq_candidate_team_person"),
        sa.CheckConstraint(_in("status", CandidateStatus), name="ck_candidate_status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True)  # the Slack team (workspace) id; "cli" from the terminal
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    status: str = CandidateStatus.SAVED.value
    saved_by: str  # Slack user id, or the CLI user's name
    saved_at: datetime = _created()
    source: str  # "reaction", "button", "command", "digest", "cli"
    source_ref: str | None = None  # e.g. "C0123ABCD/1712345678.000100" for a reacted message
    updated_at: datetime = _created()


class CandidateNote(SQLModel, table=True):
    """A note a team member left on a shortlist entry; kept apart so each has author and time."""

    __tablename__ = "candidate_note"

    id: int | None = Field(default=None, primary_key=True)
    candidate_id: int = Field(foreign_key="candidate.id", ondelete="CASCADE", index=True)
    author: str
    text: str
    created_at: datetime = _created()


class DigestRun(SQLModel, table=True):
    """One digest posted to a channel for one period, so the next digest knows who was featured.

    The row is the claim that makes posting exactly-once: it is inserted (unique per team,
    channel and period end) before anything reaches Slack, so a second trigger, a restart or a
    second worker finds it and posts nothing. `claimed_at` is refreshed after every message;
    a claim left "posting" longer than the lease (a crashed worker) may be taken over, and the
    taker posts only what the row says is still missing.
    """

    __tablename__ = "digest_run"
    __table_args__ = (
        sa.UniqueConstraint(
            "team_id", "channel", "period_end", name="uq_digest_run_team_channel_period"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True)
    period_start: datetime = _when()
    period_end: datetime = _when(index=True)
    status: str  # "posting", "posted", "failed"
    channel: str | None = None  # as configured (an ID or #name)
    message_ts: str | None = None  # the header message; entries are replies in its thread
    thread_channel: str | None = None  # the channel ID Slack answered with
    claimed_at: datetime | None = _when(nullable=True)
    error: str | None = None
    created_at: datetime = _created()


class DigestEntry(SQLModel, table=True):
    """A person featured in a digest for a topic, with what was shown, and where it was posted."""

    __tablename__ = "digest_entry"
    __table_args__ = (
        sa.UniqueConstraint(
            "run_id", "person_id", "topic", name="uq_digest_entry_run_person_topic"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="digest_run.id", ondelete="CASCADE", index=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    ecosystem: str
    topic: str
    score: float
    reason: str
    # The evidence shown, as `who --json` gives it (kind, title, url, date, size, state).
    evidence: list[dict[str, Any]] = _json_list()
    message_ts: str | None = None  # its own message in the header's thread, once posted


class Suppression(SQLModel, table=True):
    """Someone who asked to be forgotten, keyed by one-way hashes of their identities only."""

    id: int | None = Field(default=None, primary_key=True)
    identity_hash: str = Field(unique=True)
    reason: str | None = None
    created_by: str | None = None
    created_at: datetime = _created()


class AuditEvent(SQLModel, table=True):
    """Who searched, saved, changed, exported or forgot what, and when."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    actor: str
    action: str
    target: str | None = None
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)


class HttpCache(SQLModel, table=True):
    """The ETag of the last answer for one slot (a stream's first page, a profile, a file).

    One row per slot, not per URL: when a stream's `since` moves on, its old URL is dead, and
    keeping one row per slot stops the table from growing with every sync. A 304 means "what you
    already ingested is current", so no body is kept.
    """

    __tablename__ = "http_cache"

    id: int | None = Field(default=None, primary_key=True)
    slot: str = Field(unique=True)  # e.g. "issues:llvm/llvm-project", "user:ada-fictional"
    url: str
    etag: str
    updated_at: datetime = _created()


class CodeOwner(SQLModel, table=True):
    """Who a repository's CODEOWNERS or maintainer files name for which paths.

    Owners are kept as identity keys (a lower-cased login, a `sha256:` address hash, or an
    `org/team`), so they join to people through `Identity` whichever source saw them first.
    """

    __tablename__ = "code_owner"
    __table_args__ = (sa.Index("ix_code_owner_owner", "owner_kind", "owner_value"),)

    id: int | None = Field(default=None, primary_key=True)
    repo_id: int = Field(foreign_key="repo.id", ondelete="CASCADE", index=True)
    source_path: str  # the file it came from, e.g. ".github/CODEOWNERS", "mlir/Maintainers.md"
    line: int
    pattern: str  # a path glob relative to the repository root
    area: str | None = None  # the heading a maintainer file lists them under
    owner_kind: str  # "github", "email", "team"
    owner_value: str


class ContributionTerm(SQLModel, table=True):
    """The words of a contribution (path parts, labels, title words) for free-word `who`.

    An inverted index written with the topic tags at ingest, replaced per contribution so a
    re-ingest never counts a word twice; queries never scan titles or paths.
    """

    __tablename__ = "contribution_term"
    # Like the topic tags: rows kept by contribution (replaced per contribution on re-ingest),
    # and one index by term and time for the query.
    __table_args__ = (
        sa.Index("ix_contribution_term_term_time", "term", "occurred_at", "built", "person_id"),
        {"sqlite_with_rowid": False},
    )

    contribution_id: int = Field(
        foreign_key="contribution.id", ondelete="CASCADE", primary_key=True
    )
    term: str = Field(primary_key=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE")
    occurred_at: datetime = _indexed_when()
    built: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})  # as topics


class PostedMessage(SQLModel, table=True):
    """A message csf posted to Slack, with the people it shows.

    A reaction names only (channel, ts); keeping what csf posted lets a save-by-reaction on
    csf's own messages resolve the person without a Web API call (those calls are rate-limited
    to one a minute for some apps).
    """

    __tablename__ = "posted_message"
    __table_args__ = (sa.UniqueConstraint("channel", "ts", name="uq_posted_message_channel_ts"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str
    channel: str
    ts: str
    kind: str  # "who", "digest", "digest_entry", "profile", "outreach"
    person_ids: list[int] = _json_list()
    created_at: datetime = _created()
    thread_ts: str | None = None  # the thread it was posted in (a digest entry's header)


class SlackEvent(SQLModel, table=True):
    """Event ids already handled: Slack retries deliveries, and two processes may both get one.

    Insert-or-skip on the primary key makes handling exactly-once across retries and processes.
    """

    __tablename__ = "slack_event"

    event_id: str = Field(primary_key=True)
    received_at: datetime = _created()


class ScoreCache(SQLModel, table=True):
    """The last refresh of the score cache: the date its scores hold for, and their inputs.

    Known-topic `who` answers for "now" read `TopicScore` instead of summing a topic's history
    on every call, but only when the scores were computed with the ranking settings and taxonomy
    now in force (`fingerprint`) and are recent enough; otherwise `who` sums history live.
    """

    __tablename__ = "score_cache"

    id: int | None = Field(default=None, primary_key=True)
    as_of: datetime = _when()  # the scores are what `who` answered at this moment
    window_days: int
    fingerprint: str  # sha256 of the ranking settings and the taxonomy used
    # The store's generation the refresh claimed (`StoreState`) before it summed: while it is
    # still the store's and nothing changed since (`StoreChange`), a refresh after an ingest
    # that brought nothing new keeps this cache instead of summing it all again.
    generation: int | None = None
    refreshed_at: datetime = _created()
    seconds: float = 0.0  # how long the refresh took
    # The monthly sums kept with it (`TopicMonth`): the months before this moment, the
    # topics that have them, and the settings they were weighed with; None: none kept.
    months_before: datetime | None = _when(nullable=True)
    month_topics: list[str] | None = Field(default=None, sa_type=sa.JSON)
    months_fingerprint: str | None = None


class TopicScore(SQLModel, table=True):
    """One person's points in one topic (or ecosystem tag) as of the last score refresh.

    Derived data, rebuilt whole by `csf scores refresh` (and after every sync and git ingest).
    """

    __tablename__ = "topic_score"
    __table_args__ = (sa.Index("ix_topic_score_topic_score", "topic", "score"),)

    topic: str = Field(primary_key=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", primary_key=True)
    score: float  # the sum of `components`: the order in which candidates are considered
    contributions: int  # how many of their contributions in the window are in the topic
    components: dict[str, float] = Field(default_factory=dict, sa_type=sa.JSON)
    owned: list[str] = _json_list()  # patterns or areas they own in the topic
    owner: bool = False  # named as an owner of the topic (`owned` is not empty)
    # Their issues and comments here (tallied, never evidence): how many, from when to when,
    # and the earliest that is not upkeep. A cached answer reads them instead of counting
    # rows that can run to tens of thousands for one busy person.
    discussion: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    discussion_first: datetime | None = _when(nullable=True)
    discussion_last: datetime | None = _when(nullable=True)
    discussion_first_plain: datetime | None = _when(nullable=True)


class TopicMonth(SQLModel, table=True):
    """One person's work of one kind in one big topic in one month, as of the last refresh:
    what a live `who` sums instead of the topic's rows (bot/ranking/months.py).

    Derived data of the score cache, rebuilt with `topic_score`, for months before the
    refresh's own (`ScoreCache.months_before`) and topics with at least
    `score_cache.month_rows` rows (`ScoreCache.month_topics`).
    """

    __tablename__ = "topic_month"
    # Read a topic at a time in key order: on SQLite the rows live in the key's own b-tree.
    __table_args__ = ({"sqlite_with_rowid": False},)

    topic: str = Field(primary_key=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", primary_key=True)
    kind: str = Field(primary_key=True)
    month: int = Field(primary_key=True)  # year * 12 + month - 1, UTC
    founder: bool = Field(primary_key=True)  # work that founds an area when early enough
    contributions: int
    # Their points weighed for recency as of the refresh, with the expertise half-life and
    # with the activity one (`months.recency_factors` brings them to any other moment).
    expertise: float
    activity: float


class PersonWindow(SQLModel, table=True):
    """One person's whole activity in the score cache's window, as of its last refresh.

    What focus and breadth need (bot/ranking/who.py): without it a cached answer still counted its
    shortlist's whole history, the largest part of its cost. Derived data, rebuilt with
    `topic_score`.
    """

    __tablename__ = "person_window"

    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", primary_key=True)
    contributions: int  # all their contributions in the window, in any topic or none
    topics: list[str] = _json_list()  # every ecosystem and topic tag that work carries


class TopicFacts(SQLModel, table=True):
    """What a cached answer says of one of its people in one topic (`Facts` in
    bot/ranking/who.py), worked out once after a refresh for each topic's first page.

    Reading them took most of a cached answer's time on a big store: its top ten can have a
    hundred thousand rows in the topic, each looked up to be counted and weighed as evidence.
    Derived data of one score cache (`cache_id`, deleted with it), trusted only while the store
    is still the one it summed.
    """

    __tablename__ = "topic_facts"

    topic: str = Field(primary_key=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", primary_key=True)
    cache_id: int = Field(foreign_key="score_cache.id", ondelete="CASCADE", index=True)
    # The store's generation that cache summed: SQLite gives a new cache its old one's id.
    generation: int
    merged_prs: int
    reviews: int
    commits: int
    discussion: int
    authors_reviewed: int
    first: datetime | None = _when(nullable=True)
    last: datetime | None = _when(nullable=True)
    founder: bool
    # The evidence: [contribution id, 1 if it created files in the topic], in id order.
    evidence: list[list[int]] = _json_list()


class JobLock(SQLModel, table=True):
    """A scheduled job's lock on SQLite (PostgreSQL uses advisory locks instead).

    A row per job name, held until `expires_at`: a worker that dies holding it blocks the job
    only until then, and a live holder keeps pushing the expiry forward.
    """

    __tablename__ = "job_lock"

    name: str = Field(primary_key=True)
    holder: str
    acquired_at: datetime = _created()
    expires_at: datetime = _when()


class MailMessage(SQLModel, table=True):
    """A message of a mailing-list archive that work was read from, by a one-way key.

    Replies name what they answer by Message-ID, often weeks later and in a later run of the
    ingest: this is how a reply finds the patch it reviews (and a cover letter its series), and
    how a removal in the archive finds the work it gave. Message-IDs often hold the sender's
    address, so only their hash is kept.
    """

    __tablename__ = "mail_message"
    __table_args__ = (sa.Index("ix_mail_message_series", "repo_id", "series"),)
    repo_id: int = Field(foreign_key="repo.id", ondelete="CASCADE", primary_key=True)
    message: str = Field(primary_key=True)  # `message_hash` of its Message-ID
    kind: str  # "patch", "cover", "reply"
    # The patch's own contribution (None for a cover letter or reply, or a forgotten sender).
    contribution_id: int | None = Field(
        default=None, foreign_key="contribution.id", ondelete="SET NULL"
    )
    series: str | None = None  # a patch's cover letter (or first patch), as a message hash


class ForumHandle(SQLModel, table=True):
    """A forum username a repository's maintainer file gives beside a GitHub login.

    LLVM's `Maintainers.md` names each maintainer's GitHub account and Discourse username in one
    entry: evidence, from the project itself, that the two are one person. The forum sync joins
    such a username to the account (`bot.ingest.discourse`). Replaced with the file's
    ownership rows, and erased with the person.
    """

    __tablename__ = "forum_handle"
    repo_id: int = Field(foreign_key="repo.id", ondelete="CASCADE", primary_key=True)
    source_path: str = Field(primary_key=True)
    handle: str = Field(primary_key=True, index=True)  # lower-cased forum username
    login: str = Field(primary_key=True)  # lower-cased GitHub login of the same entry


class StoreChange(SQLModel, table=True):
    """A mark that what the score cache sums changed: contributions, their topic tags, people
    and bots, owner lines.

    Written by the database itself (triggers, migration 0024), so no writer can forget it, and
    read in one lookup where a comparison of the whole store took seconds. One mark per
    writing transaction (its id on PostgreSQL; one mark in all on SQLite, whose writers take
    turns); a refresh deletes the marks it can see when it starts, so a mark left is a change
    its sums may not hold.
    """

    __tablename__ = "store_change"

    tx: str = Field(primary_key=True)


class StoreState(SQLModel, table=True):
    """One row: the store's generation, which each score refresh takes a new one of (`claim`
    in bot/ranking/scores.py) as it deletes the marks; the cache it writes records it. A refresh
    that died after its claim leaves the generation ahead of the cache, so it is not trusted."""

    __tablename__ = "store_state"

    id: int = Field(default=1, primary_key=True)
    generation: int = 0

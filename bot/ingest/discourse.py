"""Discourse forum categories into the store: RFC threads, substantive design replies, answers.

What counts (everything else a forum holds is left unread or unkept):
- authoring an RFC or design thread (a title starting `[RFC]`, `RFC:`, `[Discussion]`,
  `[Design]`, or the forum's `rfc` tag): the thread's first post is an `rfc` contribution,
  external id `t<topic id>`;
- a substantive reply in such a thread: at least `SUBSTANTIVE_WORDS` words of its own (quotes
  and markup left out), or `ANSWERED_WORDS` when another post replied to it; "+1", "LGTM" and
  thanks are not work. It is a `comment`, external id `p<post id>`;
- being the accepted answer (Discourse's solved plugin), in any thread: a `comment` whose state
  is `accepted_answer`.
Each carries the thread's title, link and date, and is tagged like its thread: the category's
slug and the topic's tags go in `labels` (a tag naming a topic of the category's ecosystem, by
its key, name, alias or keyword, also carries that topic's label), and the title's words meet
the taxonomy's keywords as any title does (`bot.ingest.pipeline.index_batch`).

Who is who: a forum username is its own identity, `name` `discourse:HOST:username`, and its own
person until evidence joins it to a GitHub account: its public profile links that account (its
website or a profile field, or a bio linking the account of the same name). A username equal to
a known GitHub login, without such a link, is only a suggestion (`csf people suggest`). Work by
a suppressed (forgotten) username is skipped in the same transaction as each write.

Incremental and resumable: a category's topics are listed newest bump first down to the saved
cursor (the bump time and id of the last topic stored), then read oldest bump first, each topic
committed with the cursor moved to it: a sync killed anywhere resumes at the next topic, reads
at most one topic again, and upserts make that harmless. A long thread keeps the last post id
read (`discourse.thread:<id>`), so a bump fetches only its new posts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from bot.errors import CsfError
from bot.ingest.coverage import topic_coverage
from bot.ingest.pipeline import design_title, index_batch
from bot.ingest.sync import SyncProgress, SyncStats, SyncStopped
from bot.people import curation
from bot.sources.discourse import (
    CARDS_PER_REQUEST,
    POSTS_PER_REQUEST,
    DiscourseError,
    DiscourseNotFoundError,
    DiscourseSource,
    Forum,
    ForumPost,
    ForumTopic,
    ForumUser,
    TopicSummary,
    forum_host,
    parse_forum,
)
from bot.store.identity import (
    ADDRESS,
    DISCOURSE_PREFIX,
    IdentityKey,
    name_key,
    suppression_hash,
)
from bot.store.locks import Writer, write_lock
from bot.store.models import (
    AuditEvent,
    Contribution,
    ContributionKind,
    ForumHandle,
    HttpCache,
    Identity,
    IdentityKind,
    Person,
    Repo,
    utcnow,
)
from bot.store.writes import (
    ContributionRecord,
    add_identity,
    delete_contributions,
    existing_people,
    get_cursor,
    record_audit,
    set_cursor,
    suppressed_hashes,
    upsert_contributions,
    upsert_repo,
)
from bot.taxonomy.model import Taxonomy, normalise_phrase

log = logging.getLogger(__name__)

TOPICS_CURSOR = "discourse.topics"
THREAD_CURSOR = "discourse.thread:"
SUBSTANTIVE_WORDS = 60
ANSWERED_WORDS = 25
ACCEPTED = "accepted_answer"
RFC_TAGS = frozenset({"rfc", "rfcs", "design", "proposal"})
PROFILE_MAX_AGE = timedelta(days=30)
_SYSTEM_USERS = frozenset({"system", "discobot"})

SourceFor = Callable[[Forum], DiscourseSource]


def discourse_key(host: str, username: str) -> IdentityKey:
    """A forum username as an identity (a `name`, like Phabricator handles: no migration)."""
    return IdentityKey(IdentityKind.NAME, f"{DISCOURSE_PREFIX}{host.lower()}:{username.lower()}")


def profile_slot(host: str, username: str) -> str:
    return f"discourse-user:{host.lower()}:{username.lower()}"


def is_design_thread(topic: ForumTopic) -> bool:
    return design_title(topic.title) or bool(RFC_TAGS & set(topic.tags))


def substantive(post: ForumPost) -> bool:
    """A reply that is work: long enough on its own, or shorter but answered by others."""
    return post.words >= SUBSTANTIVE_WORDS or (
        post.reply_count > 0 and post.words >= ANSWERED_WORDS
    )


# -- tracking -------------------------------------------------------------------------------------


def resolve_category(source: DiscourseSource, host: str, text: str) -> tuple[str, int]:
    """(slug, id) of a category given as `slug/id`, or as its name or slug (looked up)."""
    slug, sep, number = text.strip().strip("/").rpartition("/")
    if sep and number.isdigit() and slug:
        return slug.lower().split("/")[-1], int(number)
    wanted = normalise_phrase(text)
    categories = source.categories()
    for category in categories:
        if wanted in (normalise_phrase(category.name), normalise_phrase(category.slug)):
            return category.slug, category.id
    names = ", ".join(sorted(c.name for c in categories)[:30])
    raise CsfError(f"{host} has no category {text!r} (it has: {names})")


def track_forum(
    session: Session,
    taxonomy: Taxonomy,
    address: str,
    categories: Iterable[str],
    ecosystem: str | None,
    *,
    source_for_host: Callable[[str], DiscourseSource],
    actor: str,
) -> list[Repo]:
    """Follow categories of a forum: each a `Repo` named `discourse:HOST/c/SLUG/ID`."""
    host = forum_host(address)
    wanted = list(categories)
    if not wanted:
        raise CsfError("name the categories to follow: --category NAME (or SLUG/ID)")
    tracked: list[Repo] = []
    source: DiscourseSource | None = None
    for text in wanted:
        slug, _, number = text.strip().strip("/").rpartition("/")
        if not (slug and number.isdigit()):
            source = source or source_for_host(host)
        found = resolve_category(source, host, text) if source else (slug.lower(), int(number))
        forum = Forum(host, *found)
        eco = taxonomy.ecosystem(ecosystem) if ecosystem else None
        if ecosystem and eco is None:
            names = ", ".join(e.key for e in taxonomy.ecosystems)
            raise CsfError(f"unknown ecosystem {ecosystem!r}: choose one of {names}")
        if eco is None:
            eco = taxonomy.ecosystem(forum.slug) or taxonomy.ecosystem(text)
        if eco is None:
            names = ", ".join(e.key for e in taxonomy.ecosystems)
            raise CsfError(
                f"category {text!r} is not an ecosystem's name: name its ecosystem ({names}), "
                "e.g. --ecosystem mlir"
            )
        repo = upsert_repo(session, forum.full_name, eco.key, added_by=actor)
        record_audit(session, actor, "track.add", forum.full_name, {"ecosystem": eco.key})
        tracked.append(repo)
    return tracked


# -- the sync -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Who:
    person_id: int
    key: IdentityKey


class ForumSync:
    """Syncs tracked forum categories; one per run, like `GitHubSync`."""

    def __init__(
        self,
        session: Session,
        source_for: SourceFor,
        taxonomy: Taxonomy,
        *,
        clock: Callable[[], datetime] = utcnow,
        on_progress: Callable[[SyncProgress], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> None:
        self.session = session
        self.source_for = source_for
        self.taxonomy = taxonomy
        self.clock = clock
        self.on_progress = on_progress
        self.should_stop = should_stop
        self._writer = Writer(session)
        self._suppressed: set[str] = set()
        self._people: dict[str, _Who | None] = {}
        self._user_ids: dict[str, int] = {}  # lower-cased username -> the forum's user id

    def sync(self, repo: Repo, *, since: datetime | None = None) -> SyncStats:
        """Bring one category up to date; `since` limits a first sync to recent bumps."""
        assert repo.id is not None
        forum = parse_forum(repo.full_name)
        source = self.source_for(forum)
        requests_before = source.http.requests
        kinds_before = self._kinds(repo.id)
        people_before = self._count_people()
        stats = SyncStats(repo.full_name)
        due = self._due_topics(forum, repo, source, stats, since)
        for summary in sorted(due, key=lambda t: (t.bumped_at, t.id)):
            self._topic(forum, repo, source, summary)
            self._done(stats, repo, "topics", 1)
        stats.profiles = self._joins(forum, source, repo.ecosystem)
        repo.last_synced_at = self.clock()
        self.session.commit()
        kinds_after = self._kinds(repo.id)
        stats.new = {k: kinds_after.get(k, 0) - kinds_before.get(k, 0) for k in kinds_after}
        stats.new_people = self._count_people() - people_before
        stats.requests = source.http.requests - requests_before
        stats.coverage = topic_coverage(self.session, self.taxonomy, repo)
        return stats

    # -- topics ---------------------------------------------------------------------------------

    def _due_topics(
        self,
        forum: Forum,
        repo: Repo,
        source: DiscourseSource,
        stats: SyncStats,
        since: datetime | None,
    ) -> list[TopicSummary]:
        """Topics bumped after the cursor (and `since`), read from the list's newest pages."""
        assert repo.id is not None
        cursor = _read_cursor(get_cursor(self.session, repo.id, TOPICS_CURSOR))
        self.session.commit()  # no transaction stays open across the network
        due: dict[int, TopicSummary] = {}
        page = 0
        while True:
            listing = source.topic_page(forum, page)
            reached = False
            for topic in listing.topics:
                old = (cursor is not None and (topic.bumped_at, topic.id) <= cursor) or (
                    since is not None and topic.bumped_at < since
                )
                if old:
                    # Pinned topics lead the first page whatever their bump: not the end.
                    reached = reached or not topic.pinned
                    continue
                due[topic.id] = topic
            self._done(stats, repo, "topic list", 0)
            if reached or not listing.more or not listing.topics:
                return list(due.values())
            page += 1

    def _topic(
        self, forum: Forum, repo: Repo, source: DiscourseSource, summary: TopicSummary
    ) -> None:
        """Read one topic (and the new part of a long thread), then store it with the cursor."""
        assert repo.id is not None
        thread_key = f"{THREAD_CURSOR}{summary.id}"
        last_read = int(get_cursor(self.session, repo.id, thread_key) or 0)
        self.session.commit()
        topic: ForumTopic | None
        try:
            topic = source.topic(summary.id)
        except DiscourseNotFoundError:
            topic = None  # deleted, or made private since it was listed
        posts: list[ForumPost] = []
        if topic is not None:
            posts = list(topic.posts)
            seen = {p.id for p in posts}
            rest = [i for i in topic.stream if i not in seen and i > last_read]
            if rest:
                posts += source.posts(topic.id, rest)
        self._begin()
        if topic is None:
            self._drop_thread(repo.id, summary.id)
        else:
            self._store(forum, repo, topic, posts)
            if len(topic.stream) > POSTS_PER_REQUEST:
                read = max([last_read, *topic.stream])
                set_cursor(self.session, repo.id, thread_key, str(read))
        set_cursor(self.session, repo.id, TOPICS_CURSOR, _write_cursor(summary))
        self.session.commit()

    def _store(self, forum: Forum, repo: Repo, topic: ForumTopic, posts: list[ForumPost]) -> None:
        assert repo.id is not None
        design = is_design_thread(topic)
        labels = forum_labels(self.taxonomy, repo.ecosystem, [forum.slug, *topic.tags])
        records: list[ContributionRecord] = []
        possible: set[tuple[ContributionKind, str]] = {(ContributionKind.RFC, f"t{topic.id}")}
        for post in posts:
            possible.add((ContributionKind.COMMENT, f"p{post.id}"))
            if not post.regular or post.system or post.username.lower() in _SYSTEM_USERS:
                continue
            if post.post_number == 1:
                if not design:
                    continue  # a question or an announcement: not design work
                kind, external, state = ContributionKind.RFC, f"t{topic.id}", None
                url = forum.topic_link(topic.id)
            elif post.accepted_answer or (design and substantive(post)):
                kind, external = ContributionKind.COMMENT, f"p{post.id}"
                state = ACCEPTED if post.accepted_answer else None
                url = forum.topic_link(topic.id, post.post_number)
            else:
                continue
            if post.user_id is not None:
                self._user_ids[post.username.lower()] = post.user_id
            who = self._who(forum, post.username, post.name)
            if who is None:
                continue  # suppressed: nothing of theirs is stored
            records.append(
                ContributionRecord(
                    repo_id=repo.id,
                    person_id=who.person_id,
                    identity_key=str(who.key),
                    kind=kind,
                    external_id=external,
                    created_at=post.created_at,
                    occurred_at=post.created_at,
                    url=url,
                    title=topic.title,
                    state=state,
                    parent_number=topic.id,
                    labels=labels,
                )
            )
        given = {(r.kind, r.external_id) for r in records}
        self._drop(repo.id, possible - given)
        ids = upsert_contributions(self.session, records)
        index_batch(self.session, self.taxonomy, repo, ids, records)

    def _drop(self, repo_id: int, rows: set[tuple[ContributionKind, str]]) -> None:
        """Delete rows a thread read again no longer gives (edited down, retitled, deleted)."""
        table = Contribution.__table__  # type: ignore[attr-defined]
        for kind in {kind for kind, _ in rows}:
            external = sorted(e for k, e in rows if k is kind)
            for start in range(0, len(external), 500):
                ids = self.session.execute(
                    sa.select(table.c.id).where(
                        table.c.repo_id == repo_id,
                        table.c.kind == kind.value,
                        table.c.external_id.in_(external[start : start + 500]),
                    )
                ).scalars()
                delete_contributions(self.session, list(ids))

    def _drop_thread(self, repo_id: int, topic_id: int) -> None:
        """Delete a thread's rows: the topic is gone, or no longer public."""
        table = Contribution.__table__  # type: ignore[attr-defined]
        ids = self.session.execute(
            sa.select(table.c.id).where(
                table.c.repo_id == repo_id,
                table.c.parent_number == topic_id,
                table.c.kind.in_([ContributionKind.RFC.value, ContributionKind.COMMENT.value]),
            )
        ).scalars()
        delete_contributions(self.session, list(ids))

    # -- people ---------------------------------------------------------------------------------

    def _begin(self) -> None:
        """Hold the write lock; in a new transaction, re-read suppressions and drop the cached
        people forgotten, merged away or pruned since (they are looked up again)."""
        if not self._writer.begin():
            return
        self._suppressed = suppressed_hashes(self.session)
        cached = [w for w in self._people.values() if w is not None]
        live = existing_people(self.session, (w.person_id for w in cached))
        self._people = {
            k: w
            for k, w in self._people.items()
            if w is None
            or (w.person_id in live and suppression_hash(w.key) not in self._suppressed)
        }

    def _who(self, forum: Forum, username: str, name: str | None) -> _Who | None:
        key = discourse_key(forum.host, username)
        if key.value in self._people:
            return self._people[key.value]
        if suppression_hash(key) in self._suppressed:
            self._people[key.value] = None
            return None
        owner = self._owner(key)
        if owner is None:
            shown = name if name and not ADDRESS.search(name) else None
            person = Person(name=shown or username, is_bot=False)
            self.session.add(person)
            self.session.flush()
            assert person.id is not None
            owner = person.id
            add_identity(self.session, owner, key)
            if shown:
                add_identity(self.session, owner, name_key(shown))
        found = _Who(owner, key)
        self._people[key.value] = found
        return found

    def _owner(self, key: IdentityKey) -> int | None:
        return self.session.exec(
            select(Identity.person_id).where(
                Identity.kind == key.kind.value, Identity.value == key.value
            )
        ).first()

    def _joins(self, forum: Forum, source: DiscourseSource, ecosystem: str) -> int:
        """Join the forum's people not yet joined to a GitHub account whom a maintainer file of
        the ecosystem names beside one; then read the others' profiles (at most every
        `PROFILE_MAX_AGE`) and join those whose profile links a known account."""
        due = self._profiles_due(forum)
        if due:
            named = self._named_in_maintainer_files(due, ecosystem)
            if named:
                write_lock(self.session)
                joined = {
                    username
                    for username, login in sorted(named.items())
                    if self._join_login(forum, username, login, "a maintainer file names both")
                }
                self.session.commit()
                due = [u for u in due if u not in joined]
        self.session.commit()
        if not due:
            return 0
        profiles: list[tuple[str, ForumUser | None]] = []
        # People seen posting in this sync have ids: their cards come fifty a request.
        ids = {u: self._user_ids[u.lower()] for u in due if u.lower() in self._user_ids}
        by_id = sorted(ids.items(), key=lambda item: item[1])
        for start in range(0, len(by_id), CARDS_PER_REQUEST):
            chunk = by_id[start : start + CARDS_PER_REQUEST]
            try:
                cards = source.user_cards([user_id for _, user_id in chunk])
            except DiscourseError as error:
                log.warning("%s; asked again at the next sync", error)
                continue
            profiles += [(username, cards.get(username.lower())) for username, _ in chunk]
        for username in due:
            if username in ids:
                continue
            try:
                profiles.append((username, source.user(username)))
            except DiscourseError as error:
                log.warning("%s; asked again at the next sync", error)
        now = self.clock()
        write_lock(self.session)
        for username, profile in profiles:
            if profile is not None:
                self._join(forum, username, profile)
            self._mark_checked(forum, username, now)
        self.session.commit()
        return len(profiles)

    def _profiles_due(self, forum: Forum) -> list[str]:
        prefix = f"{DISCOURSE_PREFIX}{forum.host}:"
        identity, other = Identity.__table__.alias("d"), Identity.__table__.alias("g")  # type: ignore[attr-defined]
        rows = self.session.execute(
            sa.select(identity.c.value).where(
                identity.c.kind == IdentityKind.NAME.value,
                identity.c.value.startswith(prefix),
                ~sa.exists().where(
                    other.c.person_id == identity.c.person_id,
                    other.c.kind == IdentityKind.GITHUB.value,
                ),
            )
        ).scalars()
        usernames = sorted(value[len(prefix) :] for value in rows)
        if not usernames:
            return []
        fresh_after = self.clock() - PROFILE_MAX_AGE
        fresh = set(
            self.session.exec(
                select(HttpCache.slot).where(
                    col(HttpCache.slot).startswith(f"discourse-user:{forum.host}:"),
                    col(HttpCache.updated_at) >= fresh_after,
                )
            )
        )
        return [u for u in usernames if profile_slot(forum.host, u) not in fresh]

    def _mark_checked(self, forum: Forum, username: str, when: datetime) -> None:
        slot = profile_slot(forum.host, username)
        row = self.session.exec(select(HttpCache).where(HttpCache.slot == slot)).first()
        if row is None:
            row = HttpCache(slot=slot, url=f"u/{username.lower()}.json", etag="checked")
        row.updated_at = when
        self.session.add(row)

    def _named_in_maintainer_files(self, usernames: list[str], ecosystem: str) -> dict[str, str]:
        """Username -> the GitHub login a maintainer file of the ecosystem's repositories names
        beside it, for usernames named beside exactly one login."""
        wanted = {u.lower(): u for u in usernames}
        repos = [
            r.id
            for r in self.session.exec(select(Repo))
            if r.ecosystem == ecosystem
            or any(e.key == ecosystem for e in self.taxonomy.ecosystems_for_repo(r.full_name))
        ]
        logins: dict[str, set[str]] = {}
        for start in range(0, len(wanted), 500):
            chunk = sorted(wanted)[start : start + 500]
            for handle, login in self.session.exec(
                select(ForumHandle.handle, ForumHandle.login).where(
                    col(ForumHandle.handle).in_(chunk), col(ForumHandle.repo_id).in_(repos)
                )
            ):
                logins.setdefault(handle, set()).add(login)
        return {wanted[h]: next(iter(found)) for h, found in logins.items() if len(found) == 1}

    def _join(self, forum: Forum, username: str, profile: ForumUser) -> None:
        """Join by the accounts a profile links. A profile is what its owner typed, so a link to
        an account that already holds a username on this forum is not taken: one account, one
        forum name, and a second claim to it is left to `csf people merge`."""
        for login in profile.github_logins:
            account = self._owner(IdentityKey(IdentityKind.GITHUB, login))
            if account is not None and self._holds_forum_name(account, forum):
                continue
            if self._join_login(forum, username, login, "their forum profile links it"):
                return

    def _holds_forum_name(self, person_id: int, forum: Forum) -> bool:
        return (
            self.session.exec(
                select(Identity.id).where(
                    Identity.person_id == person_id,
                    Identity.kind == IdentityKind.NAME.value,
                    col(Identity.value).startswith(f"{DISCOURSE_PREFIX}{forum.host}:"),
                )
            ).first()
            is not None
        )

    def _join_login(self, forum: Forum, username: str, login: str, why: str) -> bool:
        """Merge the forum person into the GitHub account's; True once they are one (or the
        forum person is settled otherwise: forgotten, split by hand, holding an account)."""
        key = discourse_key(forum.host, username)
        if suppression_hash(key) in suppressed_hashes(self.session):
            return True
        forum_person = self._owner(key)
        if forum_person is None:
            return True
        account = self._owner(IdentityKey(IdentityKind.GITHUB, login))
        if account is None or account == forum_person:
            return False
        if self._split_by_hand(forum_person) or self._has_account(forum_person):
            return True
        keep, drop = self.session.get(Person, account), self.session.get(Person, forum_person)
        if keep is None or drop is None:
            return True
        curation.merge(self.session, keep, drop, actor="sync")
        self._people.pop(key.value, None)
        log.debug("%s joined to GitHub @%s: %s", key.value, login, why)
        return True

    def _has_account(self, person_id: int) -> bool:
        return (
            self.session.exec(
                select(Identity.id).where(
                    Identity.person_id == person_id, Identity.kind == IdentityKind.GITHUB.value
                )
            ).first()
            is not None
        )

    def _split_by_hand(self, person_id: int) -> bool:
        return any(
            (event.detail or {}).get("new") == person_id
            for event in self.session.exec(
                select(AuditEvent).where(AuditEvent.action == "people.split")
            )
        )

    # -- bookkeeping ----------------------------------------------------------------------------

    def _done(self, stats: SyncStats, repo: Repo, stage: str, items: int) -> None:
        stats.pages += 1
        stats.items += items
        if self.should_stop is not None and self.should_stop():
            raise SyncStopped(f"{repo.full_name}: stopped after {stats.pages} pages ({stage})")
        if self.on_progress is not None:
            self.on_progress(SyncProgress(repo.full_name, stage, stats.pages, stats.items, None))

    def _kinds(self, repo_id: int) -> dict[str, int]:
        rows = self.session.exec(
            select(Contribution.kind, func.count())
            .where(Contribution.repo_id == repo_id)
            .group_by(col(Contribution.kind))
        )
        return dict(rows.all())

    def _count_people(self) -> int:
        return self.session.exec(select(func.count()).select_from(Person)).one()


def _write_cursor(topic: TopicSummary) -> str:
    return f"{topic.bumped_at.astimezone(UTC).isoformat()}|{topic.id}"


def _read_cursor(value: str | None) -> tuple[datetime, int] | None:
    if not value:
        return None
    when, _, topic_id = value.partition("|")
    try:
        return datetime.fromisoformat(when), int(topic_id)
    except ValueError:
        return None


def forum_labels(taxonomy: Taxonomy, ecosystem: str, words: Sequence[str]) -> list[str]:
    """A post's labels: the category's slug and the topic's tags (`words`), and the labels of
    the ecosystem's topics they name (a tag `bufferization` in an MLIR category carries
    `mlir:bufferization`). A retag reads them again from the stored labels, so a topic the
    taxonomy gained reaches posts synced before it."""
    labels = list(words)
    eco = taxonomy.ecosystem(ecosystem)
    if eco is not None:
        for word in words:
            wanted = normalise_phrase(word)
            for area in eco.topics:
                names = (area.key, area.name, *area.aliases, *area.keywords)
                if area.labels and wanted in {normalise_phrase(n) for n in names}:
                    labels.append(area.labels[0])
    return list(dict.fromkeys(labels))

"""Discourse forums (discourse.llvm.org and the like): the HTTP client and the records csf reads.

What is read, with the same httpx + tenacity machinery as GitHub (`bot.sources.github.http`):
- a category's topic list, `/c/{slug}/{id}.json?page=N` (newest bump first, `more_topics_url`
  while there are more pages);
- a topic, `/t/{id}.json`: the topic with the first chunk of posts (`post_stream.posts`, 20 by
  default) and every post id (`post_stream.stream`); the rest of a long thread comes from
  `/t/{id}/posts.json?post_ids[]=…`, at most `POSTS_PER_REQUEST` ids a request;
- a user's public profile, `/u/{username}.json`, only for the GitHub accounts it links;
- `/categories.json`, to find a category's id from its name.

Anonymous by default; with `DISCOURSE_API_KEY` (and `DISCOURSE_API_USERNAME`) the key goes in
the `Api-Key`/`Api-Username` headers. 429 and 503 wait as `Retry-After` says; other 5xx answers
and dropped connections are retried with backoff a bounded number of times, then fail with one
line. A body that is not the JSON asked for is retried the same way, then refused whole: nothing
of it reaches the store.

No address is ever read: a profile gives csf its username, display name and the GitHub
accounts it links, nothing else. A post's text is read only to measure how substantive it is
(`ForumPost.words`); it is never kept.
"""

from __future__ import annotations

import html
import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt

from bot.errors import CsfError
from bot.sources.github.http import (
    USER_AGENT,
    TransientError,
    backoff,
    retry_after_seconds,
    shape_problem,
)
from bot.sources.text import clean_json
from bot.store.links import GITHUB_LOGIN, archive_base, archive_link

log = logging.getLogger(__name__)

FORUM_PREFIX = "discourse:"
# Discourse's own chunk size: `/t/{id}.json` gives this many posts, and csf asks for the rest of
# a thread this many ids at a time.
POSTS_PER_REQUEST = 20
CARDS_PER_REQUEST = 50  # profiles read in one `/user-cards.json` request
_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{0,99}\Z")
_FORUM = re.compile(r"discourse:([a-z0-9.-]{1,253})/c/([a-z0-9][a-z0-9_-]{0,99})/([0-9]{1,10})\Z")
_USERNAME = re.compile(r"[A-Za-z0-9_.-]{1,60}\Z")
_QUOTE = re.compile(r"<aside\b[^>]*class=\"[^\"]*\bquote\b.*?</aside>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_GITHUB_PROFILE = re.compile(
    r"(?:https?://)?(?:www\.)?github\.com/([A-Za-z0-9-]{1,39})/?(?=[\s\"'<)\]]|\Z)", re.IGNORECASE
)


class DiscourseError(CsfError):
    """The forum refused, kept failing, or answered something that is not what was asked for."""


class DiscourseNotFoundError(DiscourseError):
    """404: the topic, category or user does not exist (or is not public)."""


@dataclass(frozen=True)
class Forum:
    """A tracked forum category: a `Repo` whose full name is `discourse:HOST/c/SLUG/ID`."""

    host: str
    slug: str
    category_id: int

    @property
    def full_name(self) -> str:
        return f"{FORUM_PREFIX}{self.host}/c/{self.slug}/{self.category_id}"

    @property
    def web(self) -> str:
        """The forum's public address, the base of every link csf keeps (checked)."""
        return archive_base(f"https://{self.host}")

    def topic_link(self, topic_id: int, post_number: int | None = None) -> str | None:
        parts = ["t", str(topic_id)] + ([str(post_number)] if post_number else [])
        try:
            return archive_link(self.web, *parts)
        except ValueError:
            return None


def is_forum(full_name: str) -> bool:
    """Whether a tracked repository's name is a Discourse category (no GitHub behind it)."""
    return full_name.lower().startswith(FORUM_PREFIX)


def parse_forum(full_name: str) -> Forum:
    """The forum category a `discourse:HOST/c/SLUG/ID` name stands for."""
    match = _FORUM.match(full_name.strip().lower())
    if match is None:
        raise DiscourseError(f"{full_name!r} is not a forum category (discourse:HOST/c/SLUG/ID)")
    return Forum(match.group(1), match.group(2), int(match.group(3)))


def forum_host(text: str) -> str:
    """The host of a forum address (`https://discourse.llvm.org`, or the bare host)."""
    raw = text.strip().removeprefix(FORUM_PREFIX)
    parts = urlsplit(raw if "://" in raw else f"https://{raw}")
    host = (parts.hostname or "").lower()
    if not host or parts.path not in ("", "/"):
        raise DiscourseError(f"{text!r} is not a forum address: write https://HOST")
    try:
        archive_base(f"https://{host}")
    except ValueError as error:
        raise DiscourseError(str(error)) from None
    return host


# -- records --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TopicSummary:
    """A topic as a category's list shows it."""

    id: int
    title: str
    bumped_at: datetime
    posts_count: int
    pinned: bool


@dataclass(frozen=True)
class TopicPage:
    topics: list[TopicSummary]
    more: bool  # the list has another page


@dataclass(frozen=True)
class ForumPost:
    id: int
    post_number: int
    username: str
    name: str | None
    created_at: datetime
    words: int  # words of its own text (quotes and markup left out); the text is not kept
    reply_count: int  # replies other posts made to it
    accepted_answer: bool
    regular: bool  # an ordinary post: not a moderator action, a whisper, hidden or deleted
    system: bool  # written by the forum itself (`system`, `discobot`: user ids below 1)
    user_id: int | None = None  # the author's id, for reading many profiles a request


@dataclass(frozen=True)
class ForumTopic:
    id: int
    title: str
    category_id: int | None
    tags: tuple[str, ...]
    created_at: datetime
    posts: list[ForumPost]  # the first chunk
    stream: list[int]  # every post id, in order


@dataclass(frozen=True)
class ForumUser:
    username: str
    name: str | None
    github_logins: tuple[str, ...]  # GitHub profiles the forum profile links (website, fields)


@dataclass(frozen=True)
class ForumCategory:
    id: int
    slug: str
    name: str


def _time(value: Any, what: str) -> datetime:
    if not isinstance(value, str):
        raise DiscourseError(f"the forum's answer for {what} has no valid time")
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise DiscourseError(f"the forum's answer for {what} has no valid time") from None
    if when.tzinfo is None:
        raise DiscourseError(f"the forum's answer for {what} has a time without a zone")
    return when


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DiscourseError(f"the forum's answer for {what} is not what a forum sends")
    return value


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _tags(value: Any) -> tuple[str, ...]:
    """Tags as names: plain strings, or `{name: …}` objects as newer forums send them."""
    found: list[str] = []
    for tag in value if isinstance(value, list) else []:
        name = tag.get("name") if isinstance(tag, dict) else tag
        if isinstance(name, str) and name.strip():
            found.append(name.strip().lower()[:100])
    return tuple(dict.fromkeys(found))


def words_of(cooked: str) -> int:
    """How many words a post's own text has: quoted posts and markup left out."""
    text = html.unescape(_TAG.sub(" ", _QUOTE.sub(" ", cooked)))
    return len(text.split())


def _post(data: Any, what: str) -> ForumPost:
    if not isinstance(data, dict):
        raise DiscourseError(f"the forum's answer for {what} holds a post that is not an object")
    username = data.get("username")
    if not isinstance(username, str) or not _USERNAME.match(username):
        raise DiscourseError(f"the forum's answer for {what} holds a post without a username")
    user_id = data.get("user_id")
    name = data.get("name") if isinstance(data.get("name"), str) else None
    regular = (
        data.get("post_type", 1) == 1
        and not data.get("hidden")
        and not data.get("deleted_at")
        and not data.get("user_deleted")
    )
    return ForumPost(
        id=_int(data.get("id"), what),
        post_number=_int(data.get("post_number"), what),
        username=username,
        name=(name or "").strip()[:200] or None,
        created_at=_time(data.get("created_at"), what),
        words=words_of(data.get("cooked") or "") if isinstance(data.get("cooked"), str) else 0,
        reply_count=_count(data.get("reply_count")),
        accepted_answer=data.get("accepted_answer") is True,
        regular=bool(regular),
        system=isinstance(user_id, int) and user_id < 1,
        user_id=user_id if isinstance(user_id, int) and not isinstance(user_id, bool) else None,
    )


def _posts(body: Any, what: str) -> list[ForumPost]:
    stream = body.get("post_stream") if isinstance(body, dict) else None
    posts = stream.get("posts") if isinstance(stream, dict) else None
    if not isinstance(posts, list):
        raise DiscourseError(f"the forum's answer for {what} {shape_problem(body, 'post_stream')}")
    return [_post(p, what) for p in posts]


def github_links(*texts: Any) -> tuple[str, ...]:
    """GitHub accounts (`github.com/LOGIN`, the profile itself, not a repository) in texts."""
    found: list[str] = []
    for text in texts:
        if not isinstance(text, str):
            continue
        for match in _GITHUB_PROFILE.finditer(html.unescape(text)):
            login = match.group(1)
            if GITHUB_LOGIN.match(login):
                found.append(login.lower())
    return tuple(dict.fromkeys(found))


# -- HTTP -----------------------------------------------------------------------------------------


class DiscourseHTTP:
    """GETs against one forum's API with retries, Retry-After and an optional API key."""

    def __init__(
        self,
        api_url: str,
        *,
        api_key: str | None = None,
        api_username: str | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = 5,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        on_wait: Callable[[str, float], None] | None = None,
    ) -> None:
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        if api_key:
            headers["Api-Key"] = api_key
            headers["Api-Username"] = api_username or "system"
        self.api_url = api_url.rstrip("/")
        self._client = httpx.Client(
            base_url=self.api_url + "/",
            headers=headers,
            timeout=timeout,
            transport=transport,
            follow_redirects=True,
        )
        self._clock = clock
        self._sleep = sleep
        self._max_attempts = max_attempts
        self._on_wait = on_wait
        self.requests = 0  # answers received (faults and retries included)
        self.by_kind: dict[str, int] = {}  # answered requests per kind ("list", "topic", ...)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> DiscourseHTTP:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def get(self, path: str, params: Any = None, *, what: str, kind: str) -> Any:
        """The JSON at `path` (relative to the API base); raises DiscourseError with one line."""
        retrying = Retrying(
            stop=stop_after_attempt(self._max_attempts),
            wait=backoff,
            retry=retry_if_exception_type(TransientError),
            sleep=self._sleep_logged,
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return self._attempt(path, params, what=what, kind=kind)
        except TransientError as error:
            raise DiscourseError(
                f"the forum kept failing for {what} after {self._max_attempts} attempts: {error}"
            ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _attempt(self, path: str, params: Any, *, what: str, kind: str) -> Any:
        try:
            response = self._client.get(path, params=params)
        except httpx.TransportError as error:
            raise TransientError(f"{type(error).__name__}: {error}") from None
        self.requests += 1
        status = response.status_code
        if status in (429, 503):
            retry_after = response.headers.get("Retry-After")
            wait = retry_after_seconds(retry_after, self._clock()) if retry_after else None
            raise TransientError(f"rate limited ({status})", wait=wait if wait else None)
        if status >= 500:
            raise TransientError(f"the forum answered {status}")
        if status == 404:
            raise DiscourseNotFoundError(f"the forum has no {what} (404), or it is not public")
        if status in (401, 403):
            raise DiscourseError(
                f"the forum refused {what} ({status}): a private category, or "
                "DISCOURSE_API_KEY/DISCOURSE_API_USERNAME are wrong"
            )
        if status >= 400:
            raise DiscourseError(f"the forum rejected the request for {what} ({status})")
        try:
            data = clean_json(response.json())
        except ValueError:
            raise TransientError(f"a body that is not JSON ({status})") from None
        self.by_kind[kind] = self.by_kind.get(kind, 0) + 1
        return data

    def _sleep_logged(self, seconds: float) -> None:
        log.info("retrying the forum (%.0f s)", seconds)
        if self._on_wait is not None:
            self._on_wait("retrying the forum", seconds)
        self._sleep(seconds)


# -- the source -----------------------------------------------------------------------------------


class DiscourseSource:
    """What csf reads from one forum, as plain records."""

    def __init__(self, http: DiscourseHTTP) -> None:
        self.http = http

    def categories(self) -> list[ForumCategory]:
        """Every public category, subcategories too."""
        body = self.http.get(
            "categories.json",
            {"include_subcategories": "true"},
            what="the category list",
            kind="categories",
        )
        listed = body.get("category_list") if isinstance(body, dict) else None
        items = listed.get("categories") if isinstance(listed, dict) else None
        if not isinstance(items, list):
            raise DiscourseError(
                f"the forum's category list {shape_problem(body, 'category_list')}"
            )
        found: list[ForumCategory] = []

        def add(entries: Any) -> None:
            for item in entries if isinstance(entries, list) else []:
                if not isinstance(item, dict):
                    continue
                cid, slug, name = item.get("id"), item.get("slug"), item.get("name")
                if isinstance(cid, int) and isinstance(slug, str) and isinstance(name, str):
                    found.append(ForumCategory(cid, slug.lower(), name))
                add(item.get("subcategory_list"))

        add(items)
        return found

    def topic_page(self, forum: Forum, page: int) -> TopicPage:
        """One page of a category's topics, newest bump first."""
        what = f"{forum.full_name} topics, page {page}"
        body = self.http.get(
            f"c/{quote(forum.slug)}/{forum.category_id}.json",
            {"page": page} if page else None,
            what=what,
            kind="list",
        )
        listed = body.get("topic_list") if isinstance(body, dict) else None
        items = listed.get("topics") if isinstance(listed, dict) else None
        if not isinstance(listed, dict) or not isinstance(items, list):
            raise DiscourseError(
                f"the forum's answer for {what} {shape_problem(body, 'topic_list')}"
            )
        topics = []
        for item in items:
            if not isinstance(item, dict):
                raise DiscourseError(f"the forum's answer for {what} holds a topic that is not one")
            if item.get("category_id") not in (None, forum.category_id):
                continue  # a subcategory's topic: tracked (or not) as its own category
            bumped = item.get("bumped_at") or item.get("last_posted_at") or item.get("created_at")
            topics.append(
                TopicSummary(
                    id=_int(item.get("id"), what),
                    title=str(item.get("title") or ""),
                    bumped_at=_time(bumped, what),
                    posts_count=_count(item.get("posts_count")),
                    pinned=bool(item.get("pinned") or item.get("pinned_globally")),
                )
            )
        more = listed.get("more_topics_url")
        return TopicPage(topics, bool(more) and _page_of(more) != page)

    def topic(self, topic_id: int) -> ForumTopic:
        what = f"topic {topic_id}"
        body = self.http.get(f"t/{topic_id}.json", what=what, kind="topic")
        posts = _posts(body, what)
        stream = body["post_stream"].get("stream")
        if not isinstance(stream, list) or not all(isinstance(i, int) for i in stream):
            stream = [p.id for p in posts]
        title = body.get("title")
        if not isinstance(title, str):
            raise DiscourseError(f"the forum's answer for {what} has no title")
        return ForumTopic(
            id=_int(body.get("id"), what),
            title=title,
            category_id=_count(body.get("category_id")) or None,
            tags=_tags(body.get("tags")),
            created_at=_time(body.get("created_at"), what),
            posts=posts,
            stream=list(stream),
        )

    def posts(self, topic_id: int, post_ids: Sequence[int]) -> list[ForumPost]:
        """The posts with these ids, `POSTS_PER_REQUEST` a request."""
        found: list[ForumPost] = []
        for start in range(0, len(post_ids), POSTS_PER_REQUEST):
            chunk = list(post_ids[start : start + POSTS_PER_REQUEST])
            what = f"posts of topic {topic_id}"
            body = self.http.get(
                f"t/{topic_id}/posts.json",
                [("post_ids[]", str(i)) for i in chunk],
                what=what,
                kind="posts",
            )
            found += _posts(body, what)
        return found

    def user(self, username: str) -> ForumUser | None:
        """A public profile (None: gone or hidden): the GitHub accounts it links, no address."""
        what = f"user {username}"
        try:
            body = self.http.get(f"u/{quote(username, safe='')}.json", what=what, kind="user")
        except DiscourseNotFoundError:
            return None
        user = body.get("user") if isinstance(body, dict) else None
        if not isinstance(user, dict) or not isinstance(user.get("username"), str):
            raise DiscourseError(f"the forum's answer for {what} {shape_problem(body, 'user')}")
        return _forum_user(user, user["username"])

    def user_cards(self, user_ids: Sequence[int]) -> dict[str, ForumUser]:
        """The public profiles of up to `CARDS_PER_REQUEST` people in one request (Discourse's
        `/user-cards.json?user_ids=…`, what its user cards show: name, website, profile fields,
        the start of the bio), by lower-cased username; people it does not show are left out."""
        ids = sorted(set(user_ids))[:CARDS_PER_REQUEST]
        if not ids:
            return {}
        what = f"profiles of {len(ids)} people"
        body = self.http.get(
            "user-cards.json", {"user_ids": ",".join(map(str, ids))}, what=what, kind="user"
        )
        users = body.get("users") if isinstance(body, dict) else None
        if not isinstance(users, list):
            raise DiscourseError(f"the forum's answer for {what} {shape_problem(body, 'users')}")
        found: dict[str, ForumUser] = {}
        for user in users:
            if isinstance(user, dict) and isinstance(user.get("username"), str):
                found[user["username"].lower()] = _forum_user(user, user["username"])
        return found


def _forum_user(user: dict[str, Any], username: str) -> ForumUser:
    """The GitHub accounts a profile (or a user card) links, and its name; no address."""
    fields = user.get("user_fields")
    values = list(fields.values()) if isinstance(fields, dict) else []
    # The website and the profile's own fields name an account; a bio only when the link
    # is to the same name (a bio links colleagues and projects too).
    linked = github_links(user.get("website"), *values)
    same = tuple(
        login
        for login in github_links(
            user.get("bio_cooked"), user.get("bio_raw"), user.get("bio_excerpt")
        )
        if login == username.lower()
    )
    name = user.get("name") if isinstance(user.get("name"), str) else None
    return ForumUser(username, name, tuple(dict.fromkeys(linked + same)))


def _page_of(url: Any) -> int | None:
    if not isinstance(url, str):
        return None
    values = parse_qs(urlsplit(url).query).get("page") or []
    return int(values[0]) if values and values[0].isdigit() else None


class ForumClients:
    """One client per forum host, for a sync of many categories; close it when done.

    `api_url` (DISCOURSE_API_URL) replaces `https://HOST` as where the API answers (a proxy, a
    test's loopback server); links are built on the public host all the same.
    """

    def __init__(
        self,
        *,
        api_url: str | None = None,
        api_key: str | None = None,
        api_username: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._api_url = api_url
        self._api_key = api_key
        self._api_username = api_username
        self._sleep = sleep
        self._clients: dict[str, DiscourseHTTP] = {}

    def for_host(self, host: str) -> DiscourseSource:
        if host not in self._clients:
            self._clients[host] = DiscourseHTTP(
                self._api_url or f"https://{host}",
                api_key=self._api_key,
                api_username=self._api_username,
                sleep=self._sleep,
            )
        return DiscourseSource(self._clients[host])

    def for_forum(self, forum: Forum) -> DiscourseSource:
        return self.for_host(forum.host)

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()

    def __enter__(self) -> ForumClients:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

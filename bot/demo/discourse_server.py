"""A local Discourse on 127.0.0.1: the JSON shapes csf reads, over real sockets.

It serves a `ForumWorld` of fictional categories, topics, posts and users the way a Discourse
forum does: category topic lists newest bump first, paged (`topic_list.topics`,
`more_topics_url` while there are more); a topic with its first 20 posts and every post id
(`post_stream.posts`, `post_stream.stream`); the rest by `/t/{id}/posts.json?post_ids[]=…`
(at most 20 a request, as the forum's chunk size); public profiles (`/u/{username}.json`,
never an address); `/categories.json`. Faults on demand: 5xx answers, 429 with `Retry-After`,
a body cut short. Every request is logged so tests and the benchmark can count what a sync cost.

It lives in the package because `csf demo` syncs its sample forum through it with the same code
`csf sync` runs against a real forum. It binds 127.0.0.1 on a port the system picks.
"""

from __future__ import annotations

import html
import json
import re
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

CHUNK = 20


@dataclass
class ForumAccount:
    username: str
    name: str | None = None
    user_id: int = 0
    website: str | None = None
    bio: str | None = None
    fields: dict[str, str] = field(default_factory=dict)


@dataclass
class ForumMessage:
    """A post: `text` is its own words; `quote` (a post number) quotes another post first."""

    id: int
    username: str
    created_at: str
    text: str
    reply_to: int | None = None  # the post number it answers
    accepted: bool = False
    post_type: int = 1
    quote: int | None = None


@dataclass
class ForumThread:
    id: int
    title: str
    category_id: int
    created_at: str
    posts: list[ForumMessage] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    pinned: bool = False

    @property
    def bumped_at(self) -> str:
        return max([self.created_at, *(p.created_at for p in self.posts)])


@dataclass
class ForumSection:
    id: int
    slug: str
    name: str
    parent_id: int | None = None


@dataclass
class ForumWorld:
    categories: list[ForumSection] = field(default_factory=list)
    topics: dict[int, ForumThread] = field(default_factory=dict)
    users: dict[str, ForumAccount] = field(default_factory=dict)

    def user(self, username: str, name: str | None = None, **extra: Any) -> ForumAccount:
        if username not in self.users:
            self.users[username] = ForumAccount(
                username, name, user_id=len(self.users) + 1, **extra
            )
        return self.users[username]


@dataclass
class ForumRequest:
    path: str
    query: str
    status: int


class FakeDiscourse:
    """The server. Use as a context manager; `url` is the API base to hand to csf."""

    def __init__(self, world: ForumWorld, *, per_page: int = 30, api_key: str | None = None):
        self.world = world
        self.per_page = per_page
        self.api_key = api_key  # when set, requests must carry it (Api-Key)
        self.faults: deque[tuple[str, Any]] = deque()
        self.log: list[ForumRequest] = []
        self.headers_seen: list[dict[str, str]] = []
        self.lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FakeDiscourse:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- test controls ------------------------------------------------------------------------

    def fail(self, status: int, times: int = 1) -> None:
        self.faults.extend([("status", status)] * times)

    def rate_limit(self, retry_after: int, times: int = 1) -> None:
        self.faults.extend([("429", retry_after)] * times)

    def truncate(self, times: int = 1) -> None:
        """The next answers are cut half-way: a 200 whose body is not whole JSON."""
        self.faults.extend([("truncate", None)] * times)

    def answered(self) -> list[ForumRequest]:
        return [r for r in self.log if r.status == 200]

    # -- HTTP ---------------------------------------------------------------------------------

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *_: Any) -> None:
                pass

            def do_GET(self) -> None:
                fake._serve(self)

        return Handler

    def _serve(self, request: BaseHTTPRequestHandler) -> None:
        parsed = urlparse(request.path)
        with self.lock:
            self.headers_seen.append({k.lower(): v for k, v in request.headers.items()})
            fault = self.faults.popleft() if self.faults else None

        def log(status: int) -> None:
            with self.lock:
                self.log.append(ForumRequest(parsed.path, parsed.query, status))

        if fault is not None:
            kind, value = fault
            if kind == "status":
                log(value)
                self._send(request, value, {"errors": ["Internal Server Error"]})
                return
            if kind == "429":
                log(429)
                self._send(
                    request,
                    429,
                    {"errors": ["You've performed this action too many times."]},
                    {"Retry-After": str(value)},
                )
                return
        if self.api_key and request.headers.get("Api-Key") != self.api_key:
            log(403)
            self._send(request, 403, {"errors": ["You are not permitted to view this."]})
            return
        status, data = self._route(parsed.path, parse_qs(parsed.query))
        if fault is not None and fault[0] == "truncate" and status == 200:
            raw = json.dumps(data).encode()
            log(200)
            self._send_raw(request, 200, raw[: max(1, len(raw) // 2)])
            return
        log(status)
        self._send(request, status, data)

    def _send(
        self,
        request: BaseHTTPRequestHandler,
        status: int,
        data: Any,
        headers: dict[str, str] | None = None,
    ) -> None:
        self._send_raw(request, status, json.dumps(data).encode(), headers)

    @staticmethod
    def _send_raw(
        request: BaseHTTPRequestHandler,
        status: int,
        raw: bytes,
        headers: dict[str, str] | None = None,
    ) -> None:
        request.send_response(status)
        request.send_header("Content-Type", "application/json; charset=utf-8")
        request.send_header("Content-Length", str(len(raw)))
        for name, value in (headers or {}).items():
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(raw)

    # -- routes -------------------------------------------------------------------------------

    def _route(self, path: str, query: dict[str, list[str]]) -> tuple[int, Any]:
        not_found = 404, {"errors": ["The requested URL or resource could not be found."]}
        if path == "/categories.json":
            return 200, self._categories()
        match = re.fullmatch(r"/c/([^/]+)/([0-9]+)\.json", path)
        if match:
            page = int((query.get("page") or ["0"])[0])
            return self._category(match.group(1), int(match.group(2)), page) or not_found
        match = re.fullmatch(r"/t/([0-9]+)\.json", path)
        if match:
            topic = self.world.topics.get(int(match.group(1)))
            return (200, self._topic(topic)) if topic else not_found
        match = re.fullmatch(r"/t/([0-9]+)/posts\.json", path)
        if match:
            topic = self.world.topics.get(int(match.group(1)))
            if topic is None:
                return not_found
            wanted = [int(i) for i in query.get("post_ids[]", []) if i.isdigit()][:CHUNK]
            posts = [self._post(topic, p) for p in topic.posts if p.id in wanted]
            return 200, {"post_stream": {"posts": posts}, "id": topic.id}
        match = re.fullmatch(r"/u/([^/]+)\.json", path)
        if match:
            user = self.world.users.get(unquote(match.group(1)))
            return (200, self._user(user)) if user else not_found
        if path == "/user-cards.json":
            ids = {int(i) for v in query.get("user_ids", []) for i in v.split(",") if i.isdigit()}
            cards = [self._card(u) for u in self.world.users.values() if u.user_id in ids]
            return 200, {"users": cards, "user_badges": [], "badges": []}
        return not_found

    def _categories(self) -> Any:
        def shown(c: ForumSection) -> dict[str, Any]:
            subs = [shown(s) for s in self.world.categories if s.parent_id == c.id]
            return {"id": c.id, "name": c.name, "slug": c.slug, "subcategory_list": subs}

        top = [shown(c) for c in self.world.categories if c.parent_id is None]
        return {"category_list": {"can_create_category": False, "categories": top}}

    def _category(self, slug: str, category_id: int, page: int) -> tuple[int, Any] | None:
        found = [c for c in self.world.categories if c.id == category_id]
        if not found or found[0].slug != slug:
            return None
        topics = [t for t in self.world.topics.values() if t.category_id == category_id]
        topics.sort(key=lambda t: (not t.pinned, _desc(t.bumped_at), -t.id))
        start = page * self.per_page
        chunk = topics[start : start + self.per_page]
        listed: dict[str, Any] = {
            "can_create_topic": False,
            "per_page": self.per_page,
            "topics": [
                {
                    "id": t.id,
                    "title": t.title,
                    "fancy_title": html.escape(t.title),
                    "slug": _slug(t.title),
                    "posts_count": len(t.posts),
                    "reply_count": max(0, len(t.posts) - 1),
                    "created_at": t.created_at,
                    "last_posted_at": t.bumped_at,
                    "bumped": True,
                    "bumped_at": t.bumped_at,
                    "archetype": "regular",
                    "pinned": t.pinned,
                    "visible": True,
                    "closed": False,
                    "archived": False,
                    "tags": list(t.tags),
                    "category_id": t.category_id,
                    "has_accepted_answer": any(p.accepted for p in t.posts),
                    "last_poster_username": t.posts[-1].username if t.posts else None,
                }
                for t in chunk
            ],
        }
        if start + self.per_page < len(topics):
            listed["more_topics_url"] = f"/c/{slug}/{category_id}/l/latest?page={page + 1}"
        return 200, {"users": [], "primary_groups": [], "topic_list": listed}

    def _topic(self, topic: ForumThread) -> Any:
        accepted = next((p for p in topic.posts if p.accepted), None)
        first = topic.posts[0].username if topic.posts else None
        body: dict[str, Any] = {
            "id": topic.id,
            "title": topic.title,
            "fancy_title": html.escape(topic.title),
            "slug": _slug(topic.title),
            "posts_count": len(topic.posts),
            "created_at": topic.created_at,
            "last_posted_at": topic.bumped_at,
            "category_id": topic.category_id,
            "tags": list(topic.tags),
            "archetype": "regular",
            "pinned": topic.pinned,
            "post_stream": {
                "posts": [self._post(topic, p) for p in topic.posts[:CHUNK]],
                "stream": [p.id for p in topic.posts],
            },
            "details": {"created_by": {"username": first}},
        }
        if accepted is not None:
            body["accepted_answer"] = {
                "post_number": topic.posts.index(accepted) + 1,
                "username": accepted.username,
            }
        return body

    def _post(self, topic: ForumThread, post: ForumMessage) -> Any:
        number = topic.posts.index(post) + 1
        user = self.world.users.get(post.username)
        cooked = f"<p>{html.escape(post.text)}</p>"
        if post.quote is not None and 0 < post.quote <= len(topic.posts):
            quoted = topic.posts[post.quote - 1]
            cooked = (
                f'<aside class="quote no-group" data-username="{quoted.username}" '
                f'data-post="{post.quote}" data-topic="{topic.id}"><blockquote><p>'
                f"{html.escape(quoted.text)}</p></blockquote></aside>\n" + cooked
            )
        return {
            "id": post.id,
            "name": user.name if user else None,
            "username": post.username,
            "avatar_template": f"/user_avatar/forum/{post.username}/{{size}}/1_2.png",
            "created_at": post.created_at,
            "updated_at": post.created_at,
            "cooked": cooked,
            "post_number": number,
            "post_type": post.post_type,
            "reply_count": sum(1 for p in topic.posts if p.reply_to == number),
            "reply_to_post_number": post.reply_to,
            "quote_count": 1 if post.quote else 0,
            "topic_id": topic.id,
            "user_id": user.user_id if user else -1,
            "hidden": False,
            "deleted_at": None,
            "user_deleted": False,
            "accepted_answer": post.accepted,
            "can_accept_answer": False,
        }

    @staticmethod
    def _card(user: ForumAccount) -> Any:
        """A user card, as `/user-cards.json` lists them (UserCardSerializer): no full bio,
        its first 350 characters as `bio_excerpt`."""
        return {
            "id": user.user_id,
            "username": user.username,
            "name": user.name,
            "website": user.website,
            "website_name": urlparse(user.website).hostname if user.website else None,
            "bio_excerpt": _card_text(user.bio),
            "user_fields": dict(user.fields),
            "trust_level": 2,
        }

    @staticmethod
    def _user(user: ForumAccount) -> Any:
        return {
            "user_badges": [],
            "user": {
                "id": user.user_id,
                "username": user.username,
                "name": user.name,
                "website": user.website,
                "website_name": urlparse(user.website).hostname if user.website else None,
                "bio_cooked": f"<p>{html.escape(user.bio)}</p>" if user.bio else None,
                "user_fields": dict(user.fields),
                "trust_level": 2,
            },
        }


def _card_text(bio: str | None) -> str | None:
    return html.escape(bio)[:350] if bio else None


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:80] or "topic"


def _desc(stamp: str) -> str:
    """Sorts ISO times newest first inside an ascending sort."""
    return "".join(chr(0x10FFFF - ord(c)) for c in stamp)

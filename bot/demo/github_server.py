"""A local GitHub on 127.0.0.1: the parts of REST and GraphQL csf uses, over real sockets.

It serves a `World` of fictional repositories and people, with GitHub's behaviours that matter
to a sync: keyset cursors for pull requests in updated-at order, `Link`-header pagination for
REST, ETags and 304s (which cost no budget), rate-limit headers and a budget that runs out and
resets by the (fake) clock, and faults on demand: 5xx answers, dropped connections, secondary
limits with `Retry-After`. Every request is logged so tests can count what a sync cost.

It lives in the package, not only in the tests, because `csf demo` runs the real ingestion path
(GitHubHTTP, GitHubSource, GitHubSync) against it: the demo proves the same code a team runs
against api.github.com. It binds 127.0.0.1 on a port the system picks, never anything else.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

TOKEN = "ghp_fictionaltesttoken"


class FakeClock:
    """Epoch seconds that move only when someone sleeps; records every sleep."""

    def __init__(self, start: float = 1_780_000_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def time(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += max(0.0, seconds)

    def datetime(self) -> datetime:
        return datetime.fromtimestamp(self.time(), UTC)


@dataclass
class User:
    login: str
    name: str | None = None
    location: str | None = None
    company: str | None = None
    blog: str | None = None
    email: str | None = None
    bio: str | None = None
    created_at: str = "2015-04-01T10:00:00Z"
    type: str = "User"


# The `User` fields the fake answers (GitHub's User type has these and many more).
_USER_FIELDS = frozenset(
    {
        "login",
        "name",
        "location",
        "company",
        "websiteUrl",
        "email",
        "bio",
        "createdAt",
        "databaseId",
    }
)


@dataclass
class Review:
    id: int
    author: str | None
    state: str  # APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED, PENDING
    submitted_at: str | None


@dataclass
class PullRequest:
    number: int
    title: str
    author: str | None
    created_at: str
    updated_at: str
    state: str = "MERGED"
    merged_at: str | None = None
    closed_at: str | None = None
    additions: int = 10
    deletions: int = 2
    files: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)
    added: set[str] = field(default_factory=set)  # those of `files` it created (ADDED)


@dataclass
class Issue:
    number: int
    title: str
    author: str | None
    created_at: str
    updated_at: str
    state: str = "open"
    closed_at: str | None = None
    labels: list[str] = field(default_factory=list)


@dataclass
class Comment:
    id: int
    issue_number: int
    author: str | None
    created_at: str
    updated_at: str


@dataclass
class Repository:
    full_name: str
    pulls: list[PullRequest] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # path -> text, for contents API


@dataclass
class World:
    repos: dict[str, Repository] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)

    def repo(self, full_name: str) -> Repository:
        return self.repos.setdefault(full_name, Repository(full_name))


@dataclass
class LoggedRequest:
    method: str
    path: str
    operation: str | None
    status: int
    conditional: bool
    variables: dict[str, Any] = field(default_factory=dict)  # a GraphQL request's


@dataclass
class _Budget:
    limit: int
    remaining: int
    reset_at: float


class FakeGitHub:
    """The server. Use as a context manager; `url` is the API base to hand to csf."""

    def __init__(
        self,
        world: World,
        *,
        clock: FakeClock | None = None,
        core_limit: int = 5000,
        graphql_limit: int = 5000,
        token: str = TOKEN,
        enterprise: bool = False,
    ) -> None:
        self.world = world
        self.clock = clock or FakeClock()
        self.token = token
        self.prefix = "/api/v3" if enterprise else ""
        self.graphql_path = "/api/graphql" if enterprise else "/graphql"
        self.budgets = {
            "core": _Budget(core_limit, core_limit, self.clock.time() + 3600),
            "graphql": _Budget(graphql_limit, graphql_limit, self.clock.time() + 3600),
        }
        self.faults: deque[tuple[str, Any]] = deque()
        self.answers: dict[str, deque[tuple[int, Any]]] = {}
        self.log: list[LoggedRequest] = []
        self.lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # -- lifecycle ----------------------------------------------------------------------------

    @property
    def host(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def url(self) -> str:
        return self.host + self.prefix

    def __enter__(self) -> FakeGitHub:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- test controls ------------------------------------------------------------------------

    def fail(self, status: int, times: int = 1) -> None:
        self.faults.extend([("status", status)] * times)

    def drop(self, times: int = 1) -> None:
        self.faults.extend([("drop", None)] * times)

    def answer(self, path: str, body: Any, *, status: int = 200, times: int = 1) -> None:
        """Answer the next `times` requests for `path` (e.g. "/users/ada") with `body`, as
        GitHub sometimes does: a 200 whose body is an error, an empty object, a list."""
        self.answers.setdefault(self.prefix + path, deque()).extend([(status, body)] * times)

    def answer_operation(self, operation: str, body: Any, *, times: int = 1) -> None:
        """Answer the next `times` GraphQL requests of `operation` (e.g. "Users") with `body`."""
        self.answers.setdefault(f"graphql:{operation}", deque()).extend([(200, body)] * times)

    def secondary_limit(self, retry_after: int) -> None:
        self.faults.append(("secondary", retry_after))

    def exhaust(self, resource: str, reset_in: float) -> None:
        with self.lock:
            budget = self.budgets[resource]
            budget.remaining = 0
            budget.reset_at = self.clock.time() + reset_in

    def counted(self) -> list[LoggedRequest]:
        """Requests that cost budget (not 304s, not faults)."""
        return [r for r in self.log if r.status in (200, 404)]

    # -- budget -------------------------------------------------------------------------------

    def _budget(self, resource: str) -> _Budget:
        budget = self.budgets[resource]
        if self.clock.time() >= budget.reset_at:
            budget.remaining = budget.limit
            budget.reset_at = self.clock.time() + 3600
        return budget

    def _rate_headers(self, resource: str) -> dict[str, str]:
        budget = self._budget(resource)
        return {
            "X-RateLimit-Limit": str(budget.limit),
            "X-RateLimit-Remaining": str(budget.remaining),
            "X-RateLimit-Reset": str(int(budget.reset_at)),
            "X-RateLimit-Resource": resource,
        }

    # -- HTTP ---------------------------------------------------------------------------------

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes; with Nagle's algorithm on, a keep-alive
            # client's delayed ACK stalls every response by tens of milliseconds.
            disable_nagle_algorithm = True

            def log_message(self, *_: Any) -> None:
                pass

            def do_GET(self) -> None:
                fake._serve(self, "GET")

            def do_POST(self) -> None:
                fake._serve(self, "POST")

        return Handler

    def _serve(self, request: BaseHTTPRequestHandler, method: str) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        parsed = urlparse(request.path)
        is_graphql = parsed.path == self.graphql_path
        resource = "graphql" if is_graphql else "core"
        operation = None
        if is_graphql:
            payload = json.loads(body or b"{}")
            match = re.search(r"query\s+(\w+)", payload.get("query", ""))
            operation = match.group(1) if match else None
        conditional = bool(request.headers.get("If-None-Match"))

        variables = payload.get("variables") or {} if is_graphql else {}

        def log(status: int) -> None:
            with self.lock:
                self.log.append(
                    LoggedRequest(method, parsed.path, operation, status, conditional, variables)
                )

        with self.lock:
            fault = self.faults.popleft() if self.faults else None
        if fault is not None:
            kind, value = fault
            if kind == "drop":
                log(0)
                request.close_connection = True
                return
            if kind == "status":
                log(value)
                self._send(request, value, {"message": "Server Error"}, {})
                return
            if kind == "secondary":
                log(403)
                self._send(
                    request,
                    403,
                    {"message": "You have exceeded a secondary rate limit."},
                    {"Retry-After": str(value)},
                )
                return

        if request.headers.get("Authorization") != f"Bearer {self.token}":
            log(401)
            self._send(request, 401, {"message": "Bad credentials"}, {})
            return

        with self.lock:
            budget = self._budget(resource)
            exhausted = budget.remaining <= 0
            headers = self._rate_headers(resource)
        if exhausted:
            log(403)
            self._send(request, 403, {"message": "API rate limit exceeded"}, headers)
            return

        with self.lock:
            queued = self.answers.get(f"graphql:{operation}" if is_graphql else parsed.path)
            if is_graphql and not queued:
                queued = self.answers.get(parsed.path)
            override = queued.popleft() if queued else None
        extra: dict[str, str] = {}
        if override is not None:
            status, data = override
        elif is_graphql:
            status, data = self._graphql(
                operation, payload.get("variables") or {}, str(payload.get("query", ""))
            )
        else:
            status, data, extra = self._rest(
                parsed.path[len(self.prefix) :], parse_qs(parsed.query)
            )

        etag = None
        if status == 200 and not is_graphql:
            etag = '"' + hashlib.sha1(json.dumps(data, sort_keys=True).encode()).hexdigest() + '"'
            if request.headers.get("If-None-Match") == etag:
                log(304)
                with self.lock:
                    headers = self._rate_headers(resource)
                self._send(request, 304, None, {**headers, "ETag": etag})
                return
        with self.lock:
            if status in (200, 404):  # GitHub charges for misses too; only 304s are free
                self.budgets[resource].remaining -= 1
            headers = self._rate_headers(resource)
            if (
                is_graphql
                and isinstance(data, dict)
                and "data" in data
                and data["data"] is not None
            ):
                data["data"]["rateLimit"] = {
                    "cost": 1,
                    "remaining": self.budgets["graphql"].remaining,
                    "resetAt": datetime.fromtimestamp(
                        self.budgets["graphql"].reset_at, UTC
                    ).strftime("%Y-%m-%dT%H:%M:%SZ"),
                }
        log(status)
        headers.update(extra)
        if etag:
            headers["ETag"] = etag
        self._send(request, status, data, headers)

    @staticmethod
    def _send(
        request: BaseHTTPRequestHandler, status: int, data: Any, headers: dict[str, str]
    ) -> None:
        raw = b"" if data is None else json.dumps(data).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json; charset=utf-8")
        request.send_header("Content-Length", str(len(raw)))
        for name, value in headers.items():
            request.send_header(name, value)
        request.end_headers()
        if raw:
            request.wfile.write(raw)

    # -- GraphQL ------------------------------------------------------------------------------

    def _graphql(
        self, operation: str | None, variables: dict[str, Any], query: str = ""
    ) -> tuple[int, Any]:
        if operation == "Users":
            return self._users(query, variables)
        full_name = f"{variables.get('owner')}/{variables.get('name')}"
        repo = self.world.repos.get(full_name)
        if repo is None:
            return 200, {
                "data": {"repository": None},
                "errors": [
                    {
                        "type": "NOT_FOUND",
                        "path": ["repository"],
                        "message": f"Could not resolve to a Repository named '{full_name}'.",
                    }
                ],
            }
        if operation == "PullRequests":
            return 200, {
                "data": {
                    "repository": {"pullRequests": self._pull_page(repo, variables.get("after"))}
                }
            }
        if operation == "Issues":
            return 200, {
                "data": {
                    "repository": {
                        "issues": self._issue_page(repo, variables.get("after"), variables)
                    }
                }
            }
        if operation == "PullRequestPages":
            return self._pull_request_pages(repo, query, variables)
        return 200, {"errors": [{"message": f"unknown operation {operation}"}]}

    def _pull_request_pages(
        self, repo: Repository, query: str, variables: dict[str, Any]
    ) -> tuple[int, Any]:
        """Aliased `pN: pullRequest(number: $nN) { files|reviews(first: 100, after: $aN) }`
        fields: the next page of each; a number with no PR is null with a NOT_FOUND error."""
        asked = re.findall(
            r"(\w+)\s*:\s*pullRequest\(number:\s*\$(\w+)\)\s*\{\s*(files|reviews)"
            r"\(first:\s*100,\s*after:\s*\$(\w+)\)",
            query,
        )
        if not asked:
            return 200, {"errors": [{"message": "PullRequestPages asks for no pull request"}]}
        by_number = {p.number: p for p in repo.pulls}
        data: dict[str, Any] = {}
        errors: list[dict[str, Any]] = []
        for alias, number_var, key, after_var in asked:
            pr = by_number.get(int(variables.get(number_var) or 0))
            if pr is None:
                data[alias] = None
                errors.append({"type": "NOT_FOUND", "path": ["repository", alias]})
                continue
            offset = int(variables.get(after_var) or 0)
            data[alias] = {key: self._nested(repo, pr, key, offset)}
        answer: dict[str, Any] = {"data": {"repository": data}}
        if errors:
            answer["errors"] = errors
        return 200, answer

    def _users(self, query: str, variables: dict[str, Any]) -> tuple[int, Any]:
        """Aliased `uN: user(login: $lN)` fields, as GitHub answers them: a login that is no
        user (gone, an organisation, a bot) is null with a NOT_FOUND error for its alias; a
        field the `User` type does not have fails the whole query."""
        fragment = re.search(r"fragment\s+\w+\s+on\s+User\s*\{([^}]*)\}", query)
        asked = fragment.group(1).split() if fragment else []
        unknown = [f for f in asked if f not in _USER_FIELDS]
        if not fragment or unknown:
            name = unknown[0] if unknown else "(none)"
            message = f"Field '{name}' doesn't exist on type 'User'"
            return 200, {"errors": [{"message": message, "extensions": {"code": "undefinedField"}}]}
        data: dict[str, Any] = {}
        errors: list[dict[str, Any]] = []
        for alias, variable in re.findall(r"(\w+)\s*:\s*user\(login:\s*\$(\w+)\)", query):
            login = str(variables.get(variable, ""))
            user = self.world.users.get(login)
            if user is None or user.type != "User":
                data[alias] = None
                errors.append(
                    {
                        "type": "NOT_FOUND",
                        "path": [alias],
                        "message": f"Could not resolve to a User with the login of '{login}'.",
                    }
                )
                continue
            values = {
                "login": user.login,
                "name": user.name,
                "location": user.location,
                "company": user.company,
                "websiteUrl": user.blog or None,
                "email": user.email or "",
                "bio": user.bio or "",
                "createdAt": user.created_at,
                "databaseId": _account_id(user.login),
            }
            data[alias] = {field: values[field] for field in asked}
        answer: dict[str, Any] = {"data": data}
        if errors:
            answer["errors"] = errors
        return 200, answer

    def _issue_page(
        self, repo: Repository, after: str | None, variables: dict[str, Any]
    ) -> dict[str, Any]:
        """Issues (never pull requests) updated at or after `since`, by update time."""
        since = variables.get("since")
        ordered = sorted(repo.issues, key=lambda i: (_instant(i.updated_at), i.number))
        if since:
            ordered = [i for i in ordered if _instant(i.updated_at) >= _instant(since)]
        if after:
            updated, number = base64.b64decode(after).decode().split("|")
            key = (_instant(updated), int(number))
            ordered = [i for i in ordered if (_instant(i.updated_at), i.number) > key]
        page, rest = ordered[:100], ordered[100:]
        end = page[-1] if page else None
        return {
            "pageInfo": {
                "hasNextPage": bool(rest),
                "endCursor": (
                    base64.b64encode(f"{end.updated_at}|{end.number}".encode()).decode()
                    if end
                    else None
                ),
            },
            "nodes": [
                {
                    "number": i.number,
                    "title": i.title,
                    "url": f"https://github.com/{repo.full_name}/issues/{i.number}",
                    "state": i.state.upper(),
                    "createdAt": i.created_at,
                    "updatedAt": i.updated_at,
                    "closedAt": i.closed_at,
                    "author": self._actor(i.author),
                    "labels": {"nodes": [{"name": n} for n in i.labels]},
                }
                for i in page
            ],
        }

    @staticmethod
    def _cursor(pr: PullRequest) -> str:
        return base64.b64encode(f"{pr.updated_at}|{pr.number}".encode()).decode()

    def _pull_page(self, repo: Repository, after: str | None) -> dict[str, Any]:
        ordered = sorted(repo.pulls, key=lambda p: (p.updated_at, p.number))
        if after:
            updated, number = base64.b64decode(after).decode().split("|")
            key = (updated, int(number))
            ordered = [p for p in ordered if (p.updated_at, p.number) > key]
        page, rest = ordered[:100], ordered[100:]
        return {
            "pageInfo": {
                "hasNextPage": bool(rest),
                "endCursor": self._cursor(page[-1]) if page else None,
            },
            "nodes": [self._pr_node(repo, pr) for pr in page],
        }

    def _pr_node(self, repo: Repository, pr: PullRequest) -> dict[str, Any]:
        return {
            "number": pr.number,
            "title": pr.title,
            "url": f"https://github.com/{repo.full_name}/pull/{pr.number}",
            "state": pr.state,
            "createdAt": pr.created_at,
            "updatedAt": pr.updated_at,
            "mergedAt": pr.merged_at,
            "closedAt": pr.closed_at,
            "additions": pr.additions,
            "deletions": pr.deletions,
            "changedFiles": len(pr.files),
            "author": self._actor(pr.author),
            "labels": {"nodes": [{"name": label} for label in pr.labels]},
            "files": self._nested(repo, pr, "files", 0),
            "reviews": self._nested(repo, pr, "reviews", 0),
        }

    def _nested(self, repo: Repository, pr: PullRequest, key: str, offset: int) -> dict[str, Any]:
        items: list[Any] = pr.files if key == "files" else pr.reviews
        chunk = items[offset : offset + 100]
        more = offset + 100 < len(items)
        if key == "files":
            nodes = [
                {"path": path, "changeType": "ADDED" if path in pr.added else "MODIFIED"}
                for path in chunk
            ]
        else:
            nodes = [
                {
                    "databaseId": r.id,
                    "state": r.state,
                    "submittedAt": r.submitted_at,
                    "url": (
                        f"https://github.com/{repo.full_name}/pull/{pr.number}"
                        f"#pullrequestreview-{r.id}"
                    ),
                    "author": self._actor(r.author),
                }
                for r in chunk
            ]
        return {
            "pageInfo": {"hasNextPage": more, "endCursor": str(offset + 100) if more else None},
            "nodes": nodes,
        }

    def _actor(self, login: str | None) -> dict[str, Any] | None:
        if login is None:
            return None
        user = self.world.users.get(login)
        if (user and user.type == "Bot") or login.endswith("[bot]"):
            return {"__typename": "Bot", "login": login.removesuffix("[bot]")}
        return {"__typename": "User", "login": login}

    # -- REST ---------------------------------------------------------------------------------

    def _rest(self, path: str, query: dict[str, list[str]]) -> tuple[int, Any, dict[str, str]]:
        parts = [p for p in path.split("/") if p]
        if len(parts) == 2 and parts[0] == "users":
            user = self.world.users.get(parts[1])
            if user is None:
                return 404, {"message": "Not Found"}, {}
            return (
                200,
                {
                    "login": user.login,
                    "id": _account_id(user.login),
                    "type": user.type,
                    "name": user.name,
                    "location": user.location,
                    "company": user.company,
                    "blog": user.blog or "",
                    "email": user.email,
                    "bio": user.bio,
                    "created_at": user.created_at,
                },
                {},
            )
        if len(parts) >= 3 and parts[0] == "repos":
            repo = self.world.repos.get(f"{parts[1]}/{parts[2]}")
            if repo is None:
                return 404, {"message": "Not Found"}, {}
            rest = parts[3:]
            if rest == ["issues"]:
                return self._listing(repo, path, query, self._issue_items(repo))
            if rest == ["issues", "comments"]:
                return self._listing(repo, path, query, self._comment_items(repo))
            if len(rest) == 2 and rest[0] == "pulls" and rest[1].isdigit():
                pr = next((p for p in repo.pulls if p.number == int(rest[1])), None)
                if pr is None:
                    return 404, {"message": "Not Found"}, {}
                return (
                    200,
                    {"number": pr.number, "title": pr.title, "user": self._actor(pr.author)},
                    {},
                )
            if rest and rest[0] == "contents":
                return self._contents(repo, "/".join(rest[1:]))
        return 404, {"message": "Not Found"}, {}

    def _listing(
        self, repo: Repository, path: str, query: dict[str, list[str]], items: list[dict[str, Any]]
    ) -> tuple[int, Any, dict[str, str]]:
        since = query.get("since", [""])[0]
        if since:
            items = [i for i in items if i["updated_at"] >= since]
        items.sort(key=lambda i: (i["updated_at"], i["id"]))
        per_page = int((query.get("per_page") or ["30"])[0])
        page = int((query.get("page") or ["1"])[0])
        chunk = items[(page - 1) * per_page : page * per_page]
        headers: dict[str, str] = {}
        if page * per_page < len(items):
            params = {k: v[0] for k, v in query.items()}
            params["page"] = str(page + 1)
            headers["Link"] = f'<{self.url}{path}?{urlencode(params)}>; rel="next"'
        return 200, chunk, headers

    def _issue_items(self, repo: Repository) -> list[dict[str, Any]]:
        items = [
            {
                "id": 10_000_000 + i.number,
                "number": i.number,
                "title": i.title,
                "html_url": f"https://github.com/{repo.full_name}/issues/{i.number}",
                "state": i.state,
                "user": self._rest_user(i.author),
                "labels": [{"name": n} for n in i.labels],
                "created_at": i.created_at,
                "updated_at": i.updated_at,
                "closed_at": i.closed_at,
            }
            for i in repo.issues
        ]
        # The issues endpoint also lists pull requests, marked with a `pull_request` key.
        items += [
            {
                "id": 20_000_000 + p.number,
                "number": p.number,
                "title": p.title,
                "html_url": f"https://github.com/{repo.full_name}/pull/{p.number}",
                "state": "closed",
                "user": self._rest_user(p.author),
                "labels": [],
                "created_at": p.created_at,
                "updated_at": p.updated_at,
                "closed_at": p.closed_at,
                "pull_request": {"url": "x"},
            }
            for p in repo.pulls
        ]
        return items

    def _comment_items(self, repo: Repository) -> list[dict[str, Any]]:
        return [
            {
                "id": c.id,
                "user": self._rest_user(c.author),
                "created_at": c.created_at,
                "updated_at": c.updated_at,
                "html_url": f"https://github.com/{repo.full_name}/issues/{c.issue_number}#issuecomment-{c.id}",
                "issue_url": f"{self.url}/repos/{repo.full_name}/issues/{c.issue_number}",
            }
            for c in repo.comments
        ]

    def _rest_user(self, login: str | None) -> dict[str, Any] | None:
        if login is None:
            return None
        user = self.world.users.get(login)
        return {"login": login, "id": _account_id(login), "type": user.type if user else "User"}

    def _contents(self, repo: Repository, path: str) -> tuple[int, Any, dict[str, str]]:
        if path in repo.files:
            encoded = base64.b64encode(repo.files[path].encode()).decode()
            return (
                200,
                {
                    "type": "file",
                    "name": path.rsplit("/", 1)[-1],
                    "path": path,
                    "encoding": "base64",
                    "content": encoded,
                },
                {},
            )
        prefix = f"{path}/" if path else ""
        children: dict[str, str] = {}
        for file_path in repo.files:
            if file_path.startswith(prefix):
                head, _, tail = file_path[len(prefix) :].partition("/")
                children[head] = "dir" if tail else "file"
        if not children:
            return 404, {"message": "Not Found"}, {}
        return (
            200,
            [
                {"name": name, "path": prefix + name, "type": kind}
                for name, kind in sorted(children.items())
            ],
            {},
        )


def _instant(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def _account_id(login: str) -> int:
    """A stable numeric account id, as GitHub gives every account."""
    return int(hashlib.sha1(login.lower().encode()).hexdigest()[:8], 16)

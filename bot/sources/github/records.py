"""What csf reads from GitHub, as plain records, one page at a time.

GraphQL where it saves requests: one query returns 100 pull requests with their files, labels and
reviews (about one request per 100 PRs); only PRs with more than 100 files or reviews need more.
REST where GraphQL lacks what is needed: issues and issue comments (`since` filters and ETags,
so an unchanged repository costs one free 304 each), user profiles, and file contents.

Pull requests are paged in `UPDATED_AT` order; GitHub's cursors are keyset cursors, so the last
`endCursor` is also the incremental high-water mark: the next sync starts after it and sees
exactly the PRs updated since.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from bot.sources.github.http import (
    GitHubHTTP,
    GitHubNotFoundError,
    GitHubShapeError,
    Reply,
    shape_problem,
)
from bot.store.identity import looks_like_bot

T = TypeVar("T")

PAGE_SIZE = 100

_PR_FIELDS = """
  number title url state createdAt updatedAt mergedAt closedAt
  additions deletions changedFiles
  author { __typename login }
  labels(first: 30) { nodes { name } }
  files(first: 100) { pageInfo { hasNextPage endCursor } nodes { path changeType } }
  reviews(first: 100) {
    pageInfo { hasNextPage endCursor }
    nodes { databaseId url state submittedAt author { __typename login } }
  }
"""

PULL_REQUESTS_QUERY = f"""
query PullRequests($owner: String!, $name: String!, $after: String) {{
  rateLimit {{ cost remaining resetAt }}
  repository(owner: $owner, name: $name) {{
    pullRequests(first: {PAGE_SIZE}, after: $after, states: [OPEN, MERGED, CLOSED],
                 orderBy: {{field: UPDATED_AT, direction: ASC}}) {{
      pageInfo {{ hasNextPage endCursor }}
      nodes {{ {_PR_FIELDS} }}
    }}
  }}
}}
"""

# Issues through GraphQL: the REST issues list mixes in every pull request (a 100k-PR repository
# is a thousand pages of them), where GraphQL's `issues` holds issues alone.
ISSUES_QUERY = f"""
query Issues($owner: String!, $name: String!, $after: String, $since: DateTime) {{
  rateLimit {{ cost remaining resetAt }}
  repository(owner: $owner, name: $name) {{
    issues(first: {PAGE_SIZE}, after: $after, orderBy: {{field: UPDATED_AT, direction: ASC}},
           filterBy: {{since: $since}}) {{
      pageInfo {{ hasNextPage endCursor }}
      nodes {{
        number title url state createdAt updatedAt closedAt
        author {{ __typename login }}
        labels(first: 20) {{ nodes {{ name }} }}
      }}
    }}
  }}
}}
"""

# The rest of large PRs' files and reviews: one page of each for up to this many PRs a request
# (aliased `pullRequest(number:)` fields), rather than a request per page of each PR.
NESTED_PER_QUERY = 20
PAGES_PER_BATCH = 10  # pages of PRs read together when large PRs need their later pages
_NESTED_NODES = {
    "files": "path changeType",
    "reviews": "databaseId url state submittedAt author { __typename login }",
}

# What each REST answer csf reads must hold (fields GitHub's REST description marks required),
# checked before anything of it is stored: a 200 answer can still be an error body.
# What csf keeps of a profile, as GraphQL names it (`websiteUrl` is REST's `blog`); the public
# email is the address a person chose to publish.
USER_FIELDS = "login name location company websiteUrl email bio createdAt"
USERS_PER_QUERY = 100
_COMMENT = {"id": int, "html_url": str, "issue_url": str, "created_at": str, "updated_at": str}
_PULL = {"number": int}
_ENTRY = {"name": str, "path": str, "type": str}
_CONTENT = {"type": str}


def _holds(item: Any, fields: Mapping[str, type]) -> bool:
    if not isinstance(item, dict):
        return False
    return all(
        isinstance(item.get(k), t) and not (t is int and isinstance(item.get(k), bool))
        for k, t in fields.items()
    )


def _fields(fields: Mapping[str, type]) -> str:
    return ", ".join(f"{k} ({t.__name__})" for k, t in fields.items())


def _checked_object(reply: Reply, what: str, fields: Mapping[str, type]) -> dict[str, Any]:
    """The answer, if it is the object `fields` describe; else GitHubShapeError."""
    if not _holds(reply.data, fields):
        problem = shape_problem(reply.data, f"an object with {_fields(fields)}")
        raise GitHubShapeError(f"GitHub's answer for {what} {problem}")
    data: dict[str, Any] = reply.data
    return data


def _checked_list(reply: Reply, what: str, fields: Mapping[str, type]) -> list[dict[str, Any]]:
    """The answer, if it is a list of the objects `fields` describe; else GitHubShapeError."""
    expected = f"a list of objects with {_fields(fields)}"
    data = reply.data
    if not isinstance(data, list):
        raise GitHubShapeError(f"GitHub's answer for {what} {shape_problem(data, expected)}")
    if not all(_holds(item, fields) for item in data):
        raise GitHubShapeError(f"GitHub's answer for {what} is not {expected}")
    return data


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


GHOST_LOGIN = "ghost"


@dataclass(frozen=True)
class Actor:
    login: str
    is_bot: bool


def actor(node: dict[str, Any] | None) -> Actor | None:
    """None for deleted accounts, whose work cannot be attributed.

    GraphQL gives a null author for them, REST the placeholder account `ghost` that stands in for
    every deleted user; taken as a person, it would pool strangers' work under one name.
    """
    if not node or not node.get("login"):
        return None
    login = str(node["login"])
    if login.lower() == GHOST_LOGIN:
        return None
    is_bot = node.get("__typename") == "Bot" or node.get("type") == "Bot" or looks_like_bot(login)
    if node.get("__typename") == "Bot" and not login.endswith("[bot]"):
        login += "[bot]"  # GraphQL drops the suffix that REST and the web show
    return Actor(login, is_bot)


@dataclass(frozen=True)
class ReviewRecord:
    id: str
    author: Actor | None
    state: str  # approved, changes_requested, commented, dismissed
    submitted_at: datetime
    url: str | None


@dataclass
class PullRequestRecord:
    number: int
    title: str
    url: str
    state: str  # open, merged, closed
    author: Actor | None
    created_at: datetime
    updated_at: datetime
    merged_at: datetime | None
    closed_at: datetime | None
    additions: int
    deletions: int
    changed_files: int
    labels: list[str]
    paths: list[str]
    reviews: list[ReviewRecord]
    created: list[str] = field(default_factory=list)  # paths the PR adds (changeType ADDED)
    files_cursor: str | None = None  # set while more files remain to fetch
    reviews_cursor: str | None = None


@dataclass(frozen=True)
class IssueRecord:
    number: int
    title: str
    url: str
    state: str
    author: Actor | None
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    labels: list[str]


@dataclass(frozen=True)
class CommentRecord:
    id: str
    author: Actor | None
    issue_number: int
    url: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class UserProfile:
    login: str
    is_bot: bool
    name: str | None
    location: str | None
    company: str | None
    blog: str | None
    email: str | None  # the address the person chose to publish
    bio: str | None
    created_at: datetime | None


@dataclass
class Page(Generic[T]):
    items: list[T]
    cursor: str | None  # where the next page starts; None at the end
    etag: str | None = None
    not_modified: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def _review(node: dict[str, Any]) -> ReviewRecord | None:
    submitted = parse_time(node.get("submittedAt"))
    if submitted is None or node.get("state") == "PENDING":
        return None
    return ReviewRecord(
        id=str(node["databaseId"]),
        author=actor(node.get("author")),
        state=str(node["state"]).lower(),
        submitted_at=submitted,
        url=node.get("url"),
    )


def _added(files: list[dict[str, Any]]) -> list[str]:
    """The paths a PR's changed files say it creates (GitHub's PatchStatus ADDED)."""
    return [str(f["path"]) for f in files if f.get("changeType") == "ADDED"]


def _pull_request(node: dict[str, Any]) -> PullRequestRecord:
    files = node.get("files") or {"nodes": [], "pageInfo": {}}
    reviews = node.get("reviews") or {"nodes": [], "pageInfo": {}}
    created = parse_time(node["createdAt"])
    updated = parse_time(node["updatedAt"])
    assert created is not None
    assert updated is not None
    return PullRequestRecord(
        number=int(node["number"]),
        title=str(node.get("title") or ""),
        url=str(node["url"]),
        state=str(node["state"]).lower(),
        author=actor(node.get("author")),
        created_at=created,
        updated_at=updated,
        merged_at=parse_time(node.get("mergedAt")),
        closed_at=parse_time(node.get("closedAt")),
        additions=int(node.get("additions") or 0),
        deletions=int(node.get("deletions") or 0),
        changed_files=int(node.get("changedFiles") or 0),
        labels=[label["name"] for label in (node.get("labels") or {}).get("nodes") or []],
        paths=[f["path"] for f in files.get("nodes") or []],
        created=_added(files.get("nodes") or []),
        reviews=[r for r in map(_review, reviews.get("nodes") or []) if r is not None],
        files_cursor=files["pageInfo"].get("endCursor")
        if files["pageInfo"].get("hasNextPage")
        else None,
        reviews_cursor=(
            reviews["pageInfo"].get("endCursor") if reviews["pageInfo"].get("hasNextPage") else None
        ),
    )


class GitHubSource:
    """The records of one GitHub (or GitHub Enterprise) instance."""

    def __init__(self, http: GitHubHTTP) -> None:
        self.http = http

    def pull_requests(self, full_name: str, after: str | None) -> Page[PullRequestRecord]:
        """PRs updated after `after` (a cursor), each with all its files and reviews.

        Usually one page. A page holding large PRs (more than 100 files or reviews) reads on,
        up to `PAGES_PER_BATCH` pages, so that the later pages of its large PRs and of the next
        pages' are fetched together (`_complete`) instead of one request each: at 1% of PRs
        with 250 files, a request per page of them doubled a sync's GraphQL requests.
        """
        owner, name = full_name.split("/", 1)
        records: list[PullRequestRecord] = []
        pages = 0
        while True:
            variables = {"owner": owner, "name": name, "after": after}
            data = self.http.graphql(PULL_REQUESTS_QUERY, variables, what=full_name)
            repository = data.get("repository")
            if repository is None:
                raise _unseen(full_name)
            connection = repository["pullRequests"]
            records += [_pull_request(node) for node in connection["nodes"]]
            pages += 1
            info = connection["pageInfo"]
            more, end = bool(info.get("hasNextPage")), info.get("endCursor")
            large = any(r.files_cursor or r.reviews_cursor for r in records)
            if not more or not large or pages >= PAGES_PER_BATCH:
                break
            after = end
        self._complete(full_name, records)
        return Page(records, end if more else None, extra={"end_cursor": end})

    def _complete(self, full_name: str, records: Sequence[PullRequestRecord]) -> None:
        """Page past the first 100 files or reviews of a page's large PRs: the next page of each
        that has more, `NESTED_PER_QUERY` of them a request, until none has more."""
        owner, name = full_name.split("/", 1)
        pending = [(r, "files") for r in records if r.files_cursor]
        pending += [(r, "reviews") for r in records if r.reviews_cursor]
        while pending:
            batch, pending = pending[:NESTED_PER_QUERY], pending[NESTED_PER_QUERY:]
            declared = ["$owner: String!", "$name: String!"]
            fields: list[str] = []
            variables: dict[str, Any] = {"owner": owner, "name": name}
            for i, (record, key) in enumerate(batch):
                declared += [f"$n{i}: Int!", f"$a{i}: String"]
                variables[f"n{i}"] = record.number
                variables[f"a{i}"] = (
                    record.files_cursor if key == "files" else record.reviews_cursor
                )
                page = f"pageInfo {{ hasNextPage endCursor }} nodes {{ {_NESTED_NODES[key]} }}"
                fields.append(
                    f"p{i}: pullRequest(number: $n{i}) {{ {key}(first: 100, after: $a{i}) "
                    f"{{ {page} }} }}"
                )
            query = (
                f"query PullRequestPages({', '.join(declared)}) {{ "
                "rateLimit { cost remaining resetAt } "
                f"repository(owner: $owner, name: $name) {{ {' '.join(fields)} }} }}"
            )
            what = f"{full_name} large PRs"
            repository = self.http.graphql(query, variables, what=what).get("repository") or {}
            for i, (record, key) in enumerate(batch):
                pull_request = repository.get(f"p{i}")
                if pull_request is None:
                    raise _unseen(f"{full_name}#{record.number}")
                connection = pull_request[key]
                if key == "files":
                    record.paths.extend(f["path"] for f in connection["nodes"])
                    record.created.extend(_added(connection["nodes"]))
                    record.files_cursor = _next_cursor(connection["pageInfo"])
                    more = record.files_cursor
                else:
                    reviews = map(_review, connection["nodes"])
                    record.reviews.extend(r for r in reviews if r is not None)
                    record.reviews_cursor = _next_cursor(connection["pageInfo"])
                    more = record.reviews_cursor
                if more:
                    pending.append((record, key))

    def issues(
        self, full_name: str, start: str | None, etag: str | None = None
    ) -> Iterator[Page[IssueRecord]]:
        """Issues after `start`, oldest update first, 100 a GraphQL request (no pull requests
        among them, unlike REST's list). `start` is the `end_cursor` a page gave (a keyset
        cursor: nothing read twice, nothing skipped), or a time (`--since`, or the cursor a
        store synced by REST kept). `etag` is not used: GraphQL has no conditional requests.
        Raises GitHubShapeError for an answer that is no page of issues."""
        owner, name = full_name.split("/", 1)
        what = f"{full_name} issues"
        since, after = (start, None) if start and _ISO_TIME.match(start) else (None, start)
        while True:
            variables = {"owner": owner, "name": name, "after": after, "since": since}
            data = self.http.graphql(ISSUES_QUERY, variables, what=what)
            repository = data.get("repository")
            if repository is None:
                raise _unseen(full_name)
            connection = repository.get("issues") if isinstance(repository, dict) else None
            nodes = connection.get("nodes") if isinstance(connection, dict) else None
            info = connection.get("pageInfo") if isinstance(connection, dict) else None
            if not isinstance(nodes, list) or not isinstance(info, dict):
                raise GitHubShapeError(f"GitHub's answer for {what} is no page of issues")
            items = [_issue_node(node, what) for node in nodes]
            end = info.get("endCursor") if isinstance(info.get("endCursor"), str) else None
            yield Page(items, None, None, extra={"end_cursor": end})
            if not info.get("hasNextPage") or not end:
                return
            after, since = end, None

    def comments(
        self, full_name: str, since: str | None, etag: str | None
    ) -> Iterator[Page[CommentRecord]]:
        """Issue and PR conversation comments updated since `since`, oldest first."""
        params: dict[str, Any] = {"sort": "updated", "direction": "asc", "per_page": PAGE_SIZE}
        url = f"repos/{full_name}/issues/comments"
        what = f"{full_name} comments"
        for reply in self._since_pages(url, params, since, etag, what, _COMMENT):
            if reply.not_modified:
                yield Page([], None, reply.etag, not_modified=True)
                return
            items = [self._comment(item) for item in reply.data]
            updated = [parse_time(item["updated_at"]) for item in reply.data]
            yield Page(items, reply.next_url, reply.etag, extra={"last_updated": _latest(updated)})

    def users(self, logins: Sequence[str]) -> dict[str, UserProfile | None]:
        """Profiles of up to `USERS_PER_QUERY` accounts in one GraphQL request (aliased
        `user(login:)` fields): a sync's new people cost a request per hundred, not one each.

        An account that is gone, or is an organisation (no person), maps to None.
        Raises GitHubShapeError when an answer is not a profile.
        """
        logins = list(dict.fromkeys(logins))[:USERS_PER_QUERY]
        if not logins:
            return {}
        declared = ", ".join(f"$l{i}: String!" for i in range(len(logins)))
        fields = " ".join(f"u{i}: user(login: $l{i}) {{ ...Profile }}" for i in range(len(logins)))
        query = f"query Users({declared}) {{ {fields} rateLimit {{ cost remaining resetAt }} }}"
        query += f" fragment Profile on User {{ {USER_FIELDS} }}"
        what = f"profiles of {logins[0]} and {len(logins) - 1} more"
        data = self.http.graphql(
            query, {f"l{i}": login for i, login in enumerate(logins)}, what=what, partial=True
        )
        found: dict[str, UserProfile | None] = {}
        for i, login in enumerate(logins):
            node = data.get(f"u{i}")
            if node is None:
                found[login] = None
                continue
            if not isinstance(node, dict) or not isinstance(node.get("login"), str):
                raise GitHubShapeError(f"GitHub's answer for {what} holds no profile for {login}")
            found[login] = UserProfile(
                login=node["login"],
                is_bot=False,  # `user(login:)` answers people only; bots are `Bot`s
                name=_text(node.get("name")),
                location=_text(node.get("location")),
                company=_text(node.get("company")),
                blog=_text(node.get("websiteUrl")),
                email=_text(node.get("email")),
                bio=_text(node.get("bio")),
                created_at=parse_time(node.get("createdAt")),
            )
        return found

    def pull_author(self, full_name: str, number: int) -> str | None:
        """The login that opened a PR, for a link to a PR csf has not synced (None if unknown)."""
        what = f"{full_name}#{number}"
        reply = self.http.get(f"repos/{full_name}/pulls/{number}", allow_404=True, what=what)
        if reply.status != 200:
            return None
        user = _checked_object(reply, what, _PULL).get("user")
        if user is not None and not _holds(user, {"login": str}):
            raise GitHubShapeError(f"GitHub's answer for {what} names no user")
        who = actor(user)
        return None if who is None or who.is_bot else who.login

    def file(self, full_name: str, path: str, etag: str | None) -> tuple[str | None, Reply]:
        """A file's text at the default branch; None if absent (404), unchanged (304) or not
        a file (a folder's listing, a submodule). An error body raises GitHubShapeError: taken
        for an absent file, it would drop the ownership the file gives."""
        what = f"{full_name}:{path}"
        reply = self.http.get(
            f"repos/{full_name}/contents/{path}", etag=etag, allow_404=True, what=what
        )
        if reply.status != 200 or isinstance(reply.data, list):
            return None, reply
        entry = _checked_object(reply, what, _CONTENT)
        if entry["type"] != "file":
            return None, reply
        content = entry.get("content") or ""
        try:
            if not isinstance(content, str):
                raise binascii.Error(f"content is {type(content).__name__}")
            text = base64.b64decode(content).decode("utf-8", errors="replace")
        except binascii.Error as error:
            problem = f"holds no file text ({error})"
            raise GitHubShapeError(f"GitHub's answer for {what} {problem}") from None
        return text, reply

    def directory(self, full_name: str, path: str = "") -> list[dict[str, Any]]:
        """A folder's entries; [] if it is absent or a file. An error body raises
        GitHubShapeError: taken for an empty folder, it would hide the owner files in it."""
        what = f"{full_name}:{path or '/'}"
        reply = self.http.get(f"repos/{full_name}/contents/{path}", allow_404=True, what=what)
        if reply.status != 200 or _holds(reply.data, {"type": str}):
            return []
        return _checked_list(reply, what, _ENTRY)

    def _since_pages(
        self,
        url: str,
        params: dict[str, Any],
        since: str | None,
        etag: str | None,
        what: str,
        fields: Mapping[str, type],
    ) -> Iterator[Reply]:
        """Pages of a list in `updated_at` order, walked by `since` rather than page numbers.

        An item edited while the sync pages moves to the end of the list; with page numbers,
        every later item would shift back one place and the first of the next page would
        never be read. Re-asking from the last `updated_at` seen cannot skip anything (the
        overlap is re-read, and upserts absorb it). Only while a whole page shares one
        timestamp do page numbers move on. A page that is not a list of `fields` objects
        raises GitHubShapeError before anything of it is used.
        """
        page = 1
        conditional = etag
        while True:
            query = dict(params)
            if since:
                query["since"] = since
            if page > 1:
                query["page"] = page
            reply = self.http.get(url, query, etag=conditional, what=what)
            conditional = None
            if not reply.not_modified:
                _checked_list(reply, what, fields)
            yield reply
            if reply.not_modified or not reply.data or reply.next_url is None:
                return
            last = max(str(item["updated_at"]) for item in reply.data)
            if last == since:
                page += 1  # a full page at one timestamp: only page numbers move on
            else:
                since, page = last, 1

    @staticmethod
    def _comment(item: dict[str, Any]) -> CommentRecord:
        created = parse_time(item["created_at"])
        updated = parse_time(item["updated_at"])
        assert created is not None
        assert updated is not None
        issue_url = str(item.get("issue_url") or "")
        return CommentRecord(
            id=str(item["id"]),
            author=actor(item.get("user")),
            issue_number=int(issue_url.rstrip("/").rsplit("/", 1)[-1]),
            url=str(item.get("html_url") or ""),
            created_at=created,
            updated_at=updated,
        )


_ISO_TIME = re.compile(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}T")


def _unseen(what: str) -> GitHubNotFoundError:
    """GitHub answered null for something csf asked by name: gone, renamed or private."""
    return GitHubNotFoundError(f"GitHub has no {what} (or GITHUB_TOKEN cannot see it)")


def _issue_node(node: Any, what: str) -> IssueRecord:
    """One issue of a GraphQL page; GitHubShapeError for a node without what csf keeps."""
    if not isinstance(node, dict) or not isinstance(node.get("number"), int):
        raise GitHubShapeError(f"GitHub's answer for {what} holds an issue without a number")
    created, updated = parse_time(node.get("createdAt")), parse_time(node.get("updatedAt"))
    if created is None or updated is None:
        raise GitHubShapeError(f"GitHub's answer for {what} holds an issue without its times")
    labels = (node.get("labels") or {}).get("nodes") or []
    return IssueRecord(
        number=node["number"],
        title=str(node.get("title") or ""),
        url=str(node.get("url") or ""),
        state=str(node.get("state") or "OPEN").lower(),
        author=actor(node.get("author")),
        created_at=created,
        updated_at=updated,
        closed_at=parse_time(node.get("closedAt")),
        labels=[str(label["name"]) for label in labels if isinstance(label, dict)],
    )


def _next_cursor(info: dict[str, Any]) -> str | None:
    return str(info["endCursor"]) if info.get("hasNextPage") and info.get("endCursor") else None


def _latest(times: list[datetime | None]) -> datetime | None:
    known = [t for t in times if t is not None]
    return max(known) if known else None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None

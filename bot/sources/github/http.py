"""GitHub's HTTP layer: one client for REST and GraphQL that respects every rate limit.

What it guarantees, so the sync above it can be simple:
- It never spends the last of the budget blindly: it reads `X-RateLimit-Remaining`/`-Reset`
  (per resource, REST `core` and `graphql` apart) and GraphQL's `rateLimit { remaining resetAt }`,
  and when the budget is nearly spent it waits until the reset instead of failing.
- Secondary limits (403/429 with `Retry-After`) wait as told; 5xx answers and dropped
  connections are retried with exponential backoff and jitter, a bounded number of times.
- 401 and 404 are never retried: they raise errors that name the token or the resource.
- Conditional requests: given an ETag it sends `If-None-Match`; a 304 is reported as
  `not_modified` and costs no rate limit.
Time is injected (`clock`, `sleep`) so tests can prove the waits without really waiting.
"""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt

from bot.errors import CsfError
from bot.sources.text import clean_json

log = logging.getLogger(__name__)

USER_AGENT = "csf-compiler-sourcing-framework"
API_VERSION = "2022-11-28"


class GitHubError(CsfError):
    """GitHub refused in a way retrying cannot fix."""


class GitHubAuthError(GitHubError):
    """401: the token is missing, wrong, expired or revoked."""


class GitHubNotFoundError(GitHubError):
    """404: the repository or user does not exist, or the token cannot see it."""


class GitHubShapeError(GitHubError):
    """A 200 answer that is not what the endpoint returns: an error body (`message`,
    `documentation_url`), an empty object, a list for an object. Nothing of it is stored and
    nothing is marked fresh, so the next sync asks again."""


class TransientError(Exception):
    """A failure worth another attempt; `wait` overrides the backoff when the server said how
    long (shared with the other HTTP sources: bot/sources/discourse.py)."""

    def __init__(self, message: str, wait: float | None = None) -> None:
        super().__init__(message)
        self.wait = wait


@dataclass
class Budget:
    """What is left of one rate-limit resource, as GitHub last reported it."""

    limit: int | None = None
    remaining: int | None = None
    reset_at: float | None = None  # epoch seconds


@dataclass(frozen=True)
class Reply:
    status: int
    data: Any
    etag: str | None
    next_url: str | None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


_OPERATION = re.compile(r"(?:query|mutation)\s+(\w+)")


def graphql_url(api_url: str) -> str:
    """api.github.com/graphql, or HOST/api/graphql for GitHub Enterprise's HOST/api/v3."""
    base = api_url.rstrip("/")
    if base.endswith("/api/v3"):
        return base[: -len("/v3")] + "/graphql"
    return base + "/graphql"


def _next_link(header: str | None) -> str | None:
    if not header:
        return None
    for part in header.split(","):
        url, _, rel = part.partition(";")
        if 'rel="next"' in rel:
            return url.strip().strip("<>")
    return None


class GitHubHTTP:
    """REST and GraphQL calls with rate limits, retries and conditional requests."""

    def __init__(
        self,
        api_url: str,
        token: str | None,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = 6,
        reserve: int = 20,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        on_wait: Callable[[str, float], None] | None = None,
    ) -> None:
        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": USER_AGENT,
        }
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.api_url = api_url.rstrip("/")
        self.graphql_endpoint = graphql_url(api_url)
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
        self._reserve = reserve
        self._on_wait = on_wait
        self._lock = threading.Lock()
        self.budgets: dict[str, Budget] = {"core": Budget(), "graphql": Budget()}
        self.requests = 0  # requests that cost budget (304s excluded)
        self.not_modified = 0
        self.graphql_cost = 0
        # Requests that cost budget by kind: "graphql Users", "rest repos", ... (benchmarks).
        self.kinds: Counter[str] = Counter()

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> GitHubHTTP:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- public calls -------------------------------------------------------------------------

    def get(
        self,
        url: str,
        params: dict[str, Any] | None = None,
        *,
        etag: str | None = None,
        allow_404: bool = False,
        what: str | None = None,
    ) -> Reply:
        """GET a REST resource (a path relative to the API, or a full `next` link)."""
        headers = {"If-None-Match": etag} if etag else {}
        reply = self._call(
            "core",
            "GET",
            url,
            params=params,
            headers=headers,
            allow_404=allow_404,
            what=what or url,
        )
        if not reply.not_modified:
            with self._lock:
                self.kinds["rest " + url.removeprefix(self.api_url).strip("/").split("/")[0]] += 1
        return reply

    def graphql(
        self, query: str, variables: dict[str, Any], *, what: str, partial: bool = False
    ) -> dict[str, Any]:
        """Run a GraphQL query; `what` names the thing asked for in errors ("llvm/llvm-project").

        `partial`: a query asking for many things at once (aliased `user(login:)` fields) gets
        its data back when some of them do not exist (their fields are null); any other error
        still raises.
        """
        reply = self._call(
            "graphql",
            "POST",
            self.graphql_endpoint,
            json={"query": query, "variables": variables},
            what=what,
        )
        operation = _OPERATION.match(query.strip())
        with self._lock:
            self.kinds["graphql " + (operation.group(1) if operation else "query")] += 1
        body = reply.data
        if not isinstance(body, dict) or not ("data" in body or "errors" in body):
            raise GitHubShapeError(f"GitHub's answer for {what} {shape_problem(body, 'data')}")
        data: dict[str, Any] = body.get("data") or {}
        rate = data.get("rateLimit")
        if rate:
            self._note_graphql_rate(rate)
        errors = body.get("errors") or []
        if partial and data and all(e.get("type") == "NOT_FOUND" for e in errors):
            return data
        if errors:
            kinds = {e.get("type") for e in errors}
            if "NOT_FOUND" in kinds:
                raise GitHubNotFoundError(
                    f"GitHub has no {what} (or GITHUB_TOKEN cannot see it): "
                    f"{errors[0].get('message', 'not found')}"
                )
            message = "; ".join(str(e.get("message", e)) for e in errors)[:300]
            raise GitHubError(f"GitHub GraphQL refused the query for {what}: {message}")
        return data

    # -- machinery ----------------------------------------------------------------------------

    def _call(
        self,
        resource: str,
        method: str,
        url: str,
        *,
        what: str,
        allow_404: bool = False,
        **kwargs: Any,
    ) -> Reply:
        retrying = Retrying(
            stop=stop_after_attempt(self._max_attempts),
            wait=self._backoff,
            retry=retry_if_exception_type(TransientError),
            sleep=self._sleep_logged,
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return self._attempt(
                        resource, method, url, what=what, allow_404=allow_404, **kwargs
                    )
        except TransientError as error:
            raise GitHubError(
                f"GitHub kept failing for {what} after {self._max_attempts} attempts: {error}"
            ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _attempt(
        self, resource: str, method: str, url: str, *, what: str, allow_404: bool, **kwargs: Any
    ) -> Reply:
        self._wait_for_budget(resource)
        try:
            response = self._client.request(method, url, **kwargs)
        except httpx.TransportError as error:
            raise TransientError(f"{type(error).__name__}: {error}") from None
        self._note_headers(response)
        status = response.status_code
        if status == 304:
            with self._lock:
                self.not_modified += 1
            return Reply(304, None, response.headers.get("ETag"), None)
        with self._lock:
            self.requests += 1
        if status == 401:
            raise GitHubAuthError(
                "GitHub refused GITHUB_TOKEN (401 Bad credentials): set a valid token"
            )
        if status == 404:
            if allow_404:
                return Reply(404, None, None, None)
            raise GitHubNotFoundError(f"GitHub has no {what} (404), or GITHUB_TOKEN cannot see it")
        if status in (403, 429):
            retry_after = response.headers.get("Retry-After")
            if retry_after is not None:
                wait = retry_after_seconds(retry_after, self._clock())
                raise TransientError(f"secondary rate limit ({status})", wait=wait)
            if response.headers.get("X-RateLimit-Remaining") == "0":
                raise TransientError(
                    f"rate limit exhausted ({status})", wait=self._until_reset(resource)
                )
            message = _message(response)
            if status == 429 or "rate limit" in message.lower() or "abuse" in message.lower():
                # A secondary limit without Retry-After: GitHub asks for at least a minute.
                raise TransientError(f"secondary rate limit ({status})", wait=60.0)
            raise GitHubError(f"GitHub refused access to {what} ({status}): {message}")
        if status >= 500:
            raise TransientError(f"GitHub answered {status}")
        if status >= 400:
            raise GitHubError(
                f"GitHub rejected the request for {what} ({status}): {_message(response)}"
            )
        try:
            data = clean_json(response.json()) if response.content else None
        except ValueError:
            raise TransientError(f"GitHub sent a body that is not JSON ({status})") from None
        if resource == "graphql" and isinstance(data, dict):
            kinds = {e.get("type") for e in data.get("errors") or []}
            if "RATE_LIMITED" in kinds:
                raise TransientError(
                    "GraphQL rate limit exhausted", wait=self._until_reset(resource)
                )
            text = " ".join(str(e.get("message", "")) for e in data.get("errors") or []).lower()
            if (
                kinds & {"INTERNAL", "SERVICE_UNAVAILABLE"}
                or "timeout" in text
                or "timed out" in text
            ):
                raise TransientError("GitHub GraphQL timed out or failed inside")
        return Reply(
            status, data, response.headers.get("ETag"), _next_link(response.headers.get("Link"))
        )

    def _note_headers(self, response: httpx.Response) -> None:
        headers = response.headers
        if "X-RateLimit-Remaining" not in headers:
            return
        resource = headers.get("X-RateLimit-Resource", "core")
        with self._lock:
            budget = self.budgets.setdefault(resource, Budget())
            try:
                budget.remaining = int(headers["X-RateLimit-Remaining"])
                if "X-RateLimit-Limit" in headers:
                    budget.limit = int(headers["X-RateLimit-Limit"])
                if "X-RateLimit-Reset" in headers:
                    budget.reset_at = float(headers["X-RateLimit-Reset"])
            except ValueError:
                log.warning("ignoring malformed rate-limit headers from GitHub")

    def _note_graphql_rate(self, rate: dict[str, Any]) -> None:
        with self._lock:
            budget = self.budgets["graphql"]
            if isinstance(rate.get("remaining"), int):
                budget.remaining = rate["remaining"]
            if isinstance(rate.get("cost"), int):
                self.graphql_cost += rate["cost"]
            if rate.get("resetAt"):
                reset = datetime.fromisoformat(str(rate["resetAt"]).replace("Z", "+00:00"))
                budget.reset_at = reset.timestamp()

    def _until_reset(self, resource: str) -> float:
        budget = self.budgets.get(resource) or Budget()
        if budget.reset_at is None:
            return 60.0
        return max(1.0, budget.reset_at - self._clock() + 1.0)

    def _wait_for_budget(self, resource: str) -> None:
        """When the budget is nearly spent, wait for the reset rather than hit the wall."""
        with self._lock:
            budget = self.budgets.get(resource) or Budget()
            low = budget.remaining is not None and budget.remaining <= self._reserve
            reset_at = budget.reset_at
        if not low or reset_at is None:
            return
        wait = reset_at - self._clock() + 1.0
        if wait > 0:
            self._notify(f"{resource} rate limit nearly spent; waiting for its reset", wait)
            self._sleep(wait)
        with self._lock:
            budget.remaining = None  # unknown until the next answer says

    def _backoff(self, state: RetryCallState) -> float:
        return backoff(state)

    def _sleep_logged(self, seconds: float) -> None:
        self._notify("retrying GitHub", seconds)
        self._sleep(seconds)

    def _notify(self, message: str, seconds: float) -> None:
        log.info("%s (%.0f s)", message, seconds)
        if self._on_wait is not None:
            self._on_wait(message, seconds)


def shape_problem(body: Any, expected: str) -> str:
    """Why `body` is not the answer asked for, in words for one log line ("is an error: ...")."""
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return f"is an error, not {expected}: {body['message'][:200]!r}"
    if isinstance(body, dict):
        return f"is {'an empty object' if not body else 'an object'} without {expected}"
    if isinstance(body, list):
        return f"is a list, not {expected}"
    return f"is {'empty' if body is None else type(body).__name__}, not {expected}"


def backoff(state: RetryCallState) -> float:
    """tenacity's wait: what the server asked for (`TransientError.wait`), else exponential
    backoff with jitter (1, 2, 4 ... 60 s)."""
    error = state.outcome.exception() if state.outcome else None
    if isinstance(error, TransientError) and error.wait is not None:
        return error.wait
    base: float = min(60.0, 2.0 ** (state.attempt_number - 1))
    return base + random.uniform(0, base / 2)


def retry_after_seconds(retry_after: str, now: float) -> float:
    """Retry-After as seconds: a number, or an HTTP date."""
    try:
        return max(0.0, float(retry_after))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(retry_after).timestamp() - now)
    except (TypeError, ValueError):
        return 60.0


def _message(response: httpx.Response) -> str:
    try:
        return str(response.json().get("message", ""))[:200]
    except ValueError:
        return response.text[:200]

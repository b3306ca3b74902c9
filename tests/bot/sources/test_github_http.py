"""The HTTP layer's small rules: endpoints, links, and which failures are retried."""

from __future__ import annotations

import httpx
import pytest

from bot.sources.github.http import GitHubError, GitHubHTTP, _next_link, graphql_url
from tests.support.fake_github import FakeClock


def test_graphql_endpoint_for_github_and_enterprise() -> None:
    assert graphql_url("https://api.github.com") == "https://api.github.com/graphql"
    assert graphql_url("https://ghe.example.com/api/v3/") == "https://ghe.example.com/api/graphql"


def test_next_link() -> None:
    header = '<https://x.example/a?page=2>; rel="next", <https://x.example/a?page=9>; rel="last"'
    assert _next_link(header) == "https://x.example/a?page=2"
    assert _next_link('<https://x.example/a?page=1>; rel="prev"') is None
    assert _next_link(None) is None


def _client(handler: httpx.MockTransport, clock: FakeClock) -> GitHubHTTP:
    return GitHubHTTP(
        "https://api.example",
        "ghp_x",
        clock=clock.time,
        sleep=clock.sleep,
        transport=handler,
        max_attempts=3,
    )


def test_unexpected_4xx_is_not_retried_and_says_why() -> None:
    calls = []

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(422, json={"message": "Validation Failed"})

    clock = FakeClock()
    with pytest.raises(GitHubError, match=r"\(422\): Validation Failed"):
        _client(httpx.MockTransport(handle), clock).get("repos/a/b/issues", what="a/b")
    assert len(calls) == 1
    assert clock.sleeps == []


def test_authorization_header_and_api_version() -> None:
    seen = {}

    def handle(request: httpx.Request) -> httpx.Response:
        seen.update(request.headers)
        return httpx.Response(200, json={}, headers={"ETag": '"abc"'})

    reply = _client(httpx.MockTransport(handle), FakeClock()).get("users/x", etag='"old"')
    assert seen["authorization"] == "Bearer ghp_x"
    assert seen["x-github-api-version"] == "2022-11-28"
    assert seen["if-none-match"] == '"old"'
    assert reply.etag == '"abc"'


def test_graphql_rate_limited_error_waits_for_reset() -> None:
    clock = FakeClock()
    answers = [
        httpx.Response(
            200,
            json={"data": None, "errors": [{"type": "RATE_LIMITED", "message": "x"}]},
            headers={
                "X-RateLimit-Resource": "graphql",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": str(int(clock.time()) + 120),
            },
        ),
        httpx.Response(
            200,
            json={
                "data": {
                    "viewer": {"login": "x"},
                    "rateLimit": {"cost": 1, "remaining": 4999, "resetAt": "2030-01-01T00:00:00Z"},
                }
            },
        ),
    ]

    def handle(request: httpx.Request) -> httpx.Response:
        return answers.pop(0)

    client = _client(httpx.MockTransport(handle), clock)
    data = client.graphql("query Viewer { viewer { login } }", {}, what="viewer")
    assert data["viewer"] == {"login": "x"}
    assert 120 <= clock.sleeps[0] <= 122
    assert client.budgets["graphql"].remaining == 4999
    assert client.graphql_cost == 1


def _sequence(*responses: httpx.Response) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    queue = list(responses)
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return queue.pop(0)

    return httpx.MockTransport(handle), seen


def test_secondary_limit_without_retry_after_waits_a_minute() -> None:
    clock = FakeClock()
    transport, seen = _sequence(
        httpx.Response(403, json={"message": "You have exceeded a secondary rate limit."}),
        httpx.Response(200, json=[]),
    )
    assert _client(transport, clock).get("repos/a/b/issues").status == 200
    assert clock.sleeps == [60.0]
    assert len(seen) == 2


def test_forbidden_resource_is_not_retried() -> None:
    clock = FakeClock()
    transport, seen = _sequence(
        httpx.Response(403, json={"message": "Resource not accessible by integration"}),
    )
    with pytest.raises(GitHubError, match="refused access to a/b"):
        _client(transport, clock).get("repos/a/b", what="a/b")
    assert len(seen) == 1


def test_retry_after_as_an_http_date() -> None:
    clock = FakeClock(start=1_780_000_000.0)
    transport, _ = _sequence(
        httpx.Response(429, headers={"Retry-After": "Thu, 28 May 2026 20:28:20 GMT"}),
        httpx.Response(200, json={}),
    )
    _client(transport, clock).get("users/x")
    assert 0 <= clock.sleeps[0] <= 3600


def test_graphql_timeouts_are_retried() -> None:
    clock = FakeClock()
    transport, seen = _sequence(
        httpx.Response(200, json={"data": None, "errors": [{"message": "Timeout on validation"}]}),
        httpx.Response(200, json={"data": {"viewer": {"login": "x"}}}),
    )
    data = _client(transport, clock).graphql("query Viewer { viewer { login } }", {}, what="viewer")
    assert data == {"viewer": {"login": "x"}}
    assert len(seen) == 2

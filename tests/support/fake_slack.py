"""A fake Slack Web API on 127.0.0.1 that records every call, and a signed-request client.

It speaks just enough of Slack for csf: `auth.test`, `chat.*`, `views.*`, `conversations.*`,
`reactions.get`, and response URLs; it answers 429 with Retry-After, 5xx or `ok: false` on
demand. The client signs requests exactly as Slack does (v0 HMAC of timestamp and raw body).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import httpx
from slack_sdk.signature import SignatureVerifier

JSON_PARAMS = ("blocks", "view", "attachments", "metadata", "files")


@dataclass
class Call:
    method: str  # "chat.postMessage", ... or "response_url"
    params: dict[str, Any]
    path: str
    at: float = field(default_factory=time.monotonic)  # when it arrived (for bench/)


@dataclass
class Failure:
    status: int  # 0: the connection drops without an answer
    body: dict[str, Any]
    headers: dict[str, str]
    after_accept: bool = False  # Slack did the work, then the answer was lost
    hold: threading.Event | None = None  # answer only once this is set (or 30 s passed)


_PASS = Failure(200, {}, {})  # a queued call that is answered normally
TRIGGER_LIFE = 3.0  # seconds a trigger id may open a modal (Slack's documented limit)


@dataclass
class FakeSlack:
    team_id: str = "T0FICTION"
    bot_user: str = "U0CSFBOT"
    calls: list[Call] = field(default_factory=list)
    # channel -> messages (newest last) that conversations.history / .replies serve
    history: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # user group id -> member ids that usergroups.users.list serves
    usergroups: dict[str, list[str]] = field(default_factory=dict)
    # what apps.connections.open hands out: a Socket Mode URL (tests/support/fake_socket_mode.py)
    socket_url: str | None = None
    # file id -> the bytes files_upload_v2 sent for it
    uploads: dict[str, bytes] = field(default_factory=dict)
    _failures: dict[str, list[Failure]] = field(default_factory=dict)
    _triggers: dict[str, float] = field(default_factory=dict)  # trigger id -> when issued
    _ts: int = 0
    _lock: threading.Condition = field(default_factory=threading.Condition)
    _server: ThreadingHTTPServer | None = None

    # -- lifecycle ------------------------------------------------------------------------------

    def __enter__(self) -> FakeSlack:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                pass

            def do_GET(self) -> None:
                fake._serve(self, "GET")

            def do_POST(self) -> None:
                fake._serve(self, "POST")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *_: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/api/"

    def response_url(self, name: str) -> str:
        return self.url.replace("/api/", f"/response/{name}")

    # -- test controls --------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        status: int = 200,
        *,
        error: str | None = None,
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """Make the next `times` calls of `method` fail: an HTTP status, or `ok: false`."""
        body: dict[str, Any] = {"ok": False, "error": error or "ratelimited"}
        for _ in range(times):
            self._failures.setdefault(method, []).append(Failure(status, body, headers or {}))

    def fail_after_accept(self, method: str, status: int = 500, *, times: int = 1) -> None:
        """Make the next `times` calls of `method` take effect, then answer `status` (0: drop
        the connection with no answer), as when Slack stores a message and its answer is lost.
        """
        body: dict[str, Any] = {"ok": False, "error": "internal_error"}
        for _ in range(times):
            self._failures.setdefault(method, []).append(Failure(status, body, {}, True))

    def stall_after_accept(self, method: str, *, skip: int = 0) -> threading.Event:
        """After `skip` normal calls, the next call of `method` takes effect and then hangs
        with no answer until the returned event is set: a caller killed while waiting."""
        release = threading.Event()
        queue = self._failures.setdefault(method, [])
        queue.extend([_PASS] * skip)
        queue.append(Failure(0, {}, {}, True, release))
        return release

    def of(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 15.0) -> list[Call]:
        """The calls of `method` once there are `count` of them (fails after `timeout`)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while len([c for c in self.calls if c.method == method]) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [c.method for c in self.calls]
                    raise AssertionError(f"expected {count} {method} call(s); saw {seen}")
                self._lock.wait(left)
            return [c for c in self.calls if c.method == method]

    def wait_for_path(self, suffix: str, timeout: float = 15.0) -> Call:
        """The first call whose path ends with `suffix` (a response URL's name), once it came."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                for call in self.calls:
                    if call.path.endswith(suffix):
                        return call
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no call to a path ending {suffix!r}")
                self._lock.wait(left)

    def post_message(self, channel: str, message: dict[str, Any]) -> str:
        """Put a message in a channel's history as if a person posted it; returns its ts."""
        ts = self._next_ts()
        self.history.setdefault(channel, []).append({"type": "message", "ts": ts, **message})
        return ts

    # -- serving --------------------------------------------------------------------------------

    def _next_ts(self) -> str:
        """Slack's ts: the wall-clock second and a sequence, strictly increasing."""
        with self._lock:
            self._ts = max(self._ts + 1, int(time.time() * 1_000_000))
            return f"{self._ts // 1_000_000}.{self._ts % 1_000_000:06d}"

    def _serve(self, request: BaseHTTPRequestHandler, verb: str) -> None:
        parsed = urlparse(request.path)
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        if parsed.path.startswith("/upload/"):
            # The upload step of files_upload_v2: the file's bytes, posted to the URL that
            # files.getUploadURLExternal gave; Slack answers 200 "OK - <length>".
            with self._lock:
                self.uploads[parsed.path.removeprefix("/upload/")] = raw
                self.calls.append(Call("upload", {"length": len(raw)}, parsed.path))
                self._lock.notify_all()
            body = f"OK - {len(raw)}".encode()
            request.send_response(200)
            request.send_header("Content-Type", "text/plain")
            request.send_header("Content-Length", str(len(body)))
            request.end_headers()
            request.wfile.write(body)
            return
        params: dict[str, Any] = {k: v[0] for k, v in parse_qs(parsed.query).items()}
        if raw:
            if "json" in (request.headers.get("Content-Type") or ""):
                params.update(json.loads(raw))
            else:
                params.update({k: v[0] for k, v in parse_qs(raw.decode()).items()})
        for key in JSON_PARAMS:
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])
        if parsed.path.startswith("/response/"):
            method = "response_url"
        else:
            method = parsed.path.removeprefix("/api/")
        with self._lock:
            failures = self._failures.get(method) or []
            failure = failures.pop(0) if failures else None
            self.calls.append(Call(method, params, parsed.path))
            self._lock.notify_all()
        if failure is None or failure is _PASS:
            self._send(request, 200, self._answer(method, params), {})
            return
        if failure.after_accept:
            self._answer(method, params)
        if failure.hold is not None:
            failure.hold.wait(30)
        if failure.status == 0:
            request.close_connection = True  # no status line: the client sees the line drop
            return
        self._send(request, failure.status, failure.body, failure.headers)

    def _send(
        self,
        request: BaseHTTPRequestHandler,
        status: int,
        body: dict[str, Any],
        headers: dict[str, str],
    ) -> None:
        data = json.dumps(body).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        for key, value in headers.items():
            request.send_header(key, value)
        request.end_headers()
        request.wfile.write(data)

    def new_trigger(self) -> str:
        """A trigger id, as Slack sends with each interaction; it lives TRIGGER_LIFE seconds."""
        with self._lock:
            trigger = f"1337.{len(self._triggers) + 1}.fiction"
            self._triggers[trigger] = time.monotonic()
        return trigger

    def _expired(self, trigger: str) -> bool:
        """Slack's docs: a trigger id must be used within 3 seconds (`expired_trigger_id`)."""
        issued = self._triggers.get(trigger)
        return issued is not None and time.monotonic() - issued > TRIGGER_LIFE

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "response_url":
            return {"ok": True}
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://fictional.slack.test/",
                "team": "Fictional Compilers",
                "user": "csf",
                "team_id": self.team_id,
                "user_id": self.bot_user,
                "bot_id": "B0CSFBOT",
            }
        if method == "chat.postMessage":
            ts = self._next_ts()
            channel = str(params.get("channel"))
            message = {"type": "message", "ts": ts, "user": self.bot_user, **params}
            self.history.setdefault(channel, []).append(message)
            return {"ok": True, "channel": channel, "ts": ts, "message": message}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self._next_ts()}
        if method == "chat.getPermalink":
            ts = str(params.get("message_ts", "")).replace(".", "")
            return {
                "ok": True,
                "channel": params.get("channel"),
                "permalink": f"https://fictional.slack.test/archives/{params.get('channel')}/p{ts}",
            }
        if method in ("conversations.history", "conversations.replies"):
            return self._page(method, params)
        if method == "views.open" and self._expired(str(params.get("trigger_id"))):
            return {"ok": False, "error": "expired_trigger_id"}
        if method in ("views.publish", "views.open", "views.update"):
            return {"ok": True, "view": {"id": "V0FICTION", **(params.get("view") or {})}}
        if method == "apps.connections.open":
            if self.socket_url is None:
                return {"ok": False, "error": "invalid_auth"}
            return {"ok": True, "url": self.socket_url}
        if method == "usergroups.users.list":
            group = str(params.get("usergroup"))
            if group not in self.usergroups:
                return {"ok": False, "error": "no_such_subteam"}
            return {"ok": True, "users": list(self.usergroups[group])}
        if method == "files.getUploadURLExternal":
            if not params.get("filename") or not str(params.get("length", "")).isdigit():
                return {"ok": False, "error": "invalid_arguments"}
            file_id = f"F0FICTION{len(self.uploads) + len(self.calls)}"
            host = self.url.removesuffix("/").removesuffix("/api")
            return {"ok": True, "upload_url": f"{host}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            files = params.get("files") or []
            if not files or any(f.get("id") not in self.uploads for f in files):
                return {"ok": False, "error": "file_not_found"}
            return {
                "ok": True,
                "files": [{"id": f["id"], "title": f.get("title"), "name": f["id"]} for f in files],
            }
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D0" + str(params.get("users", "X"))[:8]}}
        return {"ok": False, "error": "unknown_method"}

    def _page(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """A page of a channel's history (newest first, top-level messages only) or of a thread
        (its parent, then replies oldest first), as Slack answers: `oldest`/`latest` bounds
        (exclusive unless `inclusive`), `limit`, cursor paging through `response_metadata`, and
        message metadata only with `include_all_metadata`.
        """
        channel = str(params.get("channel"))
        truthy = ("1", "true")
        inclusive = str(params.get("inclusive", "false")).lower() in truthy
        with_metadata = str(params.get("include_all_metadata", "false")).lower() in truthy
        everything = list(self.history.get(channel, []))
        if method == "conversations.replies":
            # `ts` may name the parent or any reply (Slack's docs); the thread is the parent's.
            asked = next((m for m in everything if m["ts"] == str(params.get("ts"))), None)
            if asked is None:
                return {"ok": False, "error": "thread_not_found"}
            parent = asked.get("thread_ts", asked["ts"])
            found = [m for m in everything if m.get("thread_ts", m["ts"]) == parent]
        else:
            found = [m for m in reversed(everything) if m.get("thread_ts", m["ts"]) == m["ts"]]
        latest, oldest = params.get("latest"), params.get("oldest")
        if method == "conversations.history" and latest is None:
            latest = params.get("ts")  # older callers of this fake
        found = [
            m
            for m in found
            if _within(m["ts"], oldest, latest, inclusive)
            or (method == "conversations.replies" and m["ts"] == m.get("thread_ts", m["ts"]))
        ]  # a thread's parent always comes first, whatever the range, as Slack answers
        start = int(params.get("cursor") or 0)
        limit = int(params.get("limit") or 100)
        page = found[start : start + limit]
        if not with_metadata:
            page = [{k: v for k, v in m.items() if k != "metadata"} for m in page]
        more = start + limit < len(found)
        answer: dict[str, Any] = {"ok": True, "messages": page, "has_more": more}
        answer["response_metadata"] = {"next_cursor": str(start + limit) if more else ""}
        return answer


def _within(ts: str, oldest: Any, latest: Any, inclusive: bool) -> bool:
    if oldest is not None and (float(ts) < float(oldest) or (ts == oldest and not inclusive)):
        return False
    return latest is None or not (float(ts) > float(latest) or (ts == latest and not inclusive))


@dataclass
class SlackClient:
    """Sends requests to the app exactly as Slack does: signed, form- or JSON-encoded."""

    base_url: str  # the app's http://127.0.0.1:PORT
    signing_secret: str
    fake: FakeSlack
    clock_skew: int = 0  # seconds to shift the timestamp (for stale-request tests)
    _responses: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    # One pooled client: building one per request costs more than the app's own ack.
    _http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30))

    def _post(
        self,
        body: bytes,
        content_type: str,
        *,
        signature: str | None = None,
        extra: dict[str, str] | None = None,
    ) -> httpx.Response:
        timestamp = str(int(time.time()) + self.clock_skew)
        verifier = SignatureVerifier(self.signing_secret)
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": signature
            or verifier.generate_signature(timestamp=timestamp, body=body.decode()),
            **(extra or {}),
        }
        return self._http.post(self.base_url + "/slack/events", content=body, headers=headers)

    def next_response_url(self) -> str:
        return self.fake.response_url(f"r{next(self._responses)}")

    def command(
        self,
        text: str,
        *,
        user: str = "U0SOURCER",
        channel: str = "C0TALENT",
        signature: str | None = None,
        response_url: str | None = None,
    ) -> httpx.Response:
        form = {
            "token": "legacy-unused",
            "team_id": self.fake.team_id,
            "team_domain": "fictional",
            "channel_id": channel,
            "channel_name": "talent",
            "user_id": user,
            "user_name": "sourcer",
            "command": "/csf",
            "text": text,
            "api_app_id": "A0CSF",
            "response_url": response_url or self.next_response_url(),
            "trigger_id": self.fake.new_trigger(),
        }
        return self._post(
            urlencode(form).encode(), "application/x-www-form-urlencoded", signature=signature
        )

    def event(
        self, event: dict[str, Any], *, event_id: str, retry: int | None = None
    ) -> httpx.Response:
        body = {
            "token": "legacy-unused",
            "team_id": self.fake.team_id,
            "api_app_id": "A0CSF",
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [
                {"team_id": self.fake.team_id, "user_id": self.fake.bot_user, "is_bot": True}
            ],
        }
        extra = {}
        if retry is not None:
            extra = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        return self._post(json.dumps(body).encode(), "application/json", extra=extra)

    def action(
        self,
        action: dict[str, Any],
        *,
        user: str = "U0SOURCER",
        channel: str | None = "C0TALENT",
        message_ts: str | None = "1790000000.000001",
        response_url: bool = True,
        view: dict[str, Any] | None = None,
    ) -> httpx.Response:
        payload: dict[str, Any] = {
            "type": "block_actions",
            "team": {"id": self.fake.team_id, "domain": "fictional"},
            "user": {"id": user, "team_id": self.fake.team_id},
            "api_app_id": "A0CSF",
            "trigger_id": self.fake.new_trigger(),
            "actions": [{"block_id": "b", "action_ts": str(time.time()), **action}],
        }
        if channel is not None:
            payload["channel"] = {"id": channel, "name": "talent"}
            payload["container"] = {
                "type": "message",
                "channel_id": channel,
                "message_ts": message_ts,
                "is_ephemeral": True,
            }
        if response_url:
            payload["response_url"] = self.next_response_url()
        if view is not None:
            payload["view"] = view
            payload["container"] = {"type": "view", "view_id": "V0FICTION"}
        return self._form_payload(payload)

    def view_submission(self, view: dict[str, Any], *, user: str = "U0SOURCER") -> httpx.Response:
        payload = {
            "type": "view_submission",
            "team": {"id": self.fake.team_id, "domain": "fictional"},
            "user": {"id": user, "team_id": self.fake.team_id},
            "api_app_id": "A0CSF",
            "trigger_id": self.fake.new_trigger(),
            "view": view,
        }
        return self._form_payload(payload)

    def _form_payload(self, payload: dict[str, Any]) -> httpx.Response:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self._post(body, "application/x-www-form-urlencoded")


def texts(message: dict[str, Any]) -> Iterator[str]:
    """Every text a message or view shows: its fallback `text` and every text in its blocks."""
    if isinstance(message.get("text"), str):
        yield message["text"]
    yield from _block_texts(message.get("blocks") or [])


def _block_texts(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "text" and isinstance(item, str):
                yield item
            else:
                yield from _block_texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _block_texts(item)

"""The edge of `/slack/events`: what is not a well-formed, signed Slack request is turned away
with the status that says why, before Bolt sees it.

Bolt answers 500 to a body it cannot parse and reads any size of body; Slack (and a scanner on
the open internet) can send both. Order: too big (413, before reading it), not signed or a bad
timestamp (401, Slack's signing secret), not parseable (400). Slack sends small bodies: slash
commands and interactions are a few kilobytes, event callbacks rarely more than tens.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from slack_sdk.signature import SignatureVerifier

MAX_BODY = 1 << 20  # 1 MiB
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def guarded(inner: WSGIApp, signing_secret: str | None, path: str) -> WSGIApp:
    """`inner` behind the checks above, for POSTs to `path` (everything else passes)."""
    verifier = SignatureVerifier(signing_secret) if signing_secret else None

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != path or environ.get("REQUEST_METHOD") != "POST":
            return inner(environ, start_response)
        length = str(environ.get("CONTENT_LENGTH") or "0")
        if not length.isdigit():
            return _refuse(start_response, "400 Bad Request", "bad Content-Length")
        if int(length) > MAX_BODY:
            return _refuse(start_response, "413 Content Too Large", "body too large")
        body = environ["wsgi.input"].read(int(length))
        headers = {
            "x-slack-request-timestamp": str(environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")),
            "x-slack-signature": str(environ.get("HTTP_X_SLACK_SIGNATURE", "")),
        }
        if verifier is not None:
            stamp = headers["x-slack-request-timestamp"]
            if not stamp.isdigit() or not verifier.is_valid_request(body, headers):
                return _refuse(start_response, "401 Unauthorized", "invalid request")
        if not _parses(body, str(environ.get("CONTENT_TYPE") or "")):
            return _refuse(start_response, "400 Bad Request", "malformed body")
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        return inner(environ, start_response)

    return application


def _parses(body: bytes, content_type: str) -> bool:
    """Whether Bolt can read the body: a JSON object, or a form whose `payload` is one."""
    try:
        text = body.decode("utf-8")
        if content_type.startswith("application/json"):
            return isinstance(json.loads(text), dict)
        form = parse_qs(text, keep_blank_values=True)
        if "payload" in form:
            return isinstance(json.loads(form["payload"][0]), dict)
        return True
    except (UnicodeDecodeError, ValueError):
        return False


def _refuse(start_response: Callable[..., Any], status: str, reason: str) -> list[bytes]:
    data = reason.encode()
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(data)))])
    return [data]

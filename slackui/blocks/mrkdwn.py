"""Slack mrkdwn for untrusted text: PR titles, names, bios, locations, query words.

Slack turns `<!channel>`, `<@U123>` and `<https://x|label>` into live mentions and links, and
`verbatim` does not stop it; escaping `&`, `<`, `>` (in that order) is the only safe rule.
"""

from __future__ import annotations

import re
from urllib.parse import quote

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
_SAFE_URL = re.compile(r"https?://[^\s]+\Z")


def escape(text: str | None) -> str:
    """`text` shown as itself in mrkdwn: no mentions, no links, no bidi or control tricks."""
    if not text:
        return ""
    cleaned = _CONTROL.sub("", text)
    return cleaned.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int) -> str:
    """At most `limit` characters, ending in an ellipsis when cut (before escaping grows it)."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)].rstrip() + "…"


def safe_url(url: str | None) -> str | None:
    """`url` made safe to sit inside `<…|…>`, or None when it is not plain http(s)."""
    if not url or not _SAFE_URL.match(url):
        return None
    return quote(url, safe=":/?#[]@!$'()*+,;=%~.-_")


def link(url: str | None, label: str, *, limit: int = 200) -> str:
    """A mrkdwn link with an escaped label; the label alone when the url is not safe."""
    shown = escape(truncate(label, limit))
    target = safe_url(url)
    return f"<{target}|{shown}>" if target else shown

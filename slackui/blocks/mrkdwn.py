"""Slack mrkdwn for untrusted text: PR titles, names, bios, locations, query words, links.

Slack turns `<!channel>`, `<@U123>` and `<https://x|label>` into live mentions and links, and
`verbatim` does not stop it; escaping `&`, `<`, `>` (in that order) is the only safe rule.
`link` is the one way a `<url|label>` is made: the url rebuilt from allowed parts
(`bot.store.links`), the label escaped.
"""

from __future__ import annotations

import re

from bot.store.links import allowed_link

LABEL_BAR = "\u2223"  # ∣, for a `|` inside a link's label
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def escape(text: str | None) -> str:
    """`text` shown as itself in mrkdwn: no mentions, no links, no bidi or control tricks."""
    if not text:
        return ""
    cleaned = _CONTROL.sub("", text)
    return cleaned.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int) -> str:
    """At most `limit` characters, ending in an ellipsis when cut (before escaping grows it)."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)].rstrip() + "…"


def link(url: str | None, label: str, *, limit: int = 200) -> str:
    """A mrkdwn link with an escaped label; the label alone when the url is not one csf links
    to (another host, another shape, a stored row an older csf wrote)."""
    shown = escape(truncate(label, limit))
    target = allowed_link(url)
    if not target:
        return shown
    # Slack documents no escape for `|`, which ends a link's url: a label shows a lookalike.
    return f"<{target}|{shown.replace('|', LABEL_BAR)}>"

"""Slack messages drawn in a terminal: Block Kit and mrkdwn as rich renderables.

The demo shows csf's answers exactly as Slack would, so it draws the very blocks the Slack app
posts rather than a second, terminal-only layout. mrkdwn is read token by token into styled
`Text` (never into rich markup), so nothing from GitHub can smuggle markup into the terminal.
"""

from __future__ import annotations

import html
import re
from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.rule import Rule
from rich.text import Text

_TOKEN = re.compile(
    r"<(?P<url>[^<>|]+)(?:\|(?P<label>[^<>]+))?>"  # <url|label> and <url>
    r"|\*(?P<bold>[^*\n]+)\*"
    r"|`(?P<code>[^`\n]+)`"
    r"|:(?P<emoji>[a-z0-9_+-]+):"
)
_EMOJI = {"flag-eu": "🇪🇺", "globe_with_meridians": "🌐", "bookmark": "🔖"}
_BUTTON_STYLES = {"primary": "bold green", "danger": "bold red"}


def emoji(name: str) -> str | None:
    """Unicode for the Slack emoji csf uses: country flags and a few symbols."""
    if name.startswith("flag-") and len(name) == 7 and name[5:].isalpha():
        return "".join(chr(0x1F1E6 + ord(c) - ord("a")) for c in name[5:])
    return _EMOJI.get(name)


def mrkdwn(text: str, style: str = "") -> Text:
    """Slack mrkdwn as styled text: bold, code, links (label shown, URL clickable), emoji."""
    out = Text(style=style)
    position = 0
    for match in _TOKEN.finditer(text):
        out.append(html.unescape(text[position : match.start()]))
        position = match.end()
        if match.group("url"):
            url = match.group("url")
            label = html.unescape(match.group("label") or url)
            out.append(label, style=f"underline link {url}" if url.startswith("http") else "")
        elif match.group("bold"):
            out.append(html.unescape(match.group("bold")), style="bold")
        elif match.group("code"):
            out.append(html.unescape(match.group("code")), style="cyan")
        else:
            name = match.group("emoji")
            out.append(emoji(name) or f":{name}:")
    out.append(html.unescape(text[position:]))
    return out


def block(item: dict[str, Any]) -> RenderableType | None:
    kind = item.get("type")
    if kind == "section":
        return mrkdwn(str(item["text"]["text"]))
    if kind == "context":
        texts = [mrkdwn(str(e.get("text", "")), style="dim") for e in item.get("elements", [])]
        return Text("  ").join(texts)
    if kind == "header":
        return Text(str(item["text"]["text"]), style="bold")
    if kind == "divider":
        return Rule(style="dim")
    if kind == "actions":
        buttons = Text()
        for element in item.get("elements", []):
            label = str(element.get("text", {}).get("text", "?"))
            style = _BUTTON_STYLES.get(str(element.get("style")), "bold")
            buttons.append(f"[ {label} ]", style=style)
            buttons.append(" ")
        return buttons
    return None


def message(payload: dict[str, Any], *, title: str, note: str | None = None) -> Panel:
    """A whole message as a framed panel, blocks stacked with a little air between cards."""
    parts: list[RenderableType] = []
    for item in payload.get("blocks", []):
        drawn = block(item)
        if drawn is None:
            continue
        if item.get("type") == "actions" and item.get("block_id", "").startswith("actions:"):
            parts += [drawn, Text("")]  # a person's buttons end their card
        else:
            parts.append(drawn)
    return Panel(
        Group(*parts),
        title=Text(title, style="bold"),
        title_align="left",
        subtitle=Text(note, style="dim") if note else None,
        subtitle_align="right",
        border_style="magenta",
    )

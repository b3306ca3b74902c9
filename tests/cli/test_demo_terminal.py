"""Slack messages drawn in the terminal: what Slack shows, and nothing GitHub text could inject."""

from __future__ import annotations

import io

from rich.console import Console

from cli.terminal import emoji, message, mrkdwn
from slackui.blocks.common import person_buttons, section
from slackui.blocks.mrkdwn import escape, link


def draw(renderable: object) -> str:
    console = Console(width=120, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def test_mrkdwn_shows_labels_bold_and_flags() -> None:
    text = mrkdwn(
        f"*Ada* · {link('https://github.com/ada-fictional', '@ada-fictional')} · :flag-gb:"
    )
    assert text.plain == "Ada · @ada-fictional · 🇬🇧"
    assert any("bold" in str(span.style) for span in text.spans)
    assert any("link https://github.com/ada-fictional" in str(span.style) for span in text.spans)
    assert emoji("flag-ch") == "🇨🇭"
    assert emoji("no_such_emoji") is None


def test_untrusted_text_stays_text() -> None:
    title = "<!channel> [bold red]boom[/] & <https://evil.example|click>"
    drawn = draw(mrkdwn(escape(title)))
    assert title in drawn  # shown as written: no mention, no link, no terminal markup


def test_a_message_draws_cards_and_buttons() -> None:
    payload = {"text": "x", "blocks": [section("1. *Bo*"), person_buttons(7)]}
    drawn = draw(message(payload, title="csf", note="only visible to you"))
    assert "1. Bo" in drawn
    assert "[ Save ] [ Outreach ] [ Profile ] [ Not a fit ]" in drawn
    assert "only visible to you" in drawn

"""Untrusted text reaches Slack as text: no mentions, no spoofed links."""

from __future__ import annotations

from slackui.blocks.mrkdwn import escape, link, safe_url, truncate


def test_mentions_and_links_are_shown_not_sent() -> None:
    assert escape("<!channel> hi") == "&lt;!channel&gt; hi"
    assert escape("<https://evil.test|github.com>") == "&lt;https://evil.test|github.com&gt;"
    assert escape("a & b <@U123>") == "a &amp; b &lt;@U123&gt;"
    assert escape("&lt;") == "&amp;lt;"  # already-escaped text is not trusted either


def test_control_and_bidi_characters_are_dropped() -> None:
    assert escape("ab\x00c\u202edef\x1b") == "abcdef"
    assert escape(None) == ""


def test_links_escape_the_label_and_refuse_odd_schemes() -> None:
    assert link("https://github.com/o/r/pull/7", "<!here> fix") == (
        "<https://github.com/o/r/pull/7|&lt;!here&gt; fix>"
    )
    assert link("javascript:alert(1)", "x") == "x"
    assert link(None, "plain & text") == "plain &amp; text"
    assert safe_url("https://x.test/a|b>c") == "https://x.test/a%7Cb%3Ec"


def test_truncate_marks_the_cut() -> None:
    assert truncate("abcdef", 4) == "abc…"
    assert truncate("abc", 4) == "abc"

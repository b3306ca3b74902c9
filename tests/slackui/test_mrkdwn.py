"""Untrusted text reaches Slack as text: no mentions, no spoofed links."""

from __future__ import annotations

from slackui.blocks.mrkdwn import escape, link, truncate


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


def test_links_go_only_to_allowed_hosts_rebuilt_from_their_parts() -> None:
    # A `Differential Revision:` line once became a live link under a trusted label.
    assert link("https://evil.example/phish%7CD123", "Fix thing") == "Fix thing"
    assert link("https://reviews.llvm.org/D123", "Fix <thing>") == (
        "<https://reviews.llvm.org/D123|Fix &lt;thing&gt;>"
    )
    assert link("https://github.com/o/r/pull/1|x>", "y") == "y"
    assert link("https://GitHub.com/o/r/pull/01?x=<b>", "y") == "<https://github.com/o/r/pull/1|y>"
    assert (
        link("https://github.com/o/r/pull/1", "a|b") == "<https://github.com/o/r/pull/1|a\u2223b>"
    )
    assert escape("a|b") == "a|b"  # outside a link a bar is only a bar


def test_truncate_marks_the_cut() -> None:
    assert truncate("abcdef", 4) == "abc…"
    assert truncate("abc", 4) == "abc"

"""Dates people type (`--as-of 2026-01-01`), read the same way in the terminal and in Slack.

One reader, so `csf who … --as-of banana` and `/csf who … --as-of banana` answer with the same
line. Dates are bounded so that every window csf counts back from them (at most MOST_DAYS) and
every digest period after them stays a date Python can hold.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.errors import CsfError

EARLIEST, LATEST = date(1970, 1, 1), date(2999, 12, 31)  # the dates a --as-of or --since may name


def parse_date(text: str, option: str) -> datetime:
    """A YYYY-MM-DD option as a UTC moment; anything else is one line naming the option."""
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise CsfError(f"{option} {text!r} is not a date: write YYYY-MM-DD") from None
    if not EARLIEST <= parsed.date() <= LATEST:
        raise CsfError(
            f"{option} {text!r} is out of range: give a date from {EARLIEST} to {LATEST}"
        )
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

"""Ranking facts in the words a recruiter reads, never the store's internal names.

A card that says "pull_requests 61.0, breadth 0.0" or "20 merged_pr" makes the reader decode
the schema; one that says "authored PRs 61.0" or "20 merged PRs" does not. Every face (the
terminal, Slack, JSON's human fields) takes its words from here, so they say the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

# Score parts that add points, in the order a reader weighs them.
_POINTS = (
    ("pull_requests", "authored PRs"),
    ("commits", "commits"),
    ("reviews", "reviews"),
    ("ownership", "owns code here"),
    ("discussion", "issues and design posts"),
)


def score_parts(components: Mapping[str, float]) -> str:
    """`authored PRs 108.0 · reviews 70.6 · owns code here 10.0 · 100% focus here`."""
    parts = [f"{label} {components[key]:.1f}" for key, label in _POINTS if components.get(key)]
    focus = components.get("focus")
    if focus is not None and focus < 1.0:
        parts.append(f"{round(100 * focus)}% weight for focus (most of their work is elsewhere)")
    sustained = components.get("sustained")
    if sustained is not None and sustained < 1.0:
        parts.append(f"{round(100 * sustained)}% weight for few contributions here")
    breadth = components.get("breadth")
    if breadth:
        parts.append(f"+{round(100 * breadth)}% for work across neighbouring areas")
    return " · ".join(parts)


# What a count of contributions of each kind is called ("merged_pr" is how the profile keys
# a merged PR apart from one still open or closed unmerged).
_KINDS = {
    "merged_pr": ("merged PR", "merged PRs"),
    "pr": ("PR not merged", "PRs not merged"),
    "commit": ("commit", "commits"),
    "review": ("review", "reviews"),
    "issue": ("issue", "issues"),
    "comment": ("comment", "comments"),
    "rfc": ("RFC or design thread", "RFCs or design threads"),
}


def activity(counts: Mapping[str, int]) -> str:
    """`19 merged PRs, 30 reviews, 1 RFC or design thread`, largest kinds of work first."""
    order = list(_KINDS)
    shown = sorted(
        ((kind, n) for kind, n in counts.items() if n),
        key=lambda item: order.index(item[0]) if item[0] in order else len(order),
    )
    words = []
    for kind, n in shown:
        one, many = _KINDS.get(kind, (kind, kind))
        words.append(f"{n} {one if n == 1 else many}")
    return ", ".join(words)


class _Work(Protocol):
    kind: str
    state: str | None


def did(work: _Work) -> str:
    """What the person did with a piece of evidence: `authored`, `approved`, `reviewed`..."""
    if work.kind == "pr":
        return "authored" if work.state == "merged" else "opened"
    if work.kind == "commit":
        return "committed"
    if work.kind == "review":
        if work.state == "approved":
            return "approved"
        if work.state == "changes_requested":
            return "asked for changes on"
        return "reviewed"
    if work.kind == "rfc":
        return "wrote the design thread"
    if work.kind == "issue":
        return "opened the issue"
    return "commented on"

"""Ranking facts in words: what a person did, and what their score is made of."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.ranking.who import Evidence
from bot.ranking.words import activity, did, score_parts

WHEN = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("kind", "state", "verb"),
    [
        ("pr", "merged", "authored"),
        ("pr", "open", "opened"),
        ("commit", None, "committed"),
        ("review", "approved", "approved"),
        ("review", "changes_requested", "asked for changes on"),
        ("review", "commented", "reviewed"),
        ("rfc", None, "wrote the design thread"),
        ("issue", "open", "opened the issue"),
        ("comment", None, "commented on"),
    ],
)
def test_every_kind_of_evidence_says_what_the_person_did(
    kind: str, state: str | None, verb: str
) -> None:
    assert did(Evidence(kind, "Fold copies", None, WHEN, "+1/-0 in 1 file", state)) == verb


def test_score_parts_are_words_and_the_multipliers_say_what_they_do() -> None:
    parts = {
        "pull_requests": 108.047,
        "reviews": 70.614,
        "ownership": 10.0,
        "discussion": 0.0,
        "focus": 0.4,
        "breadth": 0.02,
    }
    shown = score_parts(parts)
    assert shown == (
        "authored PRs 108.0 · reviews 70.6 · owns code here 10.0 · 40% weight for focus (most "
        "of their work is elsewhere) · +2% for work across neighbouring areas"
    )
    assert "pull_requests" not in shown
    assert "breadth" not in shown
    assert score_parts({"reviews": 3.0, "focus": 1.0, "breadth": 0.0}) == "reviews 3.0"


def test_activity_counts_read_as_words_in_a_steady_order() -> None:
    counts = {"review": 30, "merged_pr": 19, "rfc": 1, "pr": 4}
    assert activity(counts) == (
        "19 merged PRs, 4 PRs not merged, 30 reviews, 1 RFC or design thread"
    )
    assert activity({"commit": 1}) == "1 commit"


def test_a_change_size_reads_as_words_and_a_thread_has_none() -> None:
    from bot.ranking.who import change_size

    assert change_size(120, 4, 3) == "+120/-4 in 3 files"
    assert change_size(1, 0, 1, built=True) == "+1/-0 in 1 file, new files here"
    assert change_size(0, 0, 0) == ""  # an RFC or design thread: no "+0/-0 in 0 files"

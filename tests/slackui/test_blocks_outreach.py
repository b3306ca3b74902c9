"""Outreach and role-fit blocks: escaped, within Slack's limits, valid to slack_sdk's models."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from slack_sdk.models.blocks import Block
from sqlmodel import Session

from bot.outreach.drafts import Citation, ContactRoute, Draft
from bot.outreach.roles import DimensionFit, Example, Rating, RoleFit
from slackui.blocks.common import ACTION_ANOTHER_ANGLE, ACTION_MARK_CONTACTED, MAX_BLOCKS, MAX_TEXT
from slackui.blocks.outreach import (
    outreach_blocks,
    outreach_text,
    outreach_value,
    parse_outreach_value,
    role_fit_blocks,
    split_text,
)
from tests.support.outreach_world import HOSTILE, _world, draft
from tests.support.ranking_world import World

WHEN = datetime(2026, 5, 1, tzinfo=UTC)
ALLOWED_LINKS = ("https://github.com/", "https://tiler.example/")


def _texts(blocks: list[dict[str, Any]]) -> list[str]:
    """Every mrkdwn string in the blocks."""
    found = []
    for block in blocks:
        if block["type"] == "section":
            found.append(block["text"]["text"])
        elif block["type"] == "context":
            found.extend(e["text"] for e in block["elements"] if e["type"] == "mrkdwn")
    return found


def _valid(blocks: list[dict[str, Any]]) -> None:
    assert len(blocks) <= MAX_BLOCKS
    for block in blocks:
        Block.parse(block).to_dict()  # type: ignore[union-attr]  # raises past Slack's limits


def assert_no_live_markup(texts: list[str]) -> None:
    """Only csf's own links may use <...>: no mentions, no foreign links."""
    for text in texts:
        for target in re.findall(r"<([^>]*)>", text):
            assert target.startswith(ALLOWED_LINKS), target
        assert "<!channel>" not in text
        assert "<@U0123>" not in text


def _draft(body: str, title: str = HOSTILE, **kw: Any) -> Draft:
    return Draft(
        person_id=7,
        login="zoe-awkward",
        name=kw.pop("name", "Zoë <!here>"),
        template="first_email",
        angle="latest_pr",
        angles=("latest_pr", "reviews"),
        subject=f"About {title}",
        body=body,
        cites=(
            Citation(
                kind="pr",
                title=title,
                url="https://github.com/llvm/llvm-project/pull/1",
                area="the Linalg dialect",
                repo="llvm/llvm-project",
                when=WHEN,
                size="+1/-1 in 2 files",
                with_tests=True,
            ),
        ),
        role="staff_compiler_engineer",
        role_name="Staff Compiler Engineer",
        theme="kernel generation",
        company="Quillfish Systems",
        routes=(
            ContactRoute("email", "zoe@tiler.example", "the address they publish on GitHub"),
            ContactRoute("github", "https://github.com/zoe-awkward", "their GitHub profile"),
        ),
        as_of=WHEN,
    )


def test_hostile_titles_and_names_are_escaped_everywhere(session: Session) -> None:
    world: World = _world(session)
    shown = draft(session, world, "zoe-awkward", angle="latest_pr")
    assert HOSTILE in shown.body  # the draft itself is plain text
    blocks = outreach_blocks(shown)
    _valid(blocks)
    texts = _texts(blocks)
    assert_no_live_markup(texts)
    joined = "\n".join(texts)
    assert "&lt;!channel&gt; *urgent* `rm` &lt;https://evil.example|click&gt; &amp;" in joined
    assert "<https://github.com/llvm/llvm-project/pull/" in joined  # the cites, as links
    assert outreach_text(_draft("x")) == (
        "Outreach draft for Zoë &lt;!here&gt; (Staff Compiler Engineer)"
    )


def test_the_buttons_carry_the_next_angle_and_the_person() -> None:
    blocks = outreach_blocks(_draft("Hi.\n\nBody."))
    actions = next(b for b in blocks if b["type"] == "actions")
    by_id = {e["action_id"]: e["value"] for e in actions["elements"]}
    request = parse_outreach_value(by_id[ACTION_ANOTHER_ANGLE])
    assert request is not None
    assert (request.person_id, request.angle, request.template) == (7, "reviews", "first_email")
    assert request.role == "staff_compiler_engineer"
    assert by_id[ACTION_MARK_CONTACTED] == "7"
    assert parse_outreach_value("not json") is None
    assert parse_outreach_value(outreach_value(7, "first_email", "flattery", "x")) is None
    one_angle = _draft("Hi.")
    one_angle.angles = ("latest_pr",)
    only = next(b for b in outreach_blocks(one_angle) if b["type"] == "actions")
    assert [e["action_id"] for e in only["elements"]] == [ACTION_MARK_CONTACTED]


def test_long_bodies_are_split_at_paragraphs_within_the_limit() -> None:
    paragraph = "Lowering & tiling <packed> layouts. " * 40  # escaping grows it
    body = "\n\n".join([paragraph.strip()] * 12)
    blocks = outreach_blocks(_draft(body))
    _valid(blocks)
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    body_pieces = [t for t in sections if t.startswith("Lowering")]
    assert len(body_pieces) > 1
    assert all(len(t) <= MAX_TEXT for t in sections)
    assert "\n\n".join(body_pieces) == body.replace("&", "&amp;").replace("<", "&lt;").replace(
        ">", "&gt;"
    )


@pytest.mark.parametrize("limit", [7, 10, 50])
def test_splitting_never_cuts_an_entity(limit: int) -> None:
    text = "&amp;&lt;&gt;" * 20
    pieces = split_text(text, limit)
    assert "".join(pieces) == text
    for piece in pieces:
        assert len(piece) <= limit
        assert re.fullmatch(r"(?:&amp;|&lt;|&gt;)+", piece), piece


def test_role_fit_blocks_show_every_dimension_escaped() -> None:
    fit = RoleFit(
        role="staff_compiler_engineer",
        role_name="Staff Compiler Engineer",
        person_id=3,
        login="tess",
        name="Tess <@U0123>",
        as_of=WHEN,
        window_days=730,
        dimensions=[
            DimensionFit(
                key="testing",
                name="Testing for compilers",
                asks="tests",
                weight=1.5,
                rating=Rating.STRONG,
                findings=["9 of 9 landed changes touch test paths (100%)"],
                examples=[
                    Example("pr", HOSTILE, "https://github.com/llvm/llvm-project/pull/9", WHEN)
                ],
            ),
            DimensionFit(
                key="leadership",
                name="Technical leadership",
                asks="reviews",
                weight=2,
                rating=Rating.NONE,
                findings=["no reviews of other people's work in the window"],
                examples=[],
            ),
        ],
        score=0.43,
        summary="Partial fit <!channel>.",
    )
    blocks = role_fit_blocks(fit)
    _valid(blocks)
    texts = _texts(blocks)
    assert_no_live_markup(texts)
    joined = "\n".join(texts)
    assert "●●● *Testing for compilers*: strong evidence" in joined
    assert "○○○ *Technical leadership*: no public evidence" in joined
    assert "Partial fit &lt;!channel&gt;." in joined
    assert blocks[0]["text"]["text"] == "Staff Compiler Engineer fit: Tess <@U0123>"  # plain_text

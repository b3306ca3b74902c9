"""Every Block Kit builder, fed hostile links and titles, sends no link csf does not allow.

The store is filled by the digest world, then its rows are rewritten as an older csf (or a
hostile source before links were rebuilt at ingest) could have left them: contribution links to
other hosts, links with `|` and `>` inside, titles with link markup, a login and a website built
to break out of `<url|label>`. Each answer a face sends (who, profile, digest, outreach, role
fit, shortlist, follow-up, talent map) is built from that store by the core, as the faces do,
and every string Slack reads as mrkdwn is checked.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.outreach.company import example_company
from bot.outreach.drafts import draft_outreach
from bot.outreach.roles import load_roles, role_fit
from bot.people.view import PersonView
from bot.ranking.who import load_ranking_config, who
from bot.reports.digest import compute_digest, period_ending
from bot.reports.profile import build_profile
from bot.reports.talent_map import talent_map
from bot.shortlist.followup import due_followups
from bot.shortlist.saves import pipeline, save, set_status
from bot.store.models import CandidateStatus, Contribution, Person, utcnow
from bot.taxonomy.model import default_taxonomy
from bot.taxonomy.question import read_query
from slackui.blocks.digest import digest_blocks
from slackui.blocks.followup import followup_message
from slackui.blocks.outreach import outreach_blocks, outreach_text, role_fit_blocks
from slackui.blocks.people import display_name, profile_message, who_message
from slackui.blocks.shortlist import home_view, note_modal, saved_message
from slackui.blocks.talent_map import map_message
from slackui.blocks.who_state import WhoState
from tests.support.digest_world import TEAM, UTC_ZONE, build_world, week
from tests.support.ranking_world import AS_OF

ALLOWED_HOSTS = {"github.com", "reviews.llvm.org"}
HOSTILE_URLS = (
    "https://evil.example/phish%7CD123",
    "https://github.com.evil.example/llvm/llvm-project/pull/1",
    "https://github.com/llvm/llvm-project/pull/1|Fix thing",
    "https://github.com/llvm/llvm-project/pull/1>evil",
    "https://reviews.llvm.org/D12|x",
    "javascript:alert(1)",
    "https://ada:@github.com/llvm/llvm-project/pull/1",
)
HOSTILE_TITLE = "Fix thing|<https://evil.example|click> & <!channel> <@U0123> >"


def _mrkdwn(value: Any, *, top: bool = True) -> list[str]:
    """Every string of a message that Slack reads as mrkdwn: `mrkdwn` text objects, and the
    message's own `text` (the notification). `plain_text` shows no markup and is left out."""
    found: list[str] = []
    if isinstance(value, dict):
        text = value.get("text")
        if isinstance(text, str) and (top or value.get("type") == "mrkdwn"):
            found.append(text)
        for item in value.values():
            found += _mrkdwn(item, top=False)
    elif isinstance(value, list):
        for item in value:
            found += _mrkdwn(item, top=False)
    return found


def assert_only_allowed_links(message: Any) -> int:
    """Each `<…>` is csf's own mention of a Slack user or a link to an allowed host, with one
    `|` and an escaped label; returns how many links were seen."""
    links = 0
    for text in _mrkdwn(message):
        for inside in re.findall(r"<([^<>]*)>", text):
            if re.fullmatch(r"@[UW][A-Z0-9]+", inside):
                continue  # csf names the teammate who acted, from Slack's own user id
            url, bar, label = inside.partition("|")
            parts = urlsplit(url)
            assert bar, inside
            assert (parts.scheme, parts.hostname) in {("https", h) for h in ALLOWED_HOSTS}, text
            assert parts.username is None, url
            assert parts.port is None, url
            assert "|" not in label, inside
            links += 1
        # What is left outside links holds no markup of its own.
        rest = re.sub(r"<([^<>]*)>", "", text)
        assert "<" not in rest, text
        assert ">" not in rest, text
    return links


def test_no_builder_sends_a_link_to_a_host_csf_does_not_allow(session: Session) -> None:
    world = build_world(session)
    ids = list(session.exec(select(Contribution.id).order_by(col(Contribution.id))))
    for index, contribution_id in enumerate(ids):
        session.execute(
            sa.update(Contribution)
            .where(col(Contribution.id) == contribution_id)
            .values(url=HOSTILE_URLS[index % len(HOSTILE_URLS)], title=HOSTILE_TITLE)
        )
    # One link stays good, so the check can see that links still work.
    session.execute(
        sa.update(Contribution)
        .where(col(Contribution.id) == ids[-1])
        .values(url="https://github.com/llvm/llvm-project/pull/99")
    )
    gus = session.get(Person, world.people["gus-newcomer"])
    assert gus is not None
    assert gus.id is not None
    gus.name = HOSTILE_TITLE
    gus.login = "gus-newcomer|<https://evil.example>"
    gus.blog = "https://evil.example/x|<!here>"
    gus.public_email = "gus@compilers.example"
    session.commit()

    taxonomy, config = default_taxonomy(), load_ranking_config()
    company = example_company()
    role = company.role(load_roles())
    reading = read_query(taxonomy, ["mlir", "bufferization"])
    answer = who(session, taxonomy, reading, config=config, as_of=AS_OF)
    assert any(r.person_id == gus.id for r in answer.results)
    digest = compute_digest(
        session, taxonomy, config=config, team_id=TEAM, period=period_ending(week(3), UTC_ZONE)
    )
    assert digest.entries
    draft = draft_outreach(
        session, taxonomy, gus, company=company, role=role, as_of=AS_OF, config=config
    )
    saved = save(session, TEAM, gus.id, saved_by="U0SOURCER", source="button")
    set_status(session, saved.candidate, CandidateStatus.CONTACTED, actor="U0SOURCER")
    session.commit()
    later = utcnow() + timedelta(days=30)
    followups = due_followups(session, now=later, days=7)
    assert followups
    messages: list[Any] = [
        who_message(answer, state=WhoState("mlir bufferization")),
        profile_message(build_profile(session, taxonomy, gus, config=config, as_of=AS_OF)),
        *digest_blocks(digest),
        {"text": outreach_text(draft), "blocks": outreach_blocks(draft)},
        role_fit_blocks(role_fit(session, gus, role, as_of=AS_OF)),
        home_view(pipeline(session, TEAM)),
        saved_message(pipeline(session, TEAM), None),
        *(followup_message(f, now=later) for f in followups),
        map_message(talent_map(session, taxonomy, reading, config=config, as_of=AS_OF)),
        note_modal(gus.id, display_name(PersonView.from_person(gus).as_dict())),
    ]
    links = sum(assert_only_allowed_links(message) for message in messages)
    assert links > 0  # the good link, and GitHub profile links, are still links
    sent = "\n".join(s for message in messages for s in _mrkdwn(message))
    assert "<https://github.com/llvm/llvm-project/pull/99|" in sent

"""The Slack app end to end: signed requests to a real port, answers checked at a fake Slack.

The app runs in HTTP mode (the WSGI app `csf run` serves) on 127.0.0.1; requests are signed
with the signing secret as Slack signs them; what the app sends back is read from the fake Web
API server's call log, and what it saved from the store.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import httpx
import pytest
from slack_sdk.signature import SignatureVerifier
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.config import load_settings
from bot.ranking.who import load_ranking_config
from bot.shortlist.saves import find_candidate, record_posted, save, set_status
from bot.store.engine import make_engine, upgrade
from bot.store.models import (
    AuditEvent,
    Candidate,
    CandidateNote,
    CandidateStatus,
    Person,
    PostedMessage,
)
from bot.taxonomy.model import default_taxonomy
from handlers.app import create_app, group_members, wsgi_app
from handlers.context import AppContext
from handlers.task_queue import TaskQueue
from slackui.blocks.common import (
    ACTION_MORE,
    ACTION_NOT_A_FIT,
    ACTION_NOTE,
    ACTION_PROFILE,
    ACTION_SAVE,
    ACTION_SAVED_MORE,
    ACTION_SHARE,
    ACTION_SHARE_MAP,
    ACTION_STATUS,
)
from slackui.blocks.shortlist import NOTE_BLOCK, NOTE_INPUT, NOTE_MODAL
from tests.support.fake_slack import FakeSlack, SlackClient, texts
from tests.support.ranking_world import AS_OF, build

SECRET = "fictional-signing-secret-0123456789"
HOSTILE_TITLE = "<!channel> hi <https://evil.test|github.com> & more"


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, *_: Any) -> None:
        pass


@dataclass
class Harness:
    fake: FakeSlack
    slack: SlackClient
    engine: Engine
    ctx: AppContext
    people: dict[str, int]

    def session(self) -> Session:
        return Session(self.engine)

    def reply(self, index: int = 1) -> dict[str, Any]:
        """The `index`-th message the app sent to a response URL (waiting for it)."""
        return self.fake.wait_for("response_url", index)[index - 1].params

    def posted(self) -> list[PostedMessage]:
        """Rows csf recorded for its posts, once the listener thread has written one."""
        deadline = time.monotonic() + 15
        while True:
            with self.session() as session:
                rows = list(session.exec(select(PostedMessage)))
            if rows or time.monotonic() > deadline:
                return rows
            time.sleep(0.02)

    def posted_by_csf(
        self, channel: str, ts: str, person_id: int, thread_ts: str | None = None
    ) -> None:
        """As if csf had posted a digest entry about this person at (channel, ts)."""
        with self.session() as session:
            record_posted(
                session,
                team_id=self.fake.team_id,
                channel=channel,
                ts=ts,
                kind="digest_entry",
                person_ids=[person_id],
                thread_ts=thread_ts,
            )
            session.commit()

    def candidates(self) -> list[Candidate]:
        with self.session() as session:
            return list(session.exec(select(Candidate).order_by(Candidate.id)))  # type: ignore[arg-type]


def _world(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        world = build(session)
        hostile = world.person("hal-hostile", "<@U0BOSS> Reading", "uk")
        world.merged("hal-hostile", 1, 20, title=HOSTILE_TITLE)
        world.merged("nia-newcomer", 3, 5, every=1)  # first real PRs, in the last week
        world.save()
        person = session.get(Person, hostile)
        assert person is not None
        person.name = "<!here> Hal & co"
        owner = session.get(Person, world.people["ada-owner"])
        assert owner is not None
        owner.country_code = "GB"
        session.commit()
        return dict(world.people)


def _start(engine: Engine, fake: FakeSlack, env: dict[str, str]) -> tuple[SlackClient, AppContext]:
    settings = load_settings(
        {
            "SLACK_BOT_TOKEN": "xoxb-fictional-test-token",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": fake.url,
            **env,
        },
        env_file=None,
    )
    ctx = AppContext(
        settings=settings,
        engine=engine,
        taxonomy=default_taxonomy(),
        ranking=load_ranking_config(),
        clock=lambda: AS_OF,
        group_members=group_members(settings),
    )
    server = make_server(
        "127.0.0.1",
        0,
        wsgi_app(create_app(ctx), SECRET),
        server_class=_Server,
        handler_class=_Quiet,
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    client = SlackClient(f"http://127.0.0.1:{server.server_port}", SECRET, fake)
    client._server = server  # type: ignore[attr-defined]
    return client, ctx


@pytest.fixture
def harness(engine: Engine, request: pytest.FixtureRequest) -> Iterator[Harness]:
    env = getattr(request, "param", {})
    people = _world(engine)
    with FakeSlack() as fake:
        slack, ctx = _start(engine, fake, env)
        try:
            yield Harness(fake, slack, engine, ctx, people)
        finally:
            slack._server.shutdown()  # type: ignore[attr-defined]
            slack._server.server_close()  # type: ignore[attr-defined]


def _all_text(message: dict[str, Any]) -> str:
    return "\n".join(texts(message))


def _buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        element
        for block in message.get("blocks", [])
        if block.get("type") == "actions"
        for element in block["elements"]
    ]


# -- /csf who --------------------------------------------------------------------------------


def test_who_answers_with_cards_evidence_and_buttons(harness: Harness) -> None:
    response = harness.slack.command("who mlir bufferization")
    assert response.status_code == 200
    assert response.text == ""  # the ack: the answer follows through the response URL
    reply = harness.reply()
    assert reply["response_type"] == "ephemeral"
    blocks = reply["blocks"]
    assert len(blocks) <= 50
    cards = [b for b in blocks if str(b.get("block_id", "")).startswith("person:")]
    # The owner is among the first three (beside who built the area and the steady reviewer).
    first = next(c["text"]["text"] for c in cards[:3] if "Ada Owner" in c["text"]["text"])
    assert "<https://github.com/ada-owner|@ada-owner>" in first
    assert ":flag-gb:" in first
    assert "owns" in first  # the reason line names ownership
    assert "<https://github.com/llvm/llvm-project/pull/" in first  # evidence links
    # Each evidence line says what they did; the score says what it is made of, in words.
    assert re.search(r"^• (authored|approved|reviewed|asked for changes on) <", first, re.M)
    parts = next(b for b in blocks if b["type"] == "context")["elements"][0]["text"]
    assert parts.startswith("score ")
    assert "pull_requests" not in parts
    people_shown = [int(c["block_id"].split(":")[1]) for c in cards]
    assert harness.people["dependabot[bot]"] not in people_shown
    actions = {b["action_id"] for b in _buttons(reply)}
    assert {ACTION_SAVE, ACTION_NOT_A_FIT, ACTION_PROFILE, ACTION_SHARE} <= actions
    for block in blocks:
        for text in texts({"blocks": [block]}):
            assert len(text) <= 3000
    with harness.session() as session:
        searches = session.exec(select(AuditEvent).where(AuditEvent.action == "search")).all()
        assert [(e.actor, e.target) for e in searches] == [("U0SOURCER", "mlir bufferization")]


def test_untrusted_titles_and_names_are_shown_not_sent(harness: Harness) -> None:
    harness.slack.command("who mlir bufferization --limit 50")
    text = _all_text(harness.reply())
    assert "&lt;!here&gt; Hal &amp; co" in text
    # In a link's label a `|` is shown as a lookalike (∣): Slack would read it as the url's end.
    assert "&lt;!channel&gt; hi &lt;https://evil.test\u2223github.com&gt; &amp; more" in text
    assert "&lt;@U0BOSS&gt; Reading" in text
    for live in ("<!channel>", "<!here>", "<@U0BOSS>", "<https://evil.test"):
        assert live not in text


def test_more_pages_in_place_and_share_posts_to_the_channel(harness: Harness) -> None:
    harness.slack.command("who mlir bufferization --limit 50")
    first = harness.reply()
    share = next(b for b in _buttons(first) if b["action_id"] == ACTION_SHARE)
    harness.slack.action({"action_id": ACTION_SHARE, "value": share["value"]})
    posted = harness.fake.wait_for("chat.postMessage")[0].params
    assert posted["channel"] == "C0TALENT"
    assert "<@U0SOURCER> shared" in posted["text"]
    assert ACTION_SHARE not in {b["action_id"] for b in _buttons(posted)}
    [row] = harness.posted()
    assert row.kind == "who"
    assert harness.people["ada-owner"] in row.person_ids
    # A second click on the same page (a double click) posts nothing and says why.
    harness.slack.action({"action_id": ACTION_SHARE, "value": share["value"]})
    assert "already shared" in harness.reply(2)["text"]
    assert len(harness.fake.of("chat.postMessage")) == 1


def test_a_share_that_failed_can_be_clicked_again(harness: Harness) -> None:
    harness.slack.command("who mlir bufferization --limit 50")
    share = next(b for b in _buttons(harness.reply()) if b["action_id"] == ACTION_SHARE)
    harness.fake.fail_next("chat.postMessage", error="internal_error")
    harness.slack.action({"action_id": ACTION_SHARE, "value": share["value"]})
    assert "Something went wrong" in harness.reply(2)["text"]
    harness.slack.action({"action_id": ACTION_SHARE, "value": share["value"]})
    posted = harness.fake.wait_for("chat.postMessage", 2)
    assert "<@U0SOURCER> shared" in posted[1].params["text"]


def test_a_share_whose_record_fails_after_posting_is_not_posted_again(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once the page is in the channel, the share is done: a failure after it (recording the
    post) is said, and a second click is told it is shared instead of posting it twice."""
    import handlers.listeners.actions as actions

    def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("the store went away after the post")

    monkeypatch.setattr(actions, "record_posted", broken)
    harness.slack.command("who mlir bufferization --limit 50")
    share = next(b for b in _buttons(harness.reply()) if b["action_id"] == ACTION_SHARE)
    harness.slack.action({"action_id": ACTION_SHARE, "value": share["value"]})
    assert "Something went wrong" in harness.reply(2)["text"]
    harness.slack.action({"action_id": ACTION_SHARE, "value": share["value"]})
    assert "already shared" in harness.reply(3)["text"]
    assert len(harness.fake.of("chat.postMessage")) == 1


def test_more_button_shows_the_next_page(harness: Harness) -> None:
    harness.slack.command("who mlir bufferization")
    first = harness.reply()
    page_one = [b["block_id"] for b in first["blocks"] if "block_id" in b]
    more = [b for b in _buttons(first) if b["action_id"] == ACTION_MORE]
    if not more:  # fewer than a page of people: the button must not be offered
        shown = [b for b in page_one if b.startswith("person:")]
        assert len(shown) < 10
        return
    harness.slack.action({"action_id": ACTION_MORE, "value": more[0]["value"]})
    second = harness.reply(2)
    assert second["replace_original"] is True
    page_two = [b["block_id"] for b in second["blocks"] if "block_id" in b]
    assert not set(page_one) & {b for b in page_two if b.startswith("person:")}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "tell csf what to do"),
        ("   ", "tell csf what to do"),
        ("frobnicate the compiler", "csf has no command “frobnicate”"),
        ("who", "who needs an area"),
        ("who mlir --region mars", "--region 'mars': choose one of uk, eu, europe, us, other"),
        ("who mlir --limit 9999", "--limit takes a number"),
        ("profile not a login", "takes one GitHub login"),
        ("profile nobody-known", "knows no one as @nobody-known"),
        ("x" * 10_000, "csf reads at most 500"),
        ("who \u202e\x00mlir 🔥 '; DROP TABLE person; --", "MLIR"),
        ("who {{ 7*7 }} <!channel>", "&lt;!channel&gt;"),
        ("who {{ 7*7 }}", "No known ecosystem"),
        ("map", "map needs an area"),
        ("map mlir --limit 3", "map has no option"),
        ("map mlir --region mars", "--region 'mars': choose one of uk, eu, europe, us, other"),
    ],
)
def test_bad_input_gets_short_help_never_a_trace(
    harness: Harness, text: str, expected: str
) -> None:
    assert harness.slack.command(text).status_code == 200
    reply = harness.reply()
    shown = _all_text(reply)
    assert expected in shown
    assert reply["response_type"] == "ephemeral"
    assert "Traceback" not in shown
    assert "<!channel>" not in shown
    with harness.session() as session:
        assert session.exec(select(Person).where(Person.login == "nobody-known")).first() is None


def test_map_answers_where_the_areas_people_are_escaped(harness: Harness) -> None:
    with harness.session() as session:
        hal = session.get(Person, harness.people["hal-hostile"])
        assert hal is not None
        hal.company = "<!channel> Corp & <https://evil.example|github.com>"
        hal.country_code = "GB"
        session.commit()
    harness.slack.command("map mlir bufferization --region uk")
    reply = harness.reply()
    assert reply["response_type"] == "ephemeral"
    shown = _all_text(reply)
    assert "MLIR › Bufferization" in shown
    assert "*Countries*: United Kingdom" in shown
    assert "&lt;!channel&gt; Corp &amp; &lt;https://evil.example|github.com&gt;" in shown
    assert "<!channel>" not in shown
    with harness.session() as session:
        searches = session.exec(select(AuditEvent).where(AuditEvent.action == "search")).all()
    assert [(e.actor, e.target) for e in searches] == [
        ("U0SOURCER", "map mlir bufferization")
    ]  # the audit log shows who looked at the area's people
    everyone = harness.slack.command("map mlir bufferization")
    assert everyone.status_code == 200
    assert "*Companies*:" in _all_text(harness.reply(2))


def test_help_lists_every_command_with_an_example(harness: Harness) -> None:
    harness.slack.command("help")
    shown = _all_text(harness.reply())
    for command in (
        "who",
        "map",
        "profile",
        "outreach",
        "saved",
        "save",
        "digest",
        "track",
        "topics",
    ):
        assert f"/csf {command}" in shown
    assert "/csf who mlir bufferization --region uk" in shown


def test_a_failing_handler_answers_with_a_ref_that_is_logged(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    harness.ctx.ranking = {"broken": True}  # the ranking code will fail on this config
    with caplog.at_level(logging.ERROR, logger="csf.slack"):
        harness.slack.command("who mlir bufferization")
        shown = _all_text(harness.reply())
    match = re.search(r"Something went wrong \(ref ([0-9A-F]{6})\)", shown)
    assert match, shown
    logged = [r for r in caplog.records if match.group(1) in r.getMessage()]
    assert logged
    assert logged[0].exc_info is not None  # the traceback is in the log, not in Slack


# -- signatures ------------------------------------------------------------------------------


def test_bad_and_stale_signatures_are_rejected(harness: Harness) -> None:
    assert harness.slack.command("help", signature="v0=" + "0" * 64).status_code == 401
    harness.slack.clock_skew = -600
    assert harness.slack.command("help").status_code == 401
    assert harness.fake.of("response_url") == []


# -- save by reaction ------------------------------------------------------------------------


def _reaction(
    channel: str, ts: str, *, reaction: str = "bookmark", user: str = "U0SOURCER"
) -> dict[str, Any]:
    return {
        "type": "reaction_added",
        "user": user,
        "reaction": reaction,
        "item_user": "U0SOMEONE",
        "item": {"type": "message", "channel": channel, "ts": ts},
        "event_ts": "1790000001.000100",
    }


def test_reacting_to_a_csf_message_saves_its_person_without_fetching_it(harness: Harness) -> None:
    ada = harness.people["ada-owner"]
    harness.posted_by_csf("C0DIGEST", "1790000000.000500", ada)
    assert (
        harness.slack.event(_reaction("C0DIGEST", "1790000000.000500"), event_id="Ev1").status_code
        == 200
    )
    confirm = harness.fake.wait_for("chat.postEphemeral")[0].params
    assert confirm["user"] == "U0SOURCER"
    assert "Saved *Ada Owner*" in confirm["text"]
    harness.fake.wait_for("views.publish")
    assert harness.fake.of("conversations.history") == []
    [candidate] = harness.candidates()
    assert (candidate.person_id, candidate.saved_by, candidate.source) == (
        ada,
        "U0SOURCER",
        "reaction",
    )
    assert (
        candidate.source_ref == "https://fictional.slack.test/archives/C0DIGEST/p1790000000000500"
    )


def test_reacting_to_a_message_with_a_pr_link_saves_its_author(harness: Harness) -> None:
    number = _pr_number(harness, "eve-specialist")  # one of her merged PRs in the world
    ts = harness.fake.post_message(
        "C0TALENT",
        {
            "user": "U0COLLEAGUE",
            "text": f"nice work <https://github.com/llvm/llvm-project/pull/{number}|here>",
        },
    )
    harness.slack.event(_reaction("C0TALENT", ts), event_id="Ev2")
    confirm = harness.fake.wait_for("chat.postEphemeral")[0].params
    assert "Eve Specialist" in confirm["text"]
    assert len(harness.fake.of("conversations.history")) == 1
    [candidate] = harness.candidates()
    assert candidate.person_id == harness.people["eve-specialist"]


def _pr_number(harness: Harness, login: str) -> int:
    from bot.store.models import Contribution

    with harness.session() as session:
        external = session.exec(
            select(Contribution.external_id).where(
                Contribution.person_id == harness.people[login], Contribution.kind == "pr"
            )
        ).first()
        assert external is not None
        return int(external)


def test_a_profile_link_saves_a_person_csf_has_not_seen_yet(harness: Harness) -> None:
    ts = harness.fake.post_message(
        "C0TALENT", {"user": "U0COLLEAGUE", "text": "<https://github.com/ivy-unseen>"}
    )
    harness.slack.event(_reaction("C0TALENT", ts), event_id="Ev3")
    harness.fake.wait_for("chat.postEphemeral")
    with harness.session() as session:
        person = session.exec(select(Person).where(Person.login == "ivy-unseen")).one()
    assert [c.person_id for c in harness.candidates()] == [person.id]


def test_saving_twice_and_retried_deliveries_keep_one_entry(harness: Harness) -> None:
    ada = harness.people["ada-owner"]
    harness.posted_by_csf("C0D", "1.000001", ada)
    harness.slack.event(_reaction("C0D", "1.000001"), event_id="EvA")
    harness.fake.wait_for("chat.postEphemeral", 1)
    for retry in (1, 2):  # Slack redelivers the same event id
        assert (
            harness.slack.event(
                _reaction("C0D", "1.000001"), event_id="EvA", retry=retry
            ).status_code
            == 200
        )
    harness.slack.event(_reaction("C0D", "1.000001", user="U0OTHER"), event_id="EvB")
    confirms = harness.fake.wait_for("chat.postEphemeral", 2)
    assert "already on the shortlist" in confirms[1].params["text"]
    harness.slack.command("help")  # a request after the retries, to be sure they were handled
    harness.reply()
    assert len(harness.fake.of("chat.postEphemeral")) == 2
    assert len(harness.candidates()) == 1


def test_other_emoji_and_messages_without_a_person(harness: Harness) -> None:
    ts = harness.fake.post_message("C0TALENT", {"user": "U0COLLEAGUE", "text": "lunch?"})
    harness.slack.event(_reaction("C0TALENT", ts, reaction="tada"), event_id="EvT")
    harness.slack.event(_reaction("C0TALENT", ts), event_id="EvL")
    hint = harness.fake.wait_for("chat.postEphemeral")[0].params
    assert "found no one to save" in hint["text"]
    assert harness.candidates() == []


def test_slack_rate_limits_are_waited_out(harness: Harness) -> None:
    ada = harness.people["ada-owner"]
    harness.posted_by_csf("C0D", "2.000001", ada)
    harness.fake.fail_next("chat.postEphemeral", 429, headers={"Retry-After": "1"})
    harness.slack.event(_reaction("C0D", "2.000001"), event_id="EvR")
    calls = harness.fake.wait_for("chat.postEphemeral", 2)
    assert "Saved" in calls[1].params["text"]
    assert len(harness.candidates()) == 1


# -- buttons, App Home, notes ----------------------------------------------------------------


def test_buttons_save_reject_and_show_a_profile(harness: Harness) -> None:
    ada, bo = harness.people["ada-owner"], harness.people["bo-reviewer"]
    harness.slack.action({"action_id": ACTION_SAVE, "value": str(ada)})
    assert "Saved *Ada Owner*" in harness.reply()["text"]
    harness.slack.action({"action_id": ACTION_NOT_A_FIT, "value": str(bo)})
    assert "not a fit" in harness.reply(2)["text"]
    harness.slack.action({"action_id": ACTION_PROFILE, "value": str(ada)})
    profile = _all_text(harness.reply(3))
    assert "Ada Owner" in profile
    assert "mlir.bufferization" in profile
    statuses = {c.person_id: c.status for c in harness.candidates()}
    assert statuses == {ada: "saved", bo: "not_a_fit"}
    home = harness.fake.wait_for("views.publish", 2)[-1].params
    assert home["user_id"] == "U0SOURCER"
    assert "Not a fit" in _all_text(home["view"])


def test_app_home_shows_the_pipeline_and_changes_status_and_notes(harness: Harness) -> None:
    ada = harness.people["ada-owner"]
    harness.slack.command("save ada-owner")
    assert "Saved" in harness.reply()["text"]
    harness.slack.event(
        {"type": "app_home_opened", "user": "U0LEAD", "tab": "home", "channel": "D0LEAD"},
        event_id="EvH",
    )
    home = harness.fake.wait_for("views.publish")[-1].params
    assert home["user_id"] == "U0LEAD"
    view = home["view"]
    assert view["type"] == "home"
    shown = _all_text(view)
    assert "*Saved* (1)" in shown
    assert "saved by <@U0SOURCER>" in shown
    home_view = {"id": "V0FICTION", "type": "home"}
    harness.slack.action(
        {
            "action_id": ACTION_STATUS,
            "type": "static_select",
            "selected_option": {"value": f"{ada}:contacted"},
        },
        channel=None,
        response_url=False,
        view=home_view,
    )
    home = harness.fake.wait_for("views.publish", 2)[-1].params
    assert "*Contacted* (1)" in _all_text(home["view"])
    harness.slack.action(
        {"action_id": ACTION_NOTE, "value": str(ada)},
        channel=None,
        response_url=False,
        view=home_view,
    )
    modal = harness.fake.wait_for("views.open")[0].params["view"]
    assert modal["callback_id"] == NOTE_MODAL
    modal["state"] = {
        "values": {
            NOTE_BLOCK: {
                NOTE_INPUT: {"type": "plain_text_input", "value": "Met at the <!here> dev meeting"}
            }
        }
    }
    assert harness.slack.view_submission(modal).status_code == 200
    home = harness.fake.wait_for("views.publish", 3)[-1].params
    assert "Met at the &lt;!here&gt; dev meeting" in _all_text(home["view"])
    with harness.session() as session:
        [note] = session.exec(select(CandidateNote)).all()
        assert note.author == "U0SOURCER"
    assert [c.status for c in harness.candidates()] == ["contacted"]


def test_an_empty_note_is_refused_in_the_modal(harness: Harness) -> None:
    view = {
        "callback_id": NOTE_MODAL,
        "private_metadata": str(harness.people["ada-owner"]),
        "type": "modal",
        "state": {"values": {NOTE_BLOCK: {NOTE_INPUT: {"value": "   "}}}},
    }
    response = harness.slack.view_submission(view)
    assert response.status_code == 200
    assert response.json()["response_action"] == "errors"
    assert harness.candidates() == []


# -- access --------------------------------------------------------------------------------


@pytest.mark.parametrize("harness", [{"CSF_ALLOWED_USERS": "U0LEAD"}], indirect=True)
def test_people_outside_the_allowlist_get_a_polite_refusal(harness: Harness) -> None:
    harness.slack.command("save ada-owner", user="U0STRANGER")
    assert "limited to some people" in harness.reply()["text"]
    harness.slack.command("save ada-owner", user="U0LEAD")
    assert "Saved" in harness.reply(2)["text"]
    assert [c.saved_by for c in harness.candidates()] == ["U0LEAD"]


@pytest.mark.parametrize("harness", [{"CSF_ALLOWED_USERS": "U0LEAD,S0HIRING"}], indirect=True)
def test_members_of_an_allowed_user_group_may_use_csf(harness: Harness) -> None:
    harness.fake.usergroups["S0HIRING"] = ["U0SOURCER", "U0RECRUIT"]
    harness.slack.command("help", user="U0RECRUIT")
    assert "csf commands" in harness.reply()["text"]
    harness.slack.command("help", user="U0STRANGER")
    assert "limited to some people" in harness.reply(2)["text"]
    harness.slack.command("help", user="U0LEAD")  # named on their own: no group needed
    assert "csf commands" in harness.reply(3)["text"]
    lookups = harness.fake.of("usergroups.users.list")
    assert [c.params["usergroup"] for c in lookups] == ["S0HIRING"]  # read once, then kept


@pytest.mark.parametrize("harness", [{"CSF_ALLOWED_USERS": "S0DELETED"}], indirect=True)
def test_a_group_slack_no_longer_has_lets_nobody_in(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="csf.app"):
        harness.slack.command("help", user="U0SOURCER")
        assert "limited to some people" in harness.reply()["text"]
    assert any("no_such_subteam" in r.getMessage() for r in caplog.records)
    harness.slack.command("help", user="U0SOURCER")
    assert "limited to some people" in harness.reply(2)["text"]
    assert len(harness.fake.of("usergroups.users.list")) == 1  # a definite answer, kept


@pytest.mark.parametrize("harness", [{"CSF_ALLOWED_CHANNELS": "C0TALENT"}], indirect=True)
def test_channels_outside_the_allowlist_are_refused(harness: Harness) -> None:
    harness.slack.command("help", channel="C0RANDOM")
    assert "limited to some people" in harness.reply()["text"]
    harness.slack.command("help", channel="C0TALENT")
    assert "csf commands" in harness.reply(2)["text"]


# -- answers after the ack --------------------------------------------------------------------


def test_acks_never_wait_for_answers_and_a_full_queue_says_so(harness: Harness) -> None:
    harness.ctx.tasks = TaskQueue(workers=1, max_waiting=1)
    release = threading.Event()
    harness.ctx.tasks.submit(lambda: release.wait(15), busy=lambda: None)  # a slow answer
    try:
        first = harness.slack.command("who mlir bufferization")
        assert first.status_code == 200
        assert first.text == ""
        assert harness.fake.of("response_url") == []  # its answer waits its turn
        harness.slack.command("help")  # no room left: told so at once, not minutes later
        busy = harness.reply()
        assert "too many questions" in busy["text"]
        assert busy["response_type"] == "ephemeral"
        harness.slack.action({"action_id": ACTION_PROFILE, "value": "1"})  # buttons too
        assert "too many questions" in harness.reply(2)["text"]
    finally:
        release.set()
    answer = harness.reply(3)  # the queued question is answered, in full, once it is its turn
    assert any("Ada Owner" in text for text in texts(answer))


# -- csf run, as deployed ----------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    """The live child processes of `pid` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def test_csf_run_serves_slack_over_http_under_gunicorn(tmp_path: Path) -> None:
    store = tmp_path / "csf.db"
    env = {
        **os.environ,
        "CSF_DATABASE_URL": f"sqlite:///{store}",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_APP_TOKEN": "",
        "CSF_LOG_LEVEL": "WARNING",
        "CSF_WEB_PROCESSES": "2",
    }
    subprocess.run([sys.executable, "-m", "cli", "migrate"], env=env, check=True, cwd=tmp_path)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with FakeSlack() as fake:
        env |= {
            "SLACK_BOT_TOKEN": "xoxb-fictional-run",
            "SLACK_API_URL": fake.url,
            "PORT": str(port),
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "cli", "run"], env=env, cwd=tmp_path, stderr=subprocess.PIPE
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(300):
                try:
                    if httpx.get(base + "/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            else:
                pytest.fail("csf run did not start")
            slack = SlackClient(base, SECRET, fake)
            assert slack.command("help").status_code == 200
            assert "csf commands" in fake.wait_for("response_url")[0].params["text"]
            # Two worker processes (CSF_WEB_PROCESSES), each with its own connections: every
            # question that reads the store is answered, whichever process took it.
            for _ in range(100):  # the second may still be forking when the first answers
                if len(_children(process.pid)) == 2:
                    break
                time.sleep(0.1)
            assert len(_children(process.pid)) == 2
            for _ in range(8):
                assert slack.command("saved").status_code == 200
            answers = fake.wait_for("response_url", 9)[1:]
            assert all("no one yet" in a.params["text"] for a in answers), answers
            assert slack.command("help", signature="v0=bad").status_code == 401
            assert httpx.get(base + "/anything-else").status_code == 404
            # Stopped right after acking 20 more: the questions it holds are still answered.
            with ThreadPoolExecutor(4) as pool:
                acks = list(pool.map(lambda _: slack.command("who mlir").status_code, range(20)))
            assert acks == [200] * 20
        finally:
            process.terminate()
            _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr.decode()[-2000:]
    assert b"Traceback" not in stderr
    assert len(fake.of("response_url")) == 9 + 20


# -- erasure -------------------------------------------------------------------------------


@pytest.mark.parametrize("harness", [{"CSF_ADMIN_USERS": "U0ADMIN"}], indirect=True)
def test_forget_is_for_admins_confirmed_and_final(harness: Harness) -> None:
    eve = harness.people["eve-specialist"]
    harness.slack.command("forget eve-specialist", user="U0SOURCER")
    assert "Only csf admins" in harness.reply()["text"]
    harness.slack.command("forget eve-specialist", user="U0ADMIN")
    confirm = harness.reply(2)
    [erase] = _buttons(confirm)
    assert erase["style"] == "danger"
    assert erase["confirm"]["confirm"]["text"] == "Erase"
    with harness.session() as session:
        assert session.get(Person, eve) is not None  # nothing is deleted before the click
    harness.slack.action(
        {"action_id": erase["action_id"], "value": erase["value"]}, user="U0SOURCER"
    )
    assert "Only csf admins" in harness.reply(3)["text"]
    harness.slack.action({"action_id": erase["action_id"], "value": erase["value"]}, user="U0ADMIN")
    done = harness.reply(4)
    assert done["replace_original"] is True
    assert "Erased @eve-specialist" in done["text"]
    with harness.session() as session:
        assert session.get(Person, eve) is None
    ts = harness.fake.post_message(
        "C0TALENT", {"user": "U0COLLEAGUE", "text": "<https://github.com/eve-specialist>"}
    )
    harness.slack.event(_reaction("C0TALENT", ts), event_id="EvF")
    assert "asked to be forgotten" in harness.fake.wait_for("chat.postEphemeral")[0].params["text"]
    assert harness.candidates() == []
    # A Save button on an older card of the erased person says they are gone: no crash.
    harness.slack.action({"action_id": ACTION_SAVE, "value": str(eve)})
    gone = harness.reply(5)["text"]
    assert "no longer holds this person" in gone
    assert "Something went wrong" not in gone
    assert harness.candidates() == []


# -- outreach ------------------------------------------------------------------------------

EXAMPLE_COMPANY = str(
    Path(__file__).resolve().parents[2] / "bot" / "outreach" / "example_company.yml"
)


def test_outreach_without_a_company_profile_says_what_to_set(harness: Harness) -> None:
    harness.slack.command("outreach ada-owner")
    shown = _all_text(harness.reply())
    assert "CSF_COMPANY_PROFILE is not set" in shown
    assert "Traceback" not in shown


@pytest.mark.parametrize("harness", [{"CSF_COMPANY_PROFILE": EXAMPLE_COMPANY}], indirect=True)
def test_outreach_cites_their_work_offers_angles_and_marks_contacted(harness: Harness) -> None:
    ada = harness.people["ada-owner"]
    harness.slack.action({"action_id": "csf_outreach", "value": str(ada)})
    draft = harness.reply()
    shown = _all_text(draft)
    assert "https://github.com/llvm/llvm-project/pull/" in shown  # her own PRs, linked
    assert "Ada" in shown
    buttons = {b["action_id"]: b for b in _buttons(draft)}
    assert "csf_mark_contacted" in buttons
    # she has merged PRs and reviews: there is another angle to take
    harness.slack.action(
        {"action_id": "csf_outreach_angle", "value": buttons["csf_outreach_angle"]["value"]}
    )
    other = harness.reply(2)
    assert other["replace_original"] is True
    assert _all_text(other) != shown
    harness.slack.action({"action_id": "csf_mark_contacted", "value": str(ada)})
    assert "Moved *Ada Owner* to Contacted" in harness.reply(3)["text"]
    assert [(c.person_id, c.status) for c in harness.candidates()] == [(ada, "contacted")]


def test_profiles_show_role_fit(harness: Harness) -> None:
    harness.slack.command("profile ada-owner")
    shown = _all_text(harness.reply())
    assert "Staff Compiler Engineer" in shown
    assert "Ada Owner" in shown
    with harness.session() as session:
        searches = session.exec(select(AuditEvent).where(AuditEvent.action == "search")).all()
    assert [(e.actor, e.target) for e in searches] == [("U0SOURCER", "profile ada-owner")]


def test_digest_preview_is_only_to_the_asker_and_matches_the_digest(harness: Harness) -> None:
    from datetime import timedelta

    from bot.reports.digest import compute_digest, period_ending

    harness.slack.command("digest")
    reply = harness.reply()
    shown = _all_text(reply)
    assert reply["response_type"] == "ephemeral"
    assert "Preview, only to you" in shown
    assert "Newly active compiler engineers" in shown
    assert harness.fake.of("chat.postMessage") == []  # nothing posted to any channel
    tz = harness.ctx.settings.tz
    period = period_ending(AS_OF.astimezone(tz).date() + timedelta(days=1), tz)
    with harness.session() as session:
        expected = compute_digest(
            session,
            harness.ctx.taxonomy,
            config=harness.ctx.ranking,
            team_id=harness.fake.team_id,
            period=period,
        )
    shown_people = [
        int(b["block_id"].split(":")[1])
        for b in reply["blocks"]
        if str(b.get("block_id", "")).startswith("person:")
    ]
    assert shown_people == [e.person_id for e in expected.entries]
    assert harness.people["nia-newcomer"] in shown_people


def test_the_fallback_text_of_an_empty_answer_shows_the_query_and_sends_no_markup(
    harness: Harness,
) -> None:
    harness.slack.command("who <!everyone> <@U0NOBODY> <https://evil.example|qwzxv>")
    reply = harness.reply()
    assert "no one found" in reply["text"]
    for text in [reply["text"], *texts(reply)]:
        for live in ("<!everyone>", "<@U0NOBODY>", "<https://evil.example"):
            assert live not in text
    assert "&lt;!everyone&gt;" in reply["text"]


def test_app_home_shows_every_stage_and_a_long_stage_pages_to_its_end(harness: Harness) -> None:
    with harness.session() as session:
        ids = []
        for n in range(60):
            person = Person(name=f"Fictional Sixty {n:02d}", login=f"fictional-sixty-{n:02d}")
            session.add(person)
            session.flush()
            assert person.id is not None
            ids.append(person.id)
            save(session, harness.fake.team_id, person.id, saved_by="U0SOURCER", source="test")
        for person_id, status in ((ids[0], CandidateStatus.CONTACTED), (ids[1], "interviewing")):
            candidate = find_candidate(session, harness.fake.team_id, person_id)
            assert candidate is not None
            set_status(session, candidate, CandidateStatus(status), actor="U0SOURCER")
        session.commit()
    harness.slack.event(
        {"type": "app_home_opened", "user": "U0LEAD", "tab": "home", "channel": "D0LEAD"},
        event_id="EvSixty",
    )
    view = harness.fake.wait_for("views.publish")[-1].params["view"]
    assert len(view["blocks"]) <= 100
    shown = _all_text(view)
    # Sixty saved never push the later stages off the page.
    for stage in ("*Saved* (58)", "*Contacted* (1)", "*Interviewing* (1)"):
        assert stage in shown
    assert "Fictional Sixty 00" in shown
    assert "Fictional Sixty 01" in shown
    assert "more: `/csf saved saved`" in shown
    # ... and the long stage can be read in full, a page at a time.
    harness.slack.command("saved saved")
    seen: list[int] = []
    page = harness.reply()
    for index in range(2, 10):
        seen += [
            int(b["block_id"].split(":")[1])
            for b in page["blocks"]
            if b.get("block_id", "").startswith("person:")
        ]
        more = [b for b in _buttons(page) if b["action_id"] == ACTION_SAVED_MORE]
        if not more:
            break
        harness.slack.action({"action_id": ACTION_SAVED_MORE, "value": more[0]["value"]})
        page = harness.reply(index)
        assert page["replace_original"] is True
    assert sorted(seen) == sorted(ids[2:])


def test_a_reaction_while_the_store_is_locked_is_saved_once_the_lock_goes(
    tmp_path: Path,
) -> None:
    """SQLite only: another process holds the write lock longer than csf's busy timeout."""
    path = tmp_path / "locked.db"
    engine = make_engine(f"sqlite:///{path}?timeout=0.2")
    upgrade(engine)
    people = _world(engine)
    ada = people["ada-owner"]
    with Session(engine) as session:
        record_posted(
            session,
            team_id="T0FICTION",
            channel="C0D",
            ts="3.000001",
            kind="digest_entry",
            person_ids=[ada],
        )
        session.commit()
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # the write lock, as a long ingest batch holds it
    with FakeSlack() as fake:
        slack, _ctx = _start(engine, fake, {})
        try:
            slack.event(_reaction("C0D", "3.000001"), event_id="EvLocked")
            time.sleep(1.5)  # several busy timeouts go by while the lock is held
            blocker.execute("ROLLBACK")
            reply = fake.wait_for("chat.postEphemeral")[0].params["text"]
            assert "Saved *Ada Owner*" in reply
            with Session(engine) as session:
                assert [c.person_id for c in session.exec(select(Candidate))] == [ada]
        finally:
            blocker.close()
            slack._server.shutdown()  # type: ignore[attr-defined]
            slack._server.server_close()  # type: ignore[attr-defined]
            engine.dispose()


def _shown_people(message: dict[str, Any]) -> list[int]:
    return [
        int(b["block_id"].split(":")[1])
        for b in message["blocks"]
        if b.get("block_id", "").startswith("person:")
    ]


def test_who_active_and_as_of_work_in_slack_and_survive_the_more_button(
    harness: Harness,
) -> None:
    fay, gus = harness.people["fay-oldtimer"], harness.people["gus-newcomer"]
    harness.slack.command("who mlir bufferization")
    assert _shown_people(harness.reply())[0] == fay  # who built it, by default
    harness.slack.command("who mlir --active bufferization")
    active = harness.reply(2)
    assert fay not in _shown_people(active)  # nothing in the last year
    assert gus in _shown_people(active)
    # The buttons carry the options: the shared copy ranks by activity too.
    share = next(b for b in _buttons(active) if b["action_id"] == ACTION_SHARE)
    assert "--active" in share["value"]
    harness.slack.action({"action_id": ACTION_SHARE, "value": share["value"]})
    shared = harness.fake.wait_for("chat.postMessage")[0].params
    assert _shown_people(shared) == _shown_people(active)
    harness.slack.command("who mlir bufferization --as-of 2025-11-13")
    past = harness.reply(3)
    assert "to 2025-11-13" in _all_text(past)
    assert gus not in _shown_people(past)  # his work came later
    assert _shown_people(past)[0] == fay
    harness.slack.command("who mlir bufferization --as-of banana")
    refused = harness.reply(4)["text"]
    assert "--as-of 'banana' is not a date: write YYYY-MM-DD" in refused


def test_a_profile_from_the_app_home_opens_at_once_and_fills_in_when_the_queue_reaches_it(
    harness: Harness,
) -> None:
    ada = harness.people["ada-owner"]
    # Every answer thread is busy (a burst of questions ahead of this click) for longer than
    # a trigger id lives.
    release = threading.Event()
    for _ in range(harness.ctx.tasks.workers):
        harness.ctx.tasks.submit(lambda: release.wait(10), busy=lambda: None)
    home_view = {"id": "V0FICTION", "type": "home"}
    harness.slack.action(
        {"action_id": ACTION_PROFILE, "value": str(ada)},
        channel=None,
        response_url=False,
        view=home_view,
    )
    opened = harness.fake.wait_for("views.open")[0].params
    assert "Working on the profile" in _all_text(opened["view"])
    time.sleep(3.5)  # the trigger has expired by now
    release.set()
    filled = harness.fake.wait_for("views.update")[0].params
    assert filled["view_id"] == "V0FICTION"
    assert "Ada Owner" in _all_text(filled["view"])
    assert len(harness.fake.of("views.open")) == 1  # no second, expired, attempt


def _note_view(person_id: int | str, text: str, view_id: str = "V0NOTE1") -> dict[str, Any]:
    return {
        "id": view_id,
        "type": "modal",
        "callback_id": NOTE_MODAL,
        "private_metadata": str(person_id),
        "state": {
            "values": {NOTE_BLOCK: {NOTE_INPUT: {"type": "plain_text_input", "value": text}}}
        },
    }


@pytest.mark.parametrize("harness", [{"CSF_ALLOWED_USERS": "U0SOURCER"}], indirect=True)
def test_a_note_is_checked_in_the_ack_and_stored_once_per_modal(harness: Harness) -> None:
    ada = harness.people["ada-owner"]

    def refused(view: dict[str, Any], user: str = "U0SOURCER") -> str:
        answer = harness.slack.view_submission(view, user=user)
        assert answer.status_code == 200
        body = answer.json()
        assert body["response_action"] == "errors"
        return str(body["errors"][NOTE_BLOCK])

    assert "at most 3,000 characters; this one has 3,001" in refused(_note_view(ada, "n" * 3001))
    assert "older csf" in refused(_note_view("ada-owner", "hello"))
    assert "older csf" in refused(_note_view(-4, "hello"))
    assert "limited to some people" in refused(_note_view(ada, "hello"), user="U0STRANGER")
    # A double submit of one modal (Slack sends the same view id) stores one note.
    for _ in range(2):
        answer = harness.slack.view_submission(_note_view(ada, "Met at a meetup"))
        assert answer.status_code == 200
    harness.fake.wait_for("views.publish")
    time.sleep(0.5)  # the second submission, if it stored anything, has done so by now
    with harness.session() as session:
        notes = session.exec(select(CandidateNote)).all()
    assert [n.text for n in notes] == ["Met at a meetup"]
    # Another modal is another note.
    harness.slack.view_submission(_note_view(ada, "Replied", view_id="V0NOTE2"))
    harness.fake.wait_for("views.publish", 2)
    with harness.session() as session:
        assert len(session.exec(select(CandidateNote)).all()) == 2


def _signed(harness: Harness, body: bytes, content_type: str, **headers: str) -> httpx.Response:
    timestamp = headers.pop("timestamp", str(int(time.time())))
    signature = SignatureVerifier(SECRET).generate_signature(
        timestamp=timestamp, body=body.decode("utf-8", "replace")
    )
    return httpx.post(
        harness.slack.base_url + "/slack/events",
        content=body,
        headers={
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": signature,
            **headers,
        },
        timeout=30,
    )


def test_the_http_edge_answers_what_each_bad_request_is(harness: Harness) -> None:
    form = "application/x-www-form-urlencoded"
    huge = b"text=" + b"a" * (20 << 20)
    assert _signed(harness, huge, form).status_code == 413  # signed, but 20 MB
    unsigned = httpx.post(
        harness.slack.base_url + "/slack/events",
        content=huge,
        headers={"Content-Type": form},
        timeout=30,
    )
    assert unsigned.status_code == 413
    assert _signed(harness, b"{not json", "application/json").status_code == 400
    assert _signed(harness, b"[1, 2]", "application/json").status_code == 400
    assert _signed(harness, b"payload=%7Bnot-json", form).status_code == 400
    stamp = _signed(harness, b"command=%2Fcsf&text=help", form, timestamp="soon")
    assert stamp.status_code == 401
    assert harness.slack.command("help", signature="v0=bad").status_code == 401
    # An event type csf does not act on is acknowledged, so Slack does not retry it.
    other = harness.slack.event({"type": "member_joined_channel", "user": "U0X"}, event_id="EvO")
    assert other.status_code == 200
    # And good requests still go through.
    assert harness.slack.command("help").status_code == 200


def test_reactions_answer_in_their_thread_and_say_what_to_do_when_csf_cannot_read(
    harness: Harness,
) -> None:
    ada, bo = harness.people["ada-owner"], harness.people["bo-reviewer"]
    # A digest entry is a reply in the header's thread: the confirmation goes there.
    harness.posted_by_csf("C0D", "5.000002", ada, thread_ts="5.000001")
    harness.slack.event(_reaction("C0D", "5.000002"), event_id="EvT1")
    first = harness.fake.wait_for("chat.postEphemeral")[0].params
    assert "Saved *Ada Owner*" in first["text"]
    assert first["thread_ts"] == "5.000001"
    # A colleague's reply in a thread, found through conversations.replies by its own ts.
    parent = harness.fake.post_message("C0TALENT", {"user": "U0COLLEAGUE", "text": "Who?"})
    reply_ts = harness.fake.post_message(
        "C0TALENT",
        {"user": "U0COLLEAGUE", "text": "<https://github.com/bo-reviewer>", "thread_ts": parent},
    )
    # A skin-tone variant of the save emoji is the save emoji.
    harness.slack.event(
        _reaction("C0TALENT", reply_ts, reaction="bookmark::skin-tone-4"), event_id="EvT2"
    )
    second = harness.fake.wait_for("chat.postEphemeral", 2)[1].params
    assert "Saved *Bo Reviewer*" in second["text"]
    assert second["thread_ts"] == parent
    assert {c.person_id for c in harness.candidates()} == {ada, bo}
    # Where Slack will not let csf read, it says what to do.
    harness.fake.fail_next("conversations.history", error="not_in_channel")
    harness.slack.event(_reaction("C0ELSEWHERE", "6.000001"), event_id="EvT3")
    third = harness.fake.wait_for("chat.postEphemeral", 3)[2].params["text"]
    assert "/invite @csf" in third
    harness.fake.fail_next("conversations.history", error="missing_scope")
    harness.slack.event(_reaction("C0ELSEWHERE", "6.000002"), event_id="EvT4")
    fourth = harness.fake.wait_for("chat.postEphemeral", 4)[3].params["text"]
    assert "channels:history" in fourth


def test_a_bookmark_on_a_message_about_no_one_is_explained_once_then_left_alone(
    harness: Harness,
) -> None:
    for n in range(2):
        ts = harness.fake.post_message("C0TALENT", {"user": "U0COLLEAGUE", "text": f"lunch {n}"})
        harness.slack.event(_reaction("C0TALENT", ts), event_id=f"EvL{n}")
    hint = harness.fake.wait_for("chat.postEphemeral")[0].params["text"]
    assert "found no one to save" in hint
    time.sleep(1.0)  # the second reaction has been handled by now
    assert len(harness.fake.of("chat.postEphemeral")) == 1
    assert harness.candidates() == []


def test_someone_known_from_git_alone_is_shown_by_number_and_profiled_by_it(
    harness: Harness,
) -> None:
    from bot.store.identity import email_key
    from bot.store.writes import resolve_person
    from tests.support.ranking_world import World

    with harness.session() as session:
        world = World(session)
        gita = resolve_person(session, [email_key("gita@kernel.example")])
        gita.name = "Gita Gitonly"
        assert gita.id is not None
        gita_id = gita.id
        world.people["gita-gitonly"] = gita_id
        world.merged("gita-gitonly", 12, 200, every=5)
        world.save()
    harness.slack.command("who mlir bufferization --limit 50 --as-of 2026-06-01")
    # No login to link: the number `/csf profile` takes stands in its place.
    card = next(t for t in texts(harness.reply()) if "*Gita Gitonly*" in t)
    assert f"*Gita Gitonly* · #{gita_id} · " in card
    harness.slack.command(f"profile #{gita_id}")
    assert "Gita Gitonly" in _all_text(harness.reply(2))
    harness.slack.command("profile #999999")
    assert "csf knows no one as #999999" in _all_text(harness.reply(3))


def test_map_sends_its_picture_to_the_askers_messages_and_says_so(harness: Harness) -> None:
    """A file cannot be ephemeral: the text answer goes only to the asker, and the picture to
    their direct messages with csf, uploaded the way files_upload_v2 does (an upload URL, the
    bytes, then the completion naming the DM). A refused upload is one line; the text stands."""
    from io import BytesIO

    from matplotlib.image import imread

    harness.slack.command("map mlir bufferization")
    shown = _all_text(harness.reply())
    assert "A picture of this map follows in your messages with csf." in shown
    complete = harness.fake.wait_for("files.completeUploadExternal")[0].params
    opened = harness.fake.of("conversations.open")[0].params
    assert opened["users"] == "U0SOURCER"
    assert complete["channel_id"] == "D0U0SOURCE"
    [entry] = complete["files"]
    assert entry["title"].startswith("MLIR › Bufferization: ")
    asked = harness.fake.of("files.getUploadURLExternal")[0].params
    assert asked["filename"] == "csf-map.png"
    picture = harness.fake.uploads[entry["id"]]
    assert int(asked["length"]) == len(picture)
    height, width, _ = imread(BytesIO(picture)).shape
    assert (width, height) == (1500, 700)
    harness.fake.fail_next("files.getUploadURLExternal", error="missing_scope")
    harness.slack.command("map mlir bufferization")
    assert "The map's picture could not be sent (missing_scope)" in _all_text(harness.reply(3))


def test_share_posts_the_map_and_its_picture_in_the_channel_once(harness: Harness) -> None:
    """The map goes to the asker alone until they click Share: then its text is posted in the
    channel, saying who shared it, and the picture follows in that message's thread. A double
    click posts once; a button whose line was tampered with is read like typed text."""
    with harness.session() as session:
        hal = session.get(Person, harness.people["hal-hostile"])
        assert hal is not None
        hal.country_code, hal.region, hal.region_level = "GB", "uk", "stated"
        session.commit()
    harness.slack.command("map mlir bufferization --stated --region europe")
    [share] = [b for b in _buttons(harness.reply()) if b["action_id"] == ACTION_SHARE_MAP]
    assert share["value"] == "map mlir bufferization --region europe --stated"
    harness.slack.action({"action_id": ACTION_SHARE_MAP, "value": share["value"]})
    posted = harness.fake.wait_for("chat.postMessage")[0]
    assert posted.params["channel"] == "C0TALENT"
    assert posted.params["text"].startswith("<@U0SOURCER> shared: csf map: MLIR › Bufferization")
    shown = _all_text(posted.params)
    assert "*Countries*: United Kingdom 1" in shown  # only the stated one, as asked
    assert "follows in your messages" not in shown
    assert ACTION_SHARE_MAP not in {b["action_id"] for b in _buttons(posted.params)}
    complete = harness.fake.wait_for("files.completeUploadExternal", 2)[-1].params
    assert complete["channel_id"] == "C0TALENT"
    assert complete["thread_ts"] == harness.fake.history["C0TALENT"][-1]["ts"]
    [entry] = complete["files"]
    assert harness.fake.uploads[entry["id"]].startswith(b"\x89PNG")
    harness.slack.action({"action_id": ACTION_SHARE_MAP, "value": share["value"]})
    assert "This map is already shared in the channel." in _all_text(harness.reply(2))
    assert len(harness.fake.of("chat.postMessage")) == 1
    harness.slack.action({"action_id": ACTION_SHARE_MAP, "value": "map mlir --region mars"})
    assert "--region 'mars': choose one of" in _all_text(harness.reply(3))
    assert len(harness.fake.of("chat.postMessage")) == 1


def test_sharing_a_map_is_not_a_new_search_and_keeps_a_quoted_word_a_word(
    harness: Harness,
) -> None:
    """The audit log counts searches: the asker's map is one; showing it to the channel is not
    another. A word typed in quotes that reads like a flag ("--stated") stays a word in the
    shared map, as the asker saw it."""
    harness.slack.command('map mlir bufferization "--stated"')
    asked = harness.reply()
    [share] = [b for b in _buttons(asked) if b["action_id"] == ACTION_SHARE_MAP]
    assert share["value"] == 'map mlir bufferization "--stated"'
    harness.slack.action({"action_id": ACTION_SHARE_MAP, "value": share["value"]})
    posted = harness.fake.wait_for("chat.postMessage")[0].params
    assert posted["text"] == f"<@U0SOURCER> shared: {asked['text']}"
    harness.fake.wait_for("files.completeUploadExternal", 2)  # the share's work is done
    with harness.session() as session:
        searches = session.exec(select(AuditEvent).where(AuditEvent.action == "search")).all()
    assert [(e.actor, e.target) for e in searches] == [
        ("U0SOURCER", "map mlir bufferization --stated")
    ]


def test_a_shared_map_where_csf_is_not_a_member_posts_its_text_and_says_why_no_picture(
    harness: Harness,
) -> None:
    harness.slack.command("map mlir bufferization")
    [share] = [b for b in _buttons(harness.reply()) if b["action_id"] == ACTION_SHARE_MAP]
    harness.fake.wait_for("files.completeUploadExternal")  # the asker's own copy, in their DM
    harness.fake.fail_next("chat.postMessage", error="not_in_channel")
    harness.slack.action({"action_id": ACTION_SHARE_MAP, "value": share["value"]})
    in_channel = harness.reply(2)
    assert in_channel["response_type"] == "in_channel"
    assert in_channel["text"].startswith("<@U0SOURCER> shared: csf map:")
    assert "could not be shared (csf is not in this channel); its numbers are" in _all_text(
        harness.reply(3)
    )
    assert len(harness.fake.of("files.completeUploadExternal")) == 1


def test_a_shared_map_whose_picture_breaks_after_its_text_is_posted_is_not_posted_again(
    harness: Harness,
) -> None:
    """The picture's upload failing in a way Slack's client does not name (the line drops)
    after the map's text is in the channel: the map is shared, so a second click says so and
    posts nothing."""
    harness.slack.command("map mlir bufferization")
    [share] = [b for b in _buttons(harness.reply()) if b["action_id"] == ACTION_SHARE_MAP]
    harness.fake.wait_for("files.completeUploadExternal")  # the asker's own copy, in their DM
    harness.fake.fail_next("files.getUploadURLExternal", 0, times=5)  # no answer at all
    harness.slack.action({"action_id": ACTION_SHARE_MAP, "value": share["value"]})
    assert harness.fake.wait_for("chat.postMessage")[0].params["channel"] == "C0TALENT"
    assert "Something went wrong" in _all_text(harness.reply(2))
    harness.slack.action({"action_id": ACTION_SHARE_MAP, "value": share["value"]})
    assert "This map is already shared in the channel." in _all_text(harness.reply(3))
    assert len(harness.fake.of("chat.postMessage")) == 1


def test_community_filters_are_checked_like_other_options(harness: Harness) -> None:
    harness.slack.command("who mlir bufferization --community cobol")
    assert "--community 'cobol': choose one of llvm, gpu, hpc, rust, pl" in _all_text(
        harness.reply()
    )
    harness.slack.command("map mlir bufferization --community llvm")
    assert "MLIR › Bufferization" in _all_text(harness.reply(2))


def test_track_add_follows_a_forum_category_named_by_slug_and_id(harness: Harness) -> None:
    harness.slack.command("track add discourse:<https://discourse.llvm.org> mlir/31")
    shown = _all_text(harness.reply())
    assert "Tracking `discourse:discourse.llvm.org/c/mlir/31` (mlir)" in shown
    harness.slack.command("track list")
    assert "discourse:discourse.llvm.org/c/mlir/31" in _all_text(harness.reply(2))
    # A name needs the forum asked; Slack answers at once, so it says how instead.
    harness.slack.command("track add discourse:https://discourse.llvm.org MLIR")
    said = _all_text(harness.reply(3))
    assert "needs a category as SLUG/ID" in said
    assert "Traceback" not in said

"""Posting the digest to a fake Slack on 127.0.0.1: once per period, whatever happens.

Retries, rate limits, a second trigger, two posters at the same moment, a worker that died
half-way: the channel still gets one header and one message per person, and each message is
recorded so a reaction on it resolves to its person.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.models.blocks import Block
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.config import load_settings
from bot.ranking.who import load_ranking_config
from bot.reports.digest import Digest, compute_digest, period_ending
from bot.shortlist.saves import posted_people
from bot.store.models import DigestEntry, DigestRun, Person, PostedMessage, utcnow
from bot.taxonomy.model import default_taxonomy
from slackui.blocks.common import MAX_BLOCKS, person_from_block_id
from slackui.blocks.digest import digest_blocks
from slackui.digest_post import DigestPostError, post_digest, team_of
from slackui.web import web_client
from tests.support.digest_world import TEAM, UTC_ZONE, build_world, week
from tests.support.fake_slack import FakeSlack, texts

CHANNEL = "C0TALENT"
HOSTILE = "<!channel> Gus & <https://evil.test|friends>"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack(team_id=TEAM) as server:
        yield server


def client_for(fake: FakeSlack) -> WebClient:
    settings = load_settings(
        {"SLACK_BOT_TOKEN": "xoxb-fictional", "SLACK_API_URL": fake.url}, env_file=None
    )
    return web_client(settings)


@pytest.fixture
def digest(session: Session) -> Digest:
    world = build_world(session)
    gus = session.get(Person, world.people["gus-newcomer"])
    assert gus is not None
    gus.name = HOSTILE
    session.add(gus)
    session.commit()
    found = compute_digest(
        session,
        default_taxonomy(),
        config=load_ranking_config(),
        team_id=TEAM,
        period=period_ending(week(3), UTC_ZONE),
    )
    assert len(found.entries) == 2
    return found


def posts(fake: FakeSlack) -> list[dict[str, Any]]:
    """Messages the fake Slack accepted (not the calls it failed on purpose)."""
    return [m for messages in fake.history.values() for m in messages]


def post(session: Session, fake: FakeSlack, digest: Digest, **kw: Any) -> Any:
    return post_digest(session, client_for(fake), default_taxonomy(), digest, channel=CHANNEL, **kw)


def test_posted_once_as_a_header_and_one_threaded_message_per_person(
    session: Session, fake: FakeSlack, digest: Digest
) -> None:
    outcome = post(session, fake, digest)
    assert (outcome.status, outcome.sent) == ("posted", 3)
    header, *entries = posts(fake)
    assert "thread_ts" not in header
    assert [m["thread_ts"] for m in entries] == [header["ts"], header["ts"]]
    people = [e.person_id for e in digest.entries]
    assert posted_people(session, CHANNEL, header["ts"]) == people
    for message, person in zip(entries, people, strict=True):
        assert posted_people(session, CHANNEL, message["ts"]) == [person]
        ids = {person_from_block_id(b.get("block_id")) for b in message["blocks"]}
        assert person in ids
        buttons = next(b for b in message["blocks"] if b["type"] == "actions")["elements"]
        assert {e["text"]["text"] for e in buttons} >= {"Save", "Not a fit", "Outreach"}
        assert {e["value"] for e in buttons} == {str(person)}
    again = post(session, fake, digest)
    assert (again.status, again.sent) == ("posted", 0)
    assert "already posted" in again.note
    assert len(fake.of("chat.postMessage")) == 3
    kinds = [row.kind for row in session.exec(select(PostedMessage))]
    assert sorted(kinds) == ["digest", "digest_entry", "digest_entry"]


def test_untrusted_text_is_escaped_everywhere(
    session: Session, fake: FakeSlack, digest: Digest
) -> None:
    post(session, fake, digest)
    shown = [text for message in posts(fake) for text in texts(message)]
    assert any("&lt;!channel&gt; Gus &amp; &lt;https://evil.test|friends&gt;" in t for t in shown)
    assert not any("<!channel>" in t or "<https://evil.test" in t for t in shown)


def test_two_posters_at_the_same_moment_post_once(
    engine: Engine, fake: FakeSlack, digest: Digest
) -> None:
    start = threading.Barrier(2)
    outcomes: list[Any] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with Session(engine) as own:
                start.wait()
                outcomes.append(post(own, fake, digest))
        except BaseException as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(o.sent for o in outcomes) == [0, 3]
    assert len(posts(fake)) == 3
    with Session(engine) as check:
        runs = list(check.exec(select(DigestRun)))
    assert [(r.status, r.channel) for r in runs] == [("posted", CHANNEL)]


@pytest.mark.parametrize(("status", "headers"), [(429, {"Retry-After": "1"}), (503, {}), (500, {})])
def test_rate_limits_and_server_errors_are_retried_and_still_post_once(
    session: Session, fake: FakeSlack, digest: Digest, status: int, headers: dict[str, str]
) -> None:
    fake.fail_next("chat.postMessage", status, headers=headers)  # the header, first try
    outcome = post(session, fake, digest)
    assert outcome.status == "posted"
    assert len(fake.of("chat.postMessage")) == 4  # one refused, then three accepted
    assert len(posts(fake)) == 3
    headers_posted = [m for m in posts(fake) if "thread_ts" not in m]
    assert len(headers_posted) == 1


def test_a_refused_post_fails_the_run_and_the_next_trigger_finishes_it(
    session: Session, fake: FakeSlack, digest: Digest
) -> None:
    fake.fail_next("chat.postMessage", 200, error="channel_not_found")
    with pytest.raises(DigestPostError, match="channel_not_found"):
        post(session, fake, digest)
    run = session.exec(select(DigestRun)).one()
    assert (run.status, run.error, run.message_ts) == ("failed", "channel_not_found", None)
    assert posts(fake) == []
    outcome = post(session, fake, digest)
    assert (outcome.status, outcome.sent) == ("posted", 3)
    assert len(posts(fake)) == 3


class Died(BaseException):
    """The worker's process ends here, as under kill -9: nothing after it runs."""


def test_a_half_posted_run_is_finished_by_the_next_trigger_without_repeats(
    session: Session, fake: FakeSlack, digest: Digest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker dies after Slack stored the first entry, before its ts was saved."""
    import slackui.digest_post as module

    original = module._remember
    seen = {"n": 0}

    def die_on_second(*args: Any, **kwargs: Any) -> None:
        seen["n"] += 1
        if seen["n"] == 2:
            raise Died
        original(*args, **kwargs)

    monkeypatch.setattr(module, "_remember", die_on_second)
    with pytest.raises(Died):
        post(session, fake, digest)
    monkeypatch.setattr(module, "_remember", original)
    session.rollback()
    run = session.exec(select(DigestRun)).one()
    assert run.status == "posting"
    assert run.message_ts is not None  # the header went out and was recorded
    assert len(posts(fake)) == 2  # and Slack holds the first entry, unrecorded
    # Within the lease another trigger leaves it alone; after it, one takes over.
    busy = post(session, fake, digest)
    assert (busy.sent, busy.status) == (0, "posting")
    assert "another worker" in busy.note
    later = run.claimed_at + timedelta(minutes=11) if run.claimed_at else utcnow()
    outcome = post(session, fake, digest, clock=lambda: later)
    assert (outcome.status, outcome.sent) == ("posted", 1)  # only the entry Slack lacked
    accepted = posts(fake)
    assert len([m for m in accepted if "thread_ts" not in m]) == 1  # the header, once
    assert len(accepted) == 3
    entries = session.exec(select(DigestEntry)).all()
    assert sorted(e.message_ts for e in entries) == sorted(
        m["ts"] for m in accepted if "thread_ts" in m
    )
    assert len(fake.of("conversations.replies")) == 2  # searched once per unrecorded entry


@pytest.mark.parametrize("status", [500, 503, 0], ids=["500", "503", "dropped"])
@pytest.mark.parametrize("which", [1, 2], ids=["header", "entry"])
def test_a_message_slack_stored_before_failing_is_not_sent_again(
    session: Session, fake: FakeSlack, digest: Digest, status: int, which: int
) -> None:
    """Slack stores the message, then answers 5xx or drops the line: found, not re-sent."""
    if which == 2:
        original = fake._answer
        count = {"n": 0}

        def second_fails(method: str, params: dict[str, Any]) -> dict[str, Any]:
            answer = original(method, params)
            if method == "chat.postMessage":
                count["n"] += 1
                if count["n"] == 1:
                    fake.fail_after_accept("chat.postMessage", status)
            return answer

        fake._answer = second_fails  # type: ignore[method-assign]
    else:
        fake.fail_after_accept("chat.postMessage", status)
    outcome = post(session, fake, digest)
    assert outcome.status == "posted"
    assert outcome.sent == 2  # the lost answer's message was found, not sent
    accepted = posts(fake)
    assert len(accepted) == 3
    assert len({m["ts"] for m in accepted}) == 3
    run = session.exec(select(DigestRun)).one()
    header = next(m for m in accepted if "thread_ts" not in m)
    assert run.message_ts == header["ts"]
    entries = session.exec(select(DigestEntry)).all()
    assert sorted(e.message_ts for e in entries) == sorted(
        m["ts"] for m in accepted if "thread_ts" in m
    )
    markers = [m["metadata"] for m in accepted]
    assert all(m["event_type"] == "csf_digest" for m in markers)
    assert len({str(m["event_payload"]) for m in markers}) == 3


def test_a_message_slack_never_stored_is_sent_again(
    session: Session, fake: FakeSlack, digest: Digest
) -> None:
    """A 500 before Slack stored anything: the search finds nothing and the entry is re-sent."""
    original = fake._answer
    count = {"n": 0}

    def second_is_lost(method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "chat.postMessage":
            count["n"] += 1
            if count["n"] == 2:
                raise ConnectionResetError  # dies before storing: no answer reaches csf
        return original(method, params)

    fake._answer = second_is_lost  # type: ignore[method-assign]
    outcome = post(session, fake, digest)
    assert (outcome.status, outcome.sent) == ("posted", 3)
    assert len(posts(fake)) == 3
    assert len(fake.of("chat.postMessage")) == 4
    assert len(fake.of("conversations.replies")) == 1


def test_a_search_that_fails_leaves_the_run_failed_and_retried_without_doubles(
    session: Session, fake: FakeSlack, digest: Digest
) -> None:
    """When Slack's answer is lost and the search fails too, nothing is re-sent blindly."""
    fake.fail_after_accept("chat.postMessage", 500)  # the header is stored, answer lost
    fake.fail_next("conversations.history", 200, error="internal_error")
    with pytest.raises(DigestPostError, match="did not answer"):
        post(session, fake, digest)
    assert len(posts(fake)) == 1
    run = session.exec(select(DigestRun)).one()
    assert run.status == "failed"
    outcome = post(session, fake, digest)  # the next trigger searches first and finds it
    assert (outcome.status, outcome.sent) == ("posted", 2)
    assert len(posts(fake)) == 3


def test_the_team_comes_from_auth_test(fake: FakeSlack) -> None:
    assert team_of(client_for(fake)) == TEAM


def test_messages_are_valid_block_kit_within_limits(session: Session, digest: Digest) -> None:
    messages = digest_blocks(digest)
    assert len(messages) == 1 + len(digest.entries)
    assert "11 May – 17 May 2026" in messages[0]["blocks"][0]["text"]["text"]
    for message in messages:
        assert len(message["blocks"]) <= MAX_BLOCKS
        for block in message["blocks"]:
            Block.parse(block).validate_json()  # type: ignore[union-attr]
    many = Digest(digest.team_id, digest.period, digest.entries * 60)
    header = digest_blocks(many)[0]
    assert len(header["blocks"]) <= MAX_BLOCKS
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in header["blocks"])
    empty = digest_blocks(Digest(digest.team_id, digest.period, []))
    assert len(empty) == 1
    assert "No one crossed the bar" in empty[0]["blocks"][1]["text"]["text"]

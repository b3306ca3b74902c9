"""`csf digest` as a person runs it: a real process, a SQLite file, a fake Slack on loopback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.config import ENV_NAMES
from bot.store.engine import make_engine, upgrade
from bot.store.models import DigestRun
from tests.support.cli import csf
from tests.support.digest_world import TEAM, build_world
from tests.support.fake_slack import FakeSlack


@pytest.fixture
def store(tmp_path: Path) -> Path:
    engine = make_engine(f"sqlite:///{tmp_path / 'csf.db'}")
    upgrade(engine)
    with Session(engine) as session:
        build_world(session)
    engine.dispose()
    return tmp_path


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack(team_id=TEAM) as server:
        yield server


def slack_env(fake: FakeSlack, **more: str) -> dict[str, str]:
    return {
        "CSF_TIMEZONE": "UTC",
        "SLACK_BOT_TOKEN": "xoxb-fictional",
        "SLACK_API_URL": fake.url,
        **more,
    }


def test_digest_json_replays_a_past_week_exactly(store: Path, fake: FakeSlack) -> None:
    first = csf(store, "digest", "--as-of", "2026-05-18", "--json", **slack_env(fake))
    assert first.returncode == 0, first.stderr
    data = json.loads(first.stdout)
    assert data["period"] == {
        "start": "2026-05-11T00:00:00+00:00",
        "end": "2026-05-18T00:00:00+00:00",
    }
    assert [e["person"]["login"] for e in data["entries"]] == ["ric-riser", "gus-newcomer"]
    entry = data["entries"][1]
    assert (entry["ecosystem"], entry["topic"]) == ("mlir", "mlir.bufferization")
    assert entry["reason"].startswith("first 3 merged PRs in MLIR › Bufferization")
    assert entry["evidence"][0]["url"].startswith("https://github.com/llvm/llvm-project/pull/")
    assert set(entry["person"]) >= {"id", "login", "name", "identities", "region"}
    again = csf(store, "digest", "--as-of", "2026-05-18", "--json", **slack_env(fake))
    assert again.stdout == first.stdout
    # The team is the bot token's (auth.test): its "not a fit" mark holds.
    assert len(fake.of("auth.test")) == 2
    assert "nel-notafit" not in first.stdout
    without_slack = csf(store, "digest", "--as-of", "2026-05-18", "--json", CSF_TIMEZONE="UTC")
    assert "nel-notafit" in without_slack.stdout  # the terminal's own team marked no one


def test_digest_text_groups_by_ecosystem(store: Path, fake: FakeSlack) -> None:
    result = csf(store, "digest", "--as-of", "2026-05-18", **slack_env(fake))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Newly active, 11 May – 17 May 2026 (UTC): 2 people"
    assert "MLIR" in lines
    assert any("Gus Newcomer @gus-newcomer" in line for line in lines)
    assert any("reviewed by @ada-maintainer" in line for line in lines)


def test_backtest_replays_every_week_remembering_earlier_ones(store: Path, fake: FakeSlack) -> None:
    args = ("digest", "backtest", "--from", "2026-05-04", "--to", "2026-05-25")
    result = csf(store, *args, "--json", **slack_env(fake))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    weeks = [[e["person"]["login"] for e in d["entries"]] for d in data["digests"]]
    assert weeks == [[], ["rae-reviewer"], ["ric-riser", "gus-newcomer"], []]
    text = csf(store, *args, **slack_env(fake))
    assert text.returncode == 0, text.stderr
    assert "4 digests, 3 entries, 3 people;" in text.stdout


def test_digest_post_posts_once(store: Path, fake: FakeSlack) -> None:
    env = slack_env(fake, CSF_DIGEST_CHANNEL="C0TALENT")
    first = csf(store, "digest", "--as-of", "2026-05-18", "--post", **env)
    assert first.returncode == 0, first.stderr
    assert "posted to C0TALENT: 2 people" in first.stdout
    second = csf(store, "digest", "--as-of", "2026-05-18", "--post", **env)
    assert second.returncode == 0, second.stderr
    assert "already posted" in second.stdout
    assert len(fake.of("chat.postMessage")) == 3


def test_a_poster_killed_after_slack_stored_an_entry_does_not_post_it_twice(
    store: Path, fake: FakeSlack
) -> None:
    """kill -9 while Slack holds the first entry and its answer has not come back."""
    env = slack_env(fake, CSF_DIGEST_CHANNEL="C0TALENT")
    release = fake.stall_after_accept("chat.postMessage", skip=1)  # header, then the entry
    clean = {k: v for k, v in os.environ.items() if k not in ENV_NAMES.values()}
    poster = subprocess.Popen(
        [sys.executable, "-m", "cli", "digest", "--as-of", "2026-05-18", "--post"],
        cwd=store,
        env={**clean, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        fake.wait_for("chat.postMessage", 2)
        while len(fake.history.get("C0TALENT", [])) < 2:  # the entry is stored
            time.sleep(0.01)
        poster.send_signal(signal.SIGKILL)
        poster.wait(30)
    finally:
        release.set()
    assert poster.returncode == -signal.SIGKILL
    # Ten minutes pass: the dead worker's claim lapses.
    engine = make_engine(f"sqlite:///{store / 'csf.db'}")
    with Session(engine) as session:
        run = session.exec(select(DigestRun)).one()
        assert run.status == "posting"
        assert run.claimed_at is not None
        run.claimed_at -= timedelta(minutes=11)
        session.add(run)
        session.commit()
    engine.dispose()
    again = csf(store, "digest", "--as-of", "2026-05-18", "--post", **env)
    assert again.returncode == 0, again.stderr
    assert "posted to C0TALENT: 2 people" in again.stdout
    held = fake.history["C0TALENT"]
    assert len(held) == 3  # the header and two entries, each once
    assert len({m["metadata"]["event_payload"]["part"] for m in held}) == 3
    assert len(fake.of("chat.postMessage")) == 3  # the stored entry was found, not re-sent


def test_digest_post_needs_a_channel(store: Path, fake: FakeSlack) -> None:
    result = csf(store, "digest", "--post", **slack_env(fake))
    assert result.returncode == 1
    assert result.stderr.strip() == "csf: CSF_DIGEST_CHANNEL is not set: csf digest --post needs it"

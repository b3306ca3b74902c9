"""`csf run` with SLACK_APP_TOKEN: Socket Mode, driven over a real websocket as Slack drives it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.support.fake_slack import FakeSlack, texts
from tests.support.fake_socket_mode import FakeSocketMode


def _command(fake: FakeSlack, text: str, name: str) -> dict[str, str]:
    return {
        "token": "fictional-verification-token",
        "team_id": fake.team_id,
        "team_domain": "fictional",
        "channel_id": "C0TALENT",
        "channel_name": "talent",
        "user_id": "U0SOURCER",
        "user_name": "sourcer",
        "command": "/csf",
        "text": text,
        "api_app_id": "A0CSF",
        "is_enterprise_install": "false",
        "response_url": fake.response_url(name),
        "trigger_id": "1.2.fictional",
    }


def test_csf_run_in_socket_mode_acks_envelopes_and_answers(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CSF_", "GITHUB_"))}
    env |= {"CSF_DATABASE_URL": f"sqlite:///{tmp_path / 'csf.db'}", "CSF_LOG_LEVEL": "INFO"}
    subprocess.run([sys.executable, "-m", "cli", "migrate"], env=env, check=True, cwd=tmp_path)
    with FakeSlack() as fake, FakeSocketMode() as socket_mode:
        fake.socket_url = socket_mode.url
        env |= {
            "SLACK_APP_TOKEN": "xapp-1-A0CSF-fictional",
            "SLACK_BOT_TOKEN": "xoxb-fictional-socket",
            "SLACK_API_URL": fake.url,
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "cli", "run"], env=env, cwd=tmp_path, stderr=subprocess.PIPE
        )
        try:
            socket_mode.wait_connected()
            [opened] = fake.of("apps.connections.open")
            assert opened.params == {}  # the app token travels in the Authorization header

            asked = _command(fake, "help", "s1")
            help_id = socket_mode.send("slash_commands", asked, response=True)
            assert socket_mode.wait_ack(help_id)["envelope_id"] == help_id
            assert "csf commands" in fake.wait_for("response_url")[0].params["text"]

            wrong = socket_mode.send("slash_commands", _command(fake, "frobnicate", "s2"))
            socket_mode.wait_ack(wrong)
            reply = fake.wait_for("response_url", 2)[1].params
            assert reply["response_type"] == "ephemeral"
            assert "has no command" in reply["text"]  # a short help, never a stack trace
            assert any("/csf who" in text for text in texts(reply))

            home = socket_mode.send(
                "events_api",
                {
                    "type": "event_callback",
                    "team_id": fake.team_id,
                    "api_app_id": "A0CSF",
                    "event_id": "Ev0FICTION1",
                    "event_time": 1790000000,
                    "event": {"type": "app_home_opened", "user": "U0SOURCER", "tab": "home"},
                },
            )
            socket_mode.wait_ack(home)
            [published] = fake.wait_for("views.publish")
            assert published.params["user_id"] == "U0SOURCER"
            assert published.params["view"]["type"] == "home"
        finally:
            process.send_signal(signal.SIGTERM)
            _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr.decode()[-2000:]
    assert b"Traceback" not in stderr
    assert socket_mode.connections == 1

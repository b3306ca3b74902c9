"""The Slack manifest and the Procfile describe an app that csf actually serves."""

from __future__ import annotations

from pathlib import Path

import yaml
from typer.main import get_command

from bot.cli import app

ROOT = Path(__file__).resolve().parents[1]


def test_manifest_declares_what_csf_listens_for() -> None:
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    commands = [c["command"] for c in manifest["features"]["slash_commands"]]
    assert commands == ["/csf"]
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    # reaction_added needs reactions:read; answers need chat:write; the command needs commands.
    assert {"commands", "chat:write", "reactions:read"} <= scopes
    settings = manifest["settings"]
    events = set(settings["event_subscriptions"]["bot_events"])
    assert {"reaction_added", "app_home_opened"} <= events
    assert settings["interactivity"]["is_enabled"] is True
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    # Socket Mode manifests carry no request URLs.
    assert settings["socket_mode_enabled"] is True
    assert "request_url" not in settings["event_subscriptions"]


def test_procfile_runs_commands_the_cli_has() -> None:
    processes = dict(
        line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line.strip()
    )
    assert set(processes) == {"web", "worker", "release"}
    cli_commands = set(get_command(app).commands)  # type: ignore[attr-defined]
    for command_line in processes.values():
        program, subcommand = command_line.split()[:2]
        assert program == "csf"
        assert subcommand in cli_commands
    assert processes["release"].strip() == "csf migrate"

"""The Slack manifest and the Procfile describe an app that csf actually serves."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from slack_sdk import WebClient
from typer.main import get_command

from cli.main import app, load_commands

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
    load_commands([])  # every group: a command of any of them may be in the Procfile
    cli_commands = set(get_command(app).commands)  # type: ignore[attr-defined]
    for command_line in processes.values():
        program, subcommand = command_line.split()[:2]
        assert program == "csf"
        assert subcommand in cli_commands
    assert processes["release"].strip() == "csf migrate"


# Web API methods csf may call -> the bot scopes they need (None: no scope). A method missing
# here fails the cross-check below, so a new call cannot ship without its scope decided.
METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "auth_test": (),
    "chat_postMessage": ("chat:write",),
    "chat_postEphemeral": ("chat:write",),
    "chat_update": ("chat:write",),
    "chat_getPermalink": (),
    "conversations_history": ("channels:history", "groups:history"),
    "conversations_replies": ("channels:history", "groups:history"),
    "conversations_open": ("im:write",),
    "views_publish": (),
    "views_open": (),
    "views_update": (),
    "reactions_get": ("reactions:read",),
    "users_info": ("users:read",),
    "files_upload_v2": ("files:write",),
    "usergroups_users_list": ("usergroups:read",),
}
EVENT_SCOPES = {"reaction_added": ("reactions:read",), "app_home_opened": ()}


def _sources() -> str:
    return "\n".join(
        path.read_text()
        for folder in ("bot", "slackui", "handlers", "scheduler", "cli")
        for path in sorted((ROOT / folder).rglob("*.py"))
    )


def test_manifest_matches_the_listeners_and_the_web_api_calls() -> None:
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    handlers = "\n".join(p.read_text() for p in sorted((ROOT / "handlers").rglob("*.py")))
    registered_commands = set(re.findall(r'@app\.command\("([^"]+)"\)', handlers))
    registered_events = set(re.findall(r'@app\.event\("([^"]+)"\)', handlers))
    interactive = bool(re.search(r"@app\.(action|view)\(", handlers))
    assert registered_commands == {c["command"] for c in manifest["features"]["slash_commands"]}
    assert registered_events == set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert manifest["settings"]["interactivity"]["is_enabled"] is interactive
    # Every Web API method the code calls: WebClient's own methods are exactly those.
    called = {m for m in re.findall(r"\.(\w+)\(", _sources()) if m in vars(WebClient)}
    unknown = called - set(METHOD_SCOPES)
    assert not unknown, f"decide the scopes of {unknown} in METHOD_SCOPES"
    needed = {scope for method in called for scope in METHOD_SCOPES[method]}
    needed |= {scope for event in registered_events for scope in EVENT_SCOPES[event]}
    if registered_commands:
        needed.add("commands")
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == needed

"""Settings: defaults, one clear line per bad variable, secrets never shown."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ENV_NAMES, load_settings
from bot.errors import ConfigError

ENV_EXAMPLE = Path(__file__).resolve().parents[2] / ".env.example"


def test_defaults() -> None:
    settings = load_settings({})
    assert settings.database_url == "sqlite:///./csf.db"
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.github_api_url == "https://api.github.com"
    assert settings.timezone == "Europe/London"
    assert settings.save_emoji == "bookmark"
    assert settings.slack_bot_token is None
    assert not settings.socket_mode
    assert not settings.has_slack
    assert settings.digest_cron == "0 9 * * mon"
    assert settings.sync_hours == 6
    assert settings.followup_days == 7


def test_values_are_read_and_normalised() -> None:
    settings = load_settings(
        {
            "CSF_DATABASE_URL": "postgres://csf@db.example:5432/csf",
            "SLACK_BOT_TOKEN": "xoxb-1-fictional",
            "SLACK_APP_TOKEN": "xapp-1-fictional",
            "SLACK_API_URL": "http://127.0.0.1:9999/api/",
            "GITHUB_API_URL": "https://ghe.example.com/api/v3",
            "CSF_DIGEST_CHANNEL": "#talent-compilers",
            "CSF_TIMEZONE": "Europe/Zurich",
            "CSF_SAVE_EMOJI": ":star:",
            "PORT": "8080",
        }
    )
    assert settings.database_url == "postgresql+psycopg://csf@db.example:5432/csf"
    assert settings.socket_mode
    assert settings.save_emoji == "star"
    assert settings.port == 8080
    assert settings.tz.key == "Europe/Zurich"


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("CSF_DATABASE_URL", "mysql://root@localhost/csf", "supports sqlite and postgresql"),
        ("CSF_DATABASE_URL", "not a url", "is not a database URL"),
        ("SLACK_BOT_TOKEN", "xoxp-user-token", "xoxb-"),
        ("SLACK_APP_TOKEN", "xoxb-wrong-kind", "xapp-"),
        ("SLACK_API_URL", "slack.com/api", "http:// or https://"),
        ("GITHUB_API_URL", "ftp://github.example", "http:// or https://"),
        ("CSF_DIGEST_CHANNEL", "talent channel", "channel ID"),
        ("CSF_TIMEZONE", "Mars/Olympus_Mons", "not a known time zone"),
        ("CSF_SAVE_EMOJI", "book mark", "emoji name"),
        ("PORT", "eighty", "integer"),
        ("PORT", "70000", "65535"),
        ("CSF_LOG_LEVEL", "LOUD", "one of"),
        ("CSF_DIGEST_CRON", "every monday", "is not a crontab line"),
        ("CSF_DIGEST_CRON", "0 25 * * mon", "is not a crontab line"),
        ("CSF_SYNC_HOURS", "0", "greater than 0"),
        ("CSF_FOLLOWUP_DAYS", "0", "greater than or equal to 1"),
    ],
)
def test_malformed_value_names_the_variable(variable: str, value: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({variable: value})
    message = str(caught.value)
    assert message.startswith(f"{variable}: ")
    assert expected in message
    assert "\n" not in message


def test_several_errors_stay_on_one_line() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"PORT": "0", "CSF_TIMEZONE": "Nowhere"})
    message = str(caught.value)
    assert "PORT" in message
    assert "CSF_TIMEZONE" in message
    assert "\n" not in message


def test_missing_required_value_names_the_variable() -> None:
    settings = load_settings({})
    with pytest.raises(ConfigError, match=r"^SLACK_SIGNING_SECRET is not set: csf run needs it$"):
        settings.require("slack_signing_secret", purpose="csf run")


def test_secrets_never_appear_in_repr_or_errors() -> None:
    settings = load_settings(
        {"SLACK_BOT_TOKEN": "xoxb-very-secret", "GITHUB_TOKEN": "ghp_fictionalsecret"}
    )
    assert "very-secret" not in repr(settings)
    assert "fictionalsecret" not in repr(settings)
    with pytest.raises(ConfigError) as caught:
        load_settings({"SLACK_BOT_TOKEN": "xoxp-very-secret"})
    assert "very-secret" not in str(caught.value)


def test_empty_values_mean_unset() -> None:
    settings = load_settings({"SLACK_BOT_TOKEN": "", "CSF_TIMEZONE": "  "})
    assert settings.slack_bot_token is None
    assert settings.timezone == "Europe/London"


def test_process_environment_and_dotenv_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ENV_NAMES.values():
        monkeypatch.delenv(name, raising=False)
    dotenv = tmp_path / ".env"
    dotenv.write_text("CSF_TIMEZONE=Europe/Warsaw\nCSF_SAVE_EMOJI=pushpin\n")
    monkeypatch.setenv("CSF_SAVE_EMOJI", "star")  # the environment wins over the file
    settings = load_settings(env_file=str(dotenv))
    assert settings.timezone == "Europe/Warsaw"
    assert settings.save_emoji == "star"


def test_env_example_documents_every_variable() -> None:
    documented = {
        line.split("=", 1)[0].lstrip("# ").strip()
        for line in ENV_EXAMPLE.read_text().splitlines()
        if "=" in line
    }
    assert set(ENV_NAMES.values()) <= documented


def test_cli_prints_one_line_not_a_traceback(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ENV_NAMES.values()}
    env["CSF_TIMEZONE"] = "Atlantis/Capital"
    result = subprocess.run(
        [sys.executable, "-m", "cli", "migrate"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "csf: CSF_TIMEZONE: 'Atlantis/Capital' is not a known time zone (try Europe/London or UTC)"
    ]
    assert not (tmp_path / "csf.db").exists()


CRONTAB_LINES = [
    "0 9 * * mon",
    "*/15 * * * *",
    "0 9 1-7 * mon-fri",
    "30 8 * jan,jul 1",
    "0 0 last * *",
    "5 4 * * sun",
    "0 9 * * 7",
    "0 25 * * mon",
    "every monday",
    "0 9 * *",
    "0 9 * * mon extra",
    "0 9 * * funday",
    "0 9 0 * *",
    "0 9 * 13 *",
    "*/0 * * * *",
    "10-5 * * * *",
    "0 9 * * fri-mon",
    "a b c d e",
]


@pytest.mark.parametrize("line", CRONTAB_LINES)
def test_settings_read_a_crontab_line_as_the_scheduler_does(line: str) -> None:
    from apscheduler.triggers.cron import CronTrigger

    from bot.config import check_crontab

    try:
        CronTrigger.from_crontab(line, timezone="UTC")
        scheduler_accepts = True
    except ValueError:
        scheduler_accepts = False
    try:
        check_crontab(line)
        core_accepts = True
    except ValueError:
        core_accepts = False
    assert core_accepts == scheduler_accepts

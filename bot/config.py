"""Settings from the environment, in one object (12-factor).

Every knob csf has is an environment variable listed here and in `.env.example`. A `.env` file in
the working directory is read too, so a developer can keep credentials out of their shell
history. Secrets are `SecretStr` so they never show up in a repr, a log line or a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.errors import ConfigError

DEFAULT_DATABASE_URL = "sqlite:///./csf.db"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_GITHUB_API_URL = "https://api.github.com"

# Field name -> the environment variable that sets it; the single source for error messages.
ENV_NAMES: dict[str, str] = {
    "database_url": "CSF_DATABASE_URL",
    "slack_bot_token": "SLACK_BOT_TOKEN",
    "slack_signing_secret": "SLACK_SIGNING_SECRET",
    "slack_app_token": "SLACK_APP_TOKEN",
    "slack_api_url": "SLACK_API_URL",
    "github_token": "GITHUB_TOKEN",
    "github_api_url": "GITHUB_API_URL",
    "discourse_api_key": "DISCOURSE_API_KEY",
    "discourse_api_username": "DISCOURSE_API_USERNAME",
    "discourse_api_url": "DISCOURSE_API_URL",
    "archive_hosts": "CSF_ARCHIVE_HOSTS",
    "digest_channel": "CSF_DIGEST_CHANNEL",
    "timezone": "CSF_TIMEZONE",
    "save_emoji": "CSF_SAVE_EMOJI",
    "port": "PORT",
    "bind": "CSF_BIND",
    "log_level": "CSF_LOG_LEVEL",
    "taxonomy_path": "CSF_TAXONOMY",
    "ranking_config": "CSF_RANKING_CONFIG",
    "roles_path": "CSF_ROLES",
    "company_profile": "CSF_COMPANY_PROFILE",
    "admin_users": "CSF_ADMIN_USERS",
    "retention_years": "CSF_RETENTION_YEARS",
    "allowed_channels": "CSF_ALLOWED_CHANNELS",
    "allowed_users": "CSF_ALLOWED_USERS",
    "web_workers": "CSF_WEB_THREADS",
    "web_processes": "CSF_WEB_PROCESSES",
    "answer_threads": "CSF_ANSWER_THREADS",
    "digest_cron": "CSF_DIGEST_CRON",
    "sync_hours": "CSF_SYNC_HOURS",
    "followup_days": "CSF_FOLLOWUP_DAYS",
    "infer_region": "CSF_INFER_REGION",
    "affiliations_path": "CSF_AFFILIATIONS",
}

_CHANNEL = re.compile(r"^(#[a-z0-9][a-z0-9_\-]{0,79}|[CG][A-Z0-9]{6,})$")
_EMOJI = re.compile(r"^[a-z0-9_+\-']{1,100}$")
_SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")
_SLACK_IDS = re.compile(r"^[A-Z][A-Z0-9]{2,20}$")
_USER_OR_GROUP = re.compile(r"^[UWS][A-Z0-9]{2,20}$")
_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$"
)
_LOG_LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}


def _ids(value: str | None, pattern: re.Pattern[str], what: str) -> str | None:
    """A list of Slack IDs, commas or spaces between them, each checked against `pattern`."""
    if value is None:
        return None
    ids = [part.strip() for part in value.replace(" ", ",").split(",") if part.strip()]
    bad = [part for part in ids if not pattern.match(part)]
    if bad:
        raise ValueError(f"{bad[0]!r} is not {what}")
    return ",".join(ids) or None


class Settings(BaseSettings):
    """The whole configuration of one csf deployment."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
        case_sensitive=True,
        populate_by_name=False,
    )

    database_url: str = Field(DEFAULT_DATABASE_URL, validation_alias="CSF_DATABASE_URL")
    slack_bot_token: SecretStr | None = Field(None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(None, validation_alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(DEFAULT_SLACK_API_URL, validation_alias="SLACK_API_URL")
    github_token: SecretStr | None = Field(None, validation_alias="GITHUB_TOKEN")
    github_api_url: str = Field(DEFAULT_GITHUB_API_URL, validation_alias="GITHUB_API_URL")
    # Discourse forums are read anonymously; a key (with the user it acts as) lifts the limits.
    discourse_api_key: SecretStr | None = Field(None, validation_alias="DISCOURSE_API_KEY")
    discourse_api_username: str | None = Field(None, validation_alias="DISCOURSE_API_USERNAME")
    # Where a forum's API answers when not at its own https://HOST (a proxy; tests' loopback):
    # links are always built on the forum's public host.
    discourse_api_url: str | None = Field(None, validation_alias="DISCOURSE_API_URL")
    # Public archives (mail lists, forums) links may point at, beside lore.kernel.org and
    # discourse.llvm.org: a team's own mirror (bot/store/links.py).
    archive_hosts: str | None = Field(None, validation_alias="CSF_ARCHIVE_HOSTS")
    digest_channel: str | None = Field(None, validation_alias="CSF_DIGEST_CHANNEL")
    timezone: str = Field("Europe/London", validation_alias="CSF_TIMEZONE")
    save_emoji: str = Field("bookmark", validation_alias="CSF_SAVE_EMOJI")
    port: int = Field(3000, ge=1, le=65535, validation_alias="PORT")
    # The address `csf run` listens on: every interface by default (platforms such as Heroku
    # route to it from outside the container); 127.0.0.1 behind a proxy on the same machine.
    bind: str = Field(
        "0.0.0.0", pattern=r"^[A-Za-z0-9.:\[\]-]{1,253}$", validation_alias="CSF_BIND"
    )
    log_level: str = Field("INFO", validation_alias="CSF_LOG_LEVEL")
    # A team's own taxonomy file; unset means the one shipped in bot/taxonomy/taxonomy.yml.
    taxonomy_path: str | None = Field(None, validation_alias="CSF_TAXONOMY")
    # A team's ranking weights (YAML or TOML); unset means bot/ranking/ranking.yml as shipped.
    ranking_config: str | None = Field(None, validation_alias="CSF_RANKING_CONFIG")
    # A team's role profiles, added to bot/outreach/roles.yml (same format).
    roles_path: str | None = Field(None, validation_alias="CSF_ROLES")
    # The hiring team's profile (name, roadmap themes, sender): outreach needs it.
    company_profile: str | None = Field(None, validation_alias="CSF_COMPANY_PROFILE")
    # Slack user ids allowed to erase people (`/csf forget`), comma-separated; none by default.
    admin_users: str | None = Field(None, validation_alias="CSF_ADMIN_USERS")
    # How long public activity is kept (`csf prune` and the scheduled retention job).
    retention_years: int = Field(5, ge=1, le=100, validation_alias="CSF_RETENTION_YEARS")
    # Comma-separated Slack IDs; unset means everyone in the workspace may use csf.
    allowed_channels: str | None = Field(None, validation_alias="CSF_ALLOWED_CHANNELS")
    allowed_users: str | None = Field(None, validation_alias="CSF_ALLOWED_USERS")
    web_workers: int = Field(8, ge=1, le=64, validation_alias="CSF_WEB_THREADS")
    # Processes of `csf run` in HTTP mode: answers are CPU-bound Python, one core per process.
    web_processes: int = Field(2, ge=1, le=32, validation_alias="CSF_WEB_PROCESSES")
    # Answers computed at once per process (handlers/task_queue.py); the rest wait their turn.
    answer_threads: int = Field(2, ge=1, le=16, validation_alias="CSF_ANSWER_THREADS")
    # When `csf worker` posts the digest: a crontab line in CSF_TIMEZONE (Mondays 09:00).
    digest_cron: str = Field("0 9 * * mon", validation_alias="CSF_DIGEST_CRON")
    sync_hours: float = Field(6, gt=0, le=24 * 7, validation_alias="CSF_SYNC_HOURS")
    # A candidate left "contacted" this many days without a change prompts a reminder DM.
    followup_days: int = Field(7, ge=1, le=365, validation_alias="CSF_FOLLOWUP_DAYS")
    # Whether people with no profile location are placed from their commits' clocks and their
    # addresses' country domains, as `likely` (bot/people/regions.py); false keeps them unknown.
    infer_region: bool = Field(True, validation_alias="CSF_INFER_REGION")
    # A team's universities and companies, over bot/people/affiliations.yml (same format).
    affiliations_path: str | None = Field(None, validation_alias="CSF_AFFILIATIONS")

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        value = value.strip()
        # Heroku-style and driverless URLs name a driver csf does not ship; psycopg 3 is the one.
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                value = "postgresql+psycopg://" + value[len(prefix) :]
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError(
                "is not a database URL (expected sqlite:///path/to/csf.db or "
                "postgresql+psycopg://user@host:5432/db)"
            ) from None
        if url.get_backend_name() not in {"sqlite", "postgresql"}:
            raise ValueError(
                f"names the database {url.get_backend_name()!r}; csf supports sqlite and postgresql"
            )
        return value

    @field_validator("archive_hosts")
    @classmethod
    def _hostnames(cls, value: str | None) -> str | None:
        if value is None:
            return None
        hosts = [h.strip().lower() for h in value.replace(" ", ",").split(",") if h.strip()]
        bad = [h for h in hosts if not _HOSTNAME.match(h)]
        if bad:
            raise ValueError(f"{bad[0]!r} is not a host name (write e.g. lists.example.org)")
        return ",".join(hosts) or None

    @field_validator("slack_api_url", "github_api_url", "discourse_api_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must be an http:// or https:// URL")
        return value

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("must be a bot token starting with xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp- (Socket Mode)")
        return value

    @field_validator("allowed_channels")
    @classmethod
    def _id_list(cls, value: str | None) -> str | None:
        return _ids(value, _SLACK_IDS, "a Slack ID; give IDs like C0123ABCD or U0123ABCD")

    @field_validator("allowed_users")
    @classmethod
    def _user_list(cls, value: str | None) -> str | None:
        return _ids(
            value,
            _USER_OR_GROUP,
            "a Slack user or user group ID; give IDs like U0123ABCD (a person) "
            "or S0123ABCD (a user group)",
        )

    @field_validator("digest_cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        value = " ".join(value.split())
        try:
            check_crontab(value)
        except ValueError as error:
            raise ValueError(
                f"{value!r} is not a crontab line (minute hour day month weekday, "
                f"e.g. '0 9 * * mon'): {error}"
            ) from None
        return value

    @field_validator("digest_channel")
    @classmethod
    def _channel(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if not _CHANNEL.match(value):
            raise ValueError("must be a channel ID like C0123ABCD or a name like #talent")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        value = value.strip()
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{value!r} is not a known time zone (try Europe/London or UTC)"
            ) from None
        return value

    @field_validator("save_emoji")
    @classmethod
    def _emoji(cls, value: str) -> str:
        value = value.strip().strip(":")
        if not _EMOJI.match(value):
            raise ValueError("must be an emoji name such as bookmark (without colons)")
        return value

    @field_validator("admin_users")
    @classmethod
    def _admins(cls, value: str | None) -> str | None:
        return _ids(value, _SLACK_USER, "a Slack user id: list ids like U0123ABCD, comma-separated")

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        value = value.strip().upper()
        if value not in _LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(sorted(_LOG_LEVELS))}")
        return value

    @property
    def channel_allowlist(self) -> frozenset[str] | None:
        """Channels csf answers in; None means every channel it is in."""
        return frozenset(self.allowed_channels.split(",")) if self.allowed_channels else None

    @property
    def user_allowlist(self) -> frozenset[str] | None:
        """People (U…/W…) and user groups (S…) who may use csf; None means everyone."""
        return frozenset(self.allowed_users.split(",")) if self.allowed_users else None

    @property
    def allowed_groups(self) -> frozenset[str]:
        """The user groups (S…) among CSF_ALLOWED_USERS: their members may use csf."""
        return frozenset(i for i in self.user_allowlist or () if i.startswith("S"))

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def socket_mode(self) -> bool:
        """Socket Mode needs no public URL, so it is chosen whenever an app token is present."""
        return self.slack_app_token is not None

    @property
    def admins(self) -> frozenset[str]:
        """Slack user ids that may erase people; empty means no one can from Slack."""
        return frozenset(self.admin_users.split(",")) if self.admin_users else frozenset()

    @property
    def has_slack(self) -> bool:
        return self.slack_bot_token is not None

    def require(self, *fields: str, purpose: str) -> None:
        """Fail with one line naming the first missing setting that `purpose` needs."""
        for name in fields:
            if getattr(self, name) is None:
                raise ConfigError(f"{ENV_NAMES[name]} is not set: {purpose} needs it")


def is_admin(settings: Settings, user_id: str | None) -> bool:
    """Whether a Slack user may run admin-only actions (erasure). Deny unless listed."""
    return bool(user_id) and user_id in settings.admins


class _ExplicitSettings(Settings):
    """Settings read only from the mapping handed in, never from the process or a .env file."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def _one_line(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        loc = item["loc"][0] if item["loc"] else ""
        env_name = ENV_NAMES.get(str(loc), str(loc))
        message = str(item["msg"]).removeprefix("Value error, ")
        parts.append(f"{env_name}: {message}")
    return "; ".join(parts)


def load_settings(
    env: Mapping[str, str] | None = None, *, env_file: str | None = ".env"
) -> Settings:
    """Read settings, turning validation errors into one line that names each bad variable.

    `env`, when given, replaces the process environment: tests and callers that hold their own
    configuration pass it explicitly instead of mutating `os.environ`.
    """
    try:
        if env is None:
            settings = Settings(_env_file=env_file)  # type: ignore[call-arg]
        else:
            known = set(ENV_NAMES.values())
            values: dict[str, Any] = {k: v for k, v in env.items() if k in known and v.strip()}
            settings = _ExplicitSettings(**values)
    except ValidationError as error:
        raise ConfigError(_one_line(error)) from None
    return settings


# A crontab line's fields: (name, lowest, highest, names in order from `lowest`).
_CRON_FIELDS = (
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day", 1, 31, ()),
    (
        "month",
        1,
        12,
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
    ),
    ("weekday", 0, 6, ("sun", "mon", "tue", "wed", "thu", "fri", "sat")),
)


def check_crontab(line: str) -> None:
    """Raise ValueError unless `line` is a crontab line the scheduler will accept.

    The scheduler (APScheduler's `CronTrigger.from_crontab`) lives at the edge, and the core
    never imports it; a test checks that this reading and the scheduler's agree.
    """
    fields = line.split()
    if len(fields) != len(_CRON_FIELDS):
        raise ValueError(f"wrong number of fields; got {len(fields)}, expected 5")
    for text, (name, low, high, names) in zip(fields, _CRON_FIELDS, strict=True):
        for part in text.lower().split(","):
            _check_cron_part(part, name, low, high, names)


def _check_cron_part(part: str, name: str, low: int, high: int, names: tuple[str, ...]) -> None:
    span, _, step = part.partition("/")
    if step and not (step.isdigit() and int(step) > 0):
        raise ValueError(f"bad step {step!r} in the {name} field")
    if span == "*" or (span == "last" and name == "day"):
        return
    ends = span.split("-")
    if len(ends) > 2 or not all(ends):
        raise ValueError(f"unrecognised {name} expression {part!r}")
    values = [names.index(end) + low if end in names else _cron_number(end, name) for end in ends]
    if any(not low <= value <= high for value in values) or values != sorted(values):
        raise ValueError(f"{name} value out of range in {part!r} ({low}-{high})")


def _cron_number(text: str, name: str) -> int:
    if not text.isdigit():
        raise ValueError(f"unrecognised {name} value {text!r}")
    return int(text)

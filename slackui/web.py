"""The Slack Web API client every part of csf posts through.

slack_sdk does not retry a 429 by default; posting a digest or an answer must survive Slack's
rate limits (honouring Retry-After) and brief 5xx/connection failures, so one place builds the
client with those retry handlers and the configured base URL (a fake server in tests).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.config import Settings
from bot.errors import CsfError


def web_client(settings: Settings, *, max_retries: int = 3, timeout: int = 10) -> WebClient:
    """A client with the bot token, the configured API URL and retries for 429/5xx/resets."""
    settings.require("slack_bot_token", purpose="talking to Slack")
    assert settings.slack_bot_token is not None
    base_url = settings.slack_api_url.rstrip("/") + "/"
    return WebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=base_url,
        timeout=timeout,
        retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=max_retries),
            ServerErrorRetryHandler(max_retry_count=max_retries),
            ConnectionErrorRetryHandler(max_retry_count=max_retries),
        ],
    )


def without_blind_retries(client: WebClient, *, max_retries: int = 3) -> WebClient:
    """The same client, retrying only a 429 (Slack acted on nothing).

    After a 5xx or a dropped connection Slack may have stored a post already; re-sending then
    is the caller's decision (the digest searches for its marker first), never the transport's.
    """
    return WebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=client.timeout,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=max_retries)],
    )


@contextmanager
def slack_from_terminal(settings: Settings, what: str) -> Iterator[None]:
    """Talk to Slack from a terminal command: a failure to reach it is one line, not a traceback.

    The client's own retry log lines stay out of the terminal too (a worker keeps them: it is
    only this block that quiets them), so the person sees only the line that says what to do.
    """
    sdk_log = logging.getLogger("slack_sdk")
    level = sdk_log.level
    sdk_log.setLevel(logging.CRITICAL)
    where = settings.slack_api_url
    try:
        yield
    except SlackApiError as error:
        reason = str(error.response.get("error") or error.response.status_code)
        raise CsfError(f"Slack refused {what}: {reason} (check SLACK_BOT_TOKEN)") from None
    except (URLError, OSError) as error:
        cause = getattr(error, "reason", None) or error
        raise CsfError(
            f"cannot reach Slack at {where} for {what}: {cause} "
            "(check the network and SLACK_API_URL)"
        ) from None
    finally:
        sdk_log.setLevel(level)

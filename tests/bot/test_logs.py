"""No secret reaches a log line: tokens and Authorization values are redacted in every record."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.logs import REDACTED, RedactingFilter, redact, setup_logging
from handlers.app import redacting_gunicorn_logger

SECRETS = [
    "xoxb-0000000000-1111111111-FAKEfakeFAKEfake",
    "xoxp-0000-1111-2222-fakefake",
    "xoxa-2-fake-token",
    "xoxr-fake-refresh",
    "xapp-1-A0FAKE-0000-fakefakefake",
    "ghp_FAKEfake0000FAKEfake0000FAKEfake0000",
    "gho_FAKEfake0000",
    "ghu_FAKEfake0000",
    "ghs_FAKEfake0000",
    "ghr_FAKEfake0000",
    "github_pat_11FAKE0000_fakeFAKEfake0000",
]


@pytest.mark.parametrize("secret", SECRETS)
def test_each_kind_of_token_is_redacted_wherever_it_sits(secret: str) -> None:
    for text in (secret, f"token={secret}", f"('{secret}',)", f"url?t={secret}&x=1"):
        cleaned = redact(text)
        assert secret not in cleaned
        assert REDACTED in cleaned


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Authorization: Bearer abc.def-ghi", "Authorization: Bearer "),
        ("authorization: token s3cr3t-value", "authorization: token "),
        ("{'Authorization': 'Basic dXNlcjpwYXNz', 'Accept': 'json'}", "'Accept': 'json'"),
        ('{"authorization": "s3cr3t-value"}', '{"authorization": "'),
        ("AUTHORIZATION=s3cr3t-value next", " next"),
    ],
)
def test_authorization_values_are_redacted_and_the_rest_kept(text: str, kept: str) -> None:
    cleaned = redact(text)
    for secret in ("abc.def-ghi", "s3cr3t-value", "dXNlcjpwYXNz"):
        assert secret not in cleaned
    assert REDACTED in cleaned
    assert kept in cleaned


def test_ordinary_text_is_left_alone() -> None:
    text = "synced llvm/llvm-project: 3 PRs by ghost-writer, xoxo and github_user (gh_pages)"
    assert redact(text) == text


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    before = list(root.handlers), root.level
    handler = setup_logging(load_settings({"CSF_LOG_LEVEL": "DEBUG"}))
    buffer = io.StringIO()
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(buffer)
    yield buffer
    root.handlers[:] = before[0]
    root.setLevel(before[1])
    for each in root.handlers:
        for f in [f for f in each.filters if isinstance(f, RedactingFilter)]:
            each.removeFilter(f)


def test_records_from_any_logger_are_redacted_in_message_args_and_traceback(
    stream: io.StringIO,
) -> None:
    token, bearer = SECRETS[0], "Bearer FAKEbearerFAKE"
    logging.getLogger("httpx").debug("GET %s with %r", "https://api.example.com", {"t": token})
    logging.getLogger("slack_sdk.web").warning("headers: Authorization: %s", bearer)
    try:
        raise RuntimeError(f"GitHub said no to {SECRETS[5]}")
    except RuntimeError:
        logging.getLogger("bot.ingest.sync").exception("sync failed for %s", SECRETS[4])
    logging.getLogger("bot").info("stack", stack_info=True, extra={"unused": token})
    written = stream.getvalue()
    for secret in (token, SECRETS[4], SECRETS[5], "FAKEbearerFAKE"):
        assert secret not in written
    assert written.count(REDACTED) >= 4
    assert "RuntimeError: GitHub said no to [redacted]" in written
    assert "https://api.example.com" in written


def test_setting_up_twice_adds_one_handler(stream: io.StringIO) -> None:
    settings = load_settings({"CSF_LOG_LEVEL": "WARNING"})
    first = setup_logging(settings)
    second = setup_logging(settings)
    assert first is second
    root = logging.getLogger()
    assert [h for h in root.handlers if getattr(h, "csf", False)] == [first]
    assert all(sum(isinstance(f, RedactingFilter) for f in h.filters) == 1 for h in root.handlers)
    assert root.level == logging.WARNING
    assert logging.getLogger("httpx").level == logging.WARNING  # per-request noise stays out


def test_gunicorn_logs_through_its_own_handlers_redacted(tmp_path: Path) -> None:
    from gunicorn.config import Config

    errors = tmp_path / "gunicorn-error.log"
    cfg = Config()
    cfg.set("errorlog", str(errors))
    cfg.set("logger_class", redacting_gunicorn_logger())
    logger = cfg.logger_class(cfg)
    token = "xoxb-1234-5678-fictional"
    try:
        raise RuntimeError(f"request failed with Authorization: Bearer {token}")
    except RuntimeError:
        logger.exception("Error handling request %s", token)
    for handler in logger.error_log.handlers:
        handler.flush()
    written = errors.read_text()
    assert "Error handling request" in written
    assert "RuntimeError" in written  # the traceback is kept, redacted
    assert token not in written
    assert REDACTED in written

"""Logging that never writes a secret: Slack and GitHub tokens and Authorization headers are
redacted from every record, whichever library logged it.

The filter sits on the handlers, not on a logger: a logger's filters see only records logged
on that very logger, while a handler's see every record that reaches it, from httpx, slack_sdk
or csf alike. It rewrites the message with its arguments already merged in (a token passed as
`%s` argument is caught), the formatted traceback and the stack.
"""

from __future__ import annotations

import logging
import re
import sys

from bot.config import Settings

REDACTED = "[redacted]"
_TOKENS = re.compile(
    r"\bxox[a-z]-[A-Za-z0-9-]+"  # Slack bot, user, app-config and refresh tokens
    r"|\bxapp-[A-Za-z0-9-]+"  # Slack app-level tokens (Socket Mode)
    r"|\bgh[pousr]_[A-Za-z0-9]+"  # GitHub personal, OAuth, user-to-server, server, refresh
    r"|\bgithub_pat_[A-Za-z0-9_]+"  # GitHub fine-grained personal tokens
)
# `Authorization: Bearer x`, `authorization=token x`, `{'Authorization': 'Basic x'}`.
_AUTHORIZATION = re.compile(
    r"""(?i)(authorization['"]?\s*[:=]\s*['"]?)((?:bearer|token|basic)\s+)?[^\s'",;}]+"""
)
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Libraries that log every request or migration step at INFO: shown only when debugging.
_CHATTY = ("httpx", "httpcore", "alembic", "apscheduler")


def redact(text: str) -> str:
    """`text` with every token and Authorization value replaced by a marker."""
    text = _AUTHORIZATION.sub(lambda m: f"{m.group(1)}{m.group(2) or ''}{REDACTED}", text)
    return _TOKENS.sub(REDACTED, text)


class RedactingFilter(logging.Filter):
    """Rewrites each record so no handler after it can print a secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep what there is, redacted
            message = f"{record.msg} {record.args}"
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def setup_logging(settings: Settings | None = None) -> logging.Handler:
    """Log to stderr at `CSF_LOG_LEVEL`, redacted; safe to call twice (one handler, one filter).

    Handlers already on the root logger (a platform's, pytest's) get the filter too.
    """
    level = settings.log_level if settings is not None else "INFO"
    root = logging.getLogger()
    root.setLevel(level)
    for name in _CHATTY:
        logging.getLogger(name).setLevel(level if level == "DEBUG" else "WARNING")
    handler = next((h for h in root.handlers if getattr(h, "csf", False)), None)
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(_FORMAT))
        handler.csf = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    for each in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in each.filters):
            each.addFilter(RedactingFilter())
    return handler

"""The `/csf help` answer, and the short help that answers input csf cannot read."""

from __future__ import annotations

from typing import Any

from handlers.command_text import USAGE, UsageError
from slackui.blocks.common import context, section
from slackui.blocks.mrkdwn import escape


def help_message(error: UsageError | None = None) -> dict[str, Any]:
    """Every command with an example; led by what was wrong, when something was."""
    blocks = []
    if error is not None:
        lead = escape(str(error))
        if error.command in USAGE:
            usage, example, _ = USAGE[error.command]
            lead += f"\nUsage: `/csf {escape(usage)}`\nFor example: `/csf {escape(example)}`"
            blocks.append(section(lead))
            return {"text": f"csf: {escape(str(error))}", "blocks": blocks}
        blocks.append(section(lead))
    lines = [f"`/csf {escape(usage)}`\n      {what}" for usage, _, what in USAGE.values()]
    blocks.append(section("*csf commands*\n" + "\n".join(lines)))
    blocks.append(context("For example: `/csf who mlir bufferization --region uk`"))
    text = f"csf: {escape(str(error))}" if error else "csf commands"
    return {"text": text, "blocks": blocks}

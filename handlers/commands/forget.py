"""`/csf forget LOGIN`: what an erasure would delete, then (Erase button) the erasure itself.

Admins only (CSF_ADMIN_USERS), and in two steps: the command shows what goes and deletes
nothing; the button, after Slack's own confirmation dialog, erases.
"""

from __future__ import annotations

from sqlmodel import Session

from bot.config import is_admin
from bot.people.privacy import forget, plan_forget
from handlers.answer import Answer, Asker
from handlers.commands.parse import login_from, one_login
from handlers.commands.registry import Command, subcommand
from handlers.context import AppContext
from slackui.blocks.common import ACTION_FORGET, Message, button, section
from slackui.blocks.mrkdwn import escape
from slackui.blocks.people import notice

ADMINS_ONLY = "Only csf admins (CSF_ADMIN_USERS) can erase a person."


@subcommand(
    "forget",
    usage="forget LOGIN",
    example="forget ada-fictional",
    what="erase a person and never store them again",
    check=one_login,
)
def forget_command(ctx: AppContext, session: Session, command: Command, asker: Asker) -> Answer:
    return Answer(forget_confirmation(ctx, session, command.args[0], asker))


def forget_confirmation(ctx: AppContext, session: Session, login: str, asker: Asker) -> Message:
    """What an erasure would delete, with the button that does it: nothing is deleted yet."""
    if not is_admin(ctx.settings, asker.user_id):
        return notice(ADMINS_ONLY)
    plan = plan_forget(session, login)
    text = (
        f":warning: *Erase @{escape(login)}?* {escape(plan.summary())}.\n"
        "This cannot be undone; csf will never store them again."
    )
    forget_button = button(f"Erase @{login}"[:75], ACTION_FORGET, login, style="danger")
    forget_button["confirm"] = {
        "title": {"type": "plain_text", "text": "Erase for good?"},
        "text": {"type": "plain_text", "text": f"Delete everything csf holds about @{login}."},
        "confirm": {"type": "plain_text", "text": "Erase"},
        "deny": {"type": "plain_text", "text": "Keep"},
        "style": "danger",
    }
    return {
        "text": f"csf: erase @{escape(login)}?",
        "blocks": [section(text), {"type": "actions", "elements": [forget_button]}],
    }


def forget_person(ctx: AppContext, session: Session, spec: str, asker: Asker) -> Message:
    """Erase a person and suppress their identities (the Erase button, after confirming)."""
    if not is_admin(ctx.settings, asker.user_id):
        return notice(ADMINS_ONLY)
    login = login_from(spec, "forget")
    report = forget(session, login, actor=asker.user_id)
    what = ", ".join(f"{n} {kind}" for kind, n in report.deleted.items() if n) or "nothing held"
    return notice(
        f"Erased @{escape(login)} ({escape(what)}); {report.suppressed} identities suppressed. "
        f"Audit reference `{escape(report.reference)}`."
    )

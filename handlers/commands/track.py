"""`/csf track add|list|remove`: choose the repositories csf follows."""

from __future__ import annotations

from sqlmodel import Session

from bot.errors import CsfError
from bot.ingest.discourse import track_forum
from bot.ingest.tracking import track, tracked_repos, untrack
from bot.sources.discourse import DiscourseSource, is_forum
from handlers.answer import Answer, Asker
from handlers.commands.registry import Command, UsageError, subcommand
from handlers.context import AppContext
from slackui.blocks.mrkdwn import escape
from slackui.blocks.people import notice


def _check(command: Command) -> None:
    """A verb first (add, list, remove); add and remove need a repository after it."""
    args = command.args
    if not args or args[0].lower() not in ("add", "list", "remove"):
        raise UsageError("track takes add, list or remove", "track")
    args[0] = args[0].lower()
    if args[0] in ("add", "remove") and len(args) < 2:
        raise UsageError(f"track {args[0]} needs a repository as OWNER/NAME", "track")


def _no_lookup(host: str) -> DiscourseSource:
    """Slack answers at once: a category is named by SLUG/ID, never looked up on the forum."""
    raise CsfError(
        f"name {host}'s categories as SLUG/ID (e.g. mlir/31, from the category's address), "
        "or look them up by name with `csf track add` in the terminal"
    )


def _track_forum(ctx: AppContext, session: Session, args: list[str], asker: Asker) -> Answer:
    """`track add discourse:https://HOST SLUG/ID… [ECOSYSTEM]`."""
    categories = [a for a in args[2:] if "/" in a]
    others = [a for a in args[2:] if "/" not in a]
    if not categories:
        raise UsageError(
            "track add discourse:https://HOST needs a category as SLUG/ID, e.g. mlir/31", "track"
        )
    repos = track_forum(
        session,
        ctx.taxonomy,
        args[1],
        categories,
        others[0] if others else None,
        source_for_host=_no_lookup,
        actor=asker.user_id,
    )
    shown = ", ".join(f"`{escape(r.full_name)}` ({escape(r.ecosystem)})" for r in repos)
    return Answer(notice(f"Tracking {shown}; the next sync reads its threads."))


@subcommand(
    "track",
    usage=(
        "track add OWNER/NAME [ECOSYSTEM] | track add discourse:https://HOST SLUG/ID [ECOSYSTEM]"
        " | track list | track remove OWNER/NAME"
    ),
    example="track add llvm/llvm-project",
    what="choose the repositories csf follows",
    check=_check,
)
def track_answer(ctx: AppContext, session: Session, command: Command, asker: Asker) -> Answer:
    args = command.args
    action = args[0]
    if action == "list":
        repos = tracked_repos(session)
        if not repos:
            return Answer(notice("No repositories tracked yet: `/csf track add OWNER/NAME`."))
        lines = [
            f"• `{escape(r.full_name)}` ({escape(r.ecosystem)}), last synced "
            + (f"{r.last_synced_at:%Y-%m-%d}" if r.last_synced_at else "never")
            for r in repos
        ]
        return Answer(notice("*Tracked repositories*\n" + "\n".join(lines)))
    if action == "add" and is_forum(args[1]):
        return _track_forum(ctx, session, args, asker)
    if action == "add":
        ecosystem = args[2] if len(args) > 2 else None
        repo = track(session, ctx.taxonomy, args[1], ecosystem, actor=asker.user_id)
        return Answer(
            notice(
                f"Tracking `{escape(repo.full_name)}` ({escape(repo.ecosystem)}); "
                "the next sync reads its history."
            )
        )
    repo = untrack(session, args[1], actor=asker.user_id)
    return Answer(notice(f"No longer tracking `{escape(repo.full_name)}`; its history is kept."))
